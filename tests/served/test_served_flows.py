"""The flows a coalition runs every day, end to end on the served app in a browser."""

from __future__ import annotations

import csv
import io
import re
import time
from datetime import timedelta

import pytest

from tests.served.conftest import EMAILS, WIDTHS, seed_world
from tests.serving import sign_in_state

pytestmark = pytest.mark.browser
TYPING_DELAY_MS = 333  # a person typing 3 characters a second


@pytest.fixture
def world(app):
    return seed_world()


@pytest.fixture
def open_context(browser, served_app):
    """open_context(role, width) -> a signed-in context (closed afterwards)."""
    made = []

    def make(role: str | None, width: str = "desktop"):
        state = sign_in_state(browser, served_app, EMAILS[role]) if role else None
        context = browser.new_context(
            storage_state=state,
            viewport=WIDTHS[width],
            has_touch=width == "phone",
            is_mobile=width == "phone",
            accept_downloads=True,
        )
        context.set_default_timeout(15000)
        made.append(context)
        return context

    yield make
    for context in made:
        context.close()


def posts(served_app, mark: int, path: str) -> list[int]:
    return [s for m, p, s in served_app.requests(mark) if m == "POST" and p.startswith(path)]


def test_log_a_contact_on_a_phone_with_the_keyboard(world, open_context, served_app, capsys):
    """From the dashboard on a 375 px phone: tap Log, type part of the name, Enter picks the
    match, Enter saves. Taps, keystrokes and seconds are measured (aim: <= 4 taps, < 20 s)."""
    page = open_context("member", "phone").new_page()
    page.goto(served_app.url("/"))
    taps = keys = 0
    started = time.monotonic()
    page.get_by_role("link", name="Log", exact=True).tap()
    taps += 1
    page.wait_for_url("**/log")
    search = page.locator("#people-search")
    assert search.evaluate("el => el === document.activeElement"), "the name field has the focus"
    page.keyboard.type("cornyn", delay=TYPING_DELAY_MS)
    keys += len("cornyn")
    page.get_by_role("option", name=re.compile("John Cornyn")).wait_for()
    page.keyboard.press("Enter")  # picks the highlighted match
    keys += 1
    page.locator(".chip", has_text="John Cornyn").wait_for()
    page.keyboard.press("Enter")  # nothing typed: Enter saves the contact
    keys += 1
    page.get_by_text("Logged your meeting with John Cornyn").wait_for()
    seconds = time.monotonic() - started
    with capsys.disabled():
        print(
            f"\n[friction] log a contact on a 375 px phone: {taps} tap(s), {keys} keystrokes, "
            f"{seconds:.1f} s typing at 3 characters a second"
        )
    assert taps <= 4 and seconds < 20


def test_enter_before_the_list_appears_never_submits(app, world, open_context, served_app):
    """F3: typing a second name and pressing Enter before the list appeared saved the contact
    with the first person only. Enter now waits for the match and picks it; it never submits."""
    from crm.extensions import db
    from crm.models import Interaction

    page = open_context("member", "phone").new_page()
    page.goto(served_app.url("/log"))
    page.keyboard.type("cornyn", delay=50)
    page.get_by_role("option", name=re.compile("John Cornyn")).wait_for()
    page.keyboard.press("Enter")
    page.locator(".chip", has_text="John Cornyn").wait_for()
    mark = served_app.mark()
    page.keyboard.type("cruz")  # at machine speed: Enter comes before the list
    page.keyboard.press("Enter")
    page.locator(".chip", has_text="Ted Cruz").wait_for()
    assert posts(served_app, mark, "/log") == [], "Enter with text typed submitted the form"
    assert page.url.endswith("/log")
    page.keyboard.press("Enter")  # now nothing is typed: Enter saves, with both people
    page.get_by_text("Logged your meeting").wait_for()
    db.session.expire_all()
    logged = db.session.scalars(db.select(Interaction).order_by(Interaction.id.desc())).first()
    assert sorted(p.last_name for p in logged.people) == ["Cornyn", "Cruz"]


def test_build_a_campaign_and_bulk_assign(app, world, open_context, served_app):
    from crm.extensions import db
    from crm.models import Assignment, Campaign

    page = open_context("coordinator").new_page()
    page.goto(served_app.url("/campaigns/new"))
    page.fill("#state", "FL")
    page.get_by_role("button", name="Preview").click()
    page.wait_for_url("**state=FL**")
    page.fill("#name", "Florida before recess")
    page.get_by_role("button", name=re.compile("Save campaign")).click()
    page.wait_for_url(re.compile(r"/campaigns/\d+$"))
    page.goto(page.url + "/assign")
    page.get_by_text("Members to choose from").first.click()
    page.locator(".form-check", has_text="Mia Member").locator("input").check()
    page.locator(".form-check", has_text="Val Volunteer").locator("input").check()
    page.get_by_role("button", name="Propose").click()
    page.get_by_role("button", name="Assign", exact=True).click()
    page.wait_for_url(re.compile(r"/campaigns/\d+$"))
    campaign = db.session.scalars(
        db.select(Campaign).where(Campaign.name == "Florida before recess")
    ).one()
    made = db.session.scalars(db.select(Assignment).where(Assignment.campaign_id == campaign.id))
    assignees = {a.assignee.email for a in made}
    assert assignees == {"member@example.org", "val@example.org"}, assignees
    assert "Florida before recess" in page.inner_text("main")


