"""In a real browser: the quick log's optional positions grid, and axe-core on the whip board,
the reports and the person page (desktop and phone widths)."""

import os
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from crm.clock import utcnow
from crm.models import Position
from crm.policy.positions import PositionInput, Subject, record_position
from tests.factories import BillFactory, IssueFactory, PersonFactory

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
AXE = Path(os.environ.get("AXE_JS") or ROOT / "node_modules" / "axe-core" / "axe.min.js")


@pytest.fixture
def live_url(live_server):
    return live_server


@pytest.fixture
def chrome(browser):
    """pytest-playwright's browser (Debian's Chromium, see tests/conftest.py)."""
    return browser


def signed_in(chrome, live_url, email, viewport, bypass_csp=False):
    """A signed-in page; bypass_csp only to inject axe-core (the CSP forbids inline scripts)."""
    from tests.factories import PASSWORD

    context = chrome.new_context(viewport=viewport, bypass_csp=bypass_csp)
    page = context.new_page()
    page.goto(live_url + "/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(live_url + "/")
    return page


def test_quick_log_positions_grid_follows_people_and_issues(db, chrome, live_url, member):
    issue = IssueFactory(name="Conrad 30 reauthorization")
    bill = BillFactory(number="H.R. 1585")
    senator = PersonFactory(first_name="Ada", last_name="Senator")
    db.session.commit()
    page = signed_in(chrome, live_url, member.email, {"width": 375, "height": 812})
    page.goto(f"{live_url}/log?person={senator.id}")
    positions = page.locator("#positions-block")
    assert positions.get_attribute("open") is None  # collapsed: the quick log stays quick
    page.click("summary:has-text('Notes, outcome')")
    page.check(f"#i{issue.id}")
    page.check(f"#b{bill.id}")
    positions.locator("summary").click()
    rows = page.locator("#position-grid .position-row")
    assert rows.count() == 2
    assert "Ada Senator · Conrad 30 reauthorization" in rows.first.inner_text()
    page.uncheck(f"#b{bill.id}")
    assert rows.count() == 1
    page.select_option(f"#position-{senator.id}-i{issue.id}", "lean_support")
    page.fill(f"#commitment-{senator.id}-i{issue.id}", "Will cosponsor")
    page.click("button[type=submit]:has-text('Log contact')")
    page.wait_for_url(f"{live_url}/interactions/*")
    assert "Lean support" in page.inner_text("main")
    db.session.expire_all()
    row = db.session.scalar(sa.select(Position))
    assert (row.person_id, row.issue_id, row.stance, row.commitment) == (
        senator.id,
        issue.id,
        "lean_support",
        "Will cosponsor",
    )
    assert row.interaction_id is not None


@pytest.mark.skipif(not AXE.exists(), reason="axe-core not installed (npm ci)")
@pytest.mark.parametrize(
    "viewport", [{"width": 1280, "height": 900}, {"width": 375, "height": 812}]
)
def test_whip_board_reports_and_person_page_pass_axe(db, chrome, live_url, coordinator, viewport):
    issue = IssueFactory(name="Conrad 30 reauthorization")
    people = [
        PersonFactory(state=s, chamber=c)
        for s, c in (("TX", "upper"), ("TX", "lower"), ("CA", "upper"), ("NY", "lower"))
    ]
    now = utcnow()
    for n, person in enumerate(people[:3]):
        record_position(
            coordinator,
            PositionInput(
                person.id,
                Subject("issue", issue.id),
                ("support", "undecided", "oppose")[n],
                commitment="Will cosponsor" if n == 0 else None,
            ),
            now - timedelta(days=10 * n),
        )
    people[0].last_contacted_at = now - timedelta(days=3)
    db.session.commit()
    page = signed_in(chrome, live_url, coordinator.email, viewport, bypass_csp=True)
    for path in (
        f"/issues/{issue.id}/whip",
        "/reports/",
        "/reports/not-contacted",
        "/reports/members",
        f"/people/{people[0].id}",
        "/issues/",
    ):
        page.goto(live_url + path)
        page.add_script_tag(path=str(AXE))
        result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
        serious = [
            (v["id"], v["help"], [n["target"] for n in v["nodes"]][:3])
            for v in result["violations"]
            if v["impact"] in ("serious", "critical")
        ]
        assert serious == [], (path, serious)
        overflow = page.evaluate("document.documentElement.scrollWidth > window.innerWidth + 1")
        assert not overflow, f"{path} scrolls sideways at {viewport['width']} px"