def test_complete_an_assignment_from_a_reminder_link(
    app, world, open_context, served_app, monkeypatch
):
    """The reminder email's "mark done" link, read from the dev mailbox and opened signed out."""
    from crm.clock import utcnow
    from crm.extensions import db
    from crm.models import Assignment, DevMail
    from crm.reminders.services import dispatch_due_reminders

    monkeypatch.setitem(app.config, "BASE_URL", served_app.base)
    monkeypatch.setitem(app.config, "REMINDER_HOURS", "0-24")
    dispatch_due_reminders(utcnow() + timedelta(minutes=1))
    mail = db.session.scalars(
        db.select(DevMail).where(DevMail.to_email == EMAILS["member"]).order_by(DevMail.id.desc())
    ).first()
    assert mail is not None and "Call Cruz" in mail.text_body, "the overdue reminder"
    link = next(u for u in re.findall(r"https?://\S+", mail.text_body) if "/links/done/" in u)
    page = open_context(None, "phone").new_page()
    page.goto(link)
    page.locator("main form[method=post] button").click()
    page.get_by_text(re.compile("done", re.I)).first.wait_for()
    db.session.expire_all()
    cruz = db.session.scalars(db.select(Assignment).where(Assignment.title == "Call Cruz")).one()
    assert cruz.status == "done"


def test_record_a_position_and_see_the_whip_board_move(world, open_context, served_app):
    page = open_context("member").new_page()
    board = served_app.url(f"/issues/{world.ids['issue_id']}/whip")

    def support() -> int:
        page.goto(board)
        return int(page.locator('#whip-counts tr[data-stance="support"] td').first.inner_text())

    before = support()
    page.goto(served_app.url(f"/people/{world.people['Scott']}"))
    page.get_by_text("Record a position").click()
    page.select_option("#pos-subject", f"i{world.ids['issue_id']}")
    page.select_option("#pos-stance", "support")
    page.get_by_role("button", name=re.compile("Record", re.I)).last.click()
    page.wait_for_load_state("load")
    assert support() == before + 1
    row = page.locator(f'#whip-targets tr[data-person="{world.people["Scott"]}"]')
    assert row.get_attribute("data-stance") == "support"


def test_export_the_directory(world, open_context, served_app):
    """Filter the directory, press Export CSV: the browser saves the whole filtered file."""
    page = open_context("member").new_page()
    page.goto(served_app.url("/people/?state=FL"))
    with page.expect_download() as download:
        page.get_by_role("link", name="Export CSV").click()
    text = open(download.value.path(), encoding="utf-8-sig").read()
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][0] == "Name"
    assert sorted(r[0] for r in rows[1:]) == ["Ashley Moody", "Kathy Castor", "Rick Scott"]


def test_the_menu_folds_on_a_phone(world, open_context, served_app, screenshot_dir):
    """At 375 px the navigation is a menu button; opened, every item is a full-width 24 px+
    target and nothing scrolls sideways."""
    from tests.serving import sideways_overflow, small_targets

    page = open_context("admin", "phone").new_page()
    page.goto(served_app.url("/"))
    assert not page.locator("#nav .nav-link").first.is_visible()
    page.get_by_role("button", name="Open the menu").tap()
    page.locator("#nav.show").wait_for()
    page.get_by_role("button", name=re.compile("Ada Admin")).tap()
    page.locator(".dropdown-menu.show").wait_for()
    links = page.locator("#nav .nav-link")
    assert links.count() >= 7
    assert all(b["height"] >= 24 for b in (links.nth(i).bounding_box() for i in range(7)))
    assert sideways_overflow(page) is None
    assert small_targets(page) == []
    page.screenshot(path=str(screenshot_dir / "served-menu-phone.png"), full_page=True)


def test_log_a_contact_with_an_organization_on_a_phone(world, open_context, served_app):
    """On a 375 px phone, from an agency's page: Log a contact has the agency chosen; without
    it and nobody named the form says so and keeps what was typed; with it the contact is saved
    and shows on the agency's timeline."""
    org_id = world.ids["org_id"]
    page = open_context("member", "phone").new_page()
    page.goto(served_app.url(f"/organizations/{org_id}"))
    page.get_by_role("link", name="Log a contact", exact=True).tap()
    page.wait_for_url(f"**/log?organization={org_id}")
    chosen = page.get_by_label("Organization contacted")
    assert chosen.input_value() == str(org_id)
    page.get_by_label("Subject").fill("Asked HRSA about J-1 waiver numbers")
    chosen.select_option("None")
    page.get_by_role("button", name="Log contact").tap()
    page.get_by_text("Choose at least one person you contacted, or an organization.").wait_for()
    assert page.get_by_label("Subject").input_value() == "Asked HRSA about J-1 waiver numbers"
    page.get_by_label("Organization contacted").select_option(str(org_id))
    page.get_by_role("button", name="Log contact").tap()
    page.get_by_text(
        "Logged your meeting with Health Resources and Services Administration"
    ).wait_for()
    page.goto(served_app.url(f"/organizations/{org_id}"))
    timeline = page.locator("section[aria-labelledby=tl-h]")
    assert "Asked HRSA about J-1 waiver numbers" in timeline.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTHS["phone"]["width"]
