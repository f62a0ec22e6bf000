"""History, audit log and trash in a real browser: readable at 375 and 1280 px, axe-clean."""

import os
from datetime import timedelta

import pytest

from crm.assignments import services as work
from crm.assignments.services import AssignmentData
from crm.clock import utcnow
from crm.interactions.services import InteractionData, delete_interaction, log_interaction
from crm.people.services import delete_person, update_person
from tests.factories import IssueFactory, PersonFactory, UserFactory
from tests.test_browser import sign_in

pytestmark = pytest.mark.browser
AXE = os.environ.get("AXE_JS")
WIDTHS = (375, 1280)


@pytest.fixture
def story(db, coordinator, member):
    """A person with a few changes, a contact, an assignment passed around, and some trash."""
    now = utcnow()
    person = PersonFactory(first_name="Elena", last_name="Marsh", title="Senator")
    update_person(
        coordinator,
        person,
        {
            "last_name": "Marsh",
            "first_name": "Elena",
            "state": "TX",
            "tier": "champion",
            "holder_id": member.id,
            "cadence_days": 30,
            "notes": "Long-time ally of the Conrad 30 programme; " * 6,
        },
        person.version,
        now,
    )
    issue = IssueFactory(name="Conrad 30 reauthorization")
    contact = log_interaction(
        member,
        InteractionData(
            people=[person.id],
            occurred_at=now - timedelta(hours=3),
            subject="Coffee with the health staffer about the waiver backlog",
            issues=[issue.id],
        ),
        now,
    )
    other = UserFactory(name="Rosalind Featherstonehaugh-Whitcombe")
    a = work.create_assignment(
        coordinator,
        AssignmentData(
            title="Ask the office for a cosponsorship of the Conrad State 30 reauthorization",
            assignee_id=member.id,
            person_id=person.id,
            issue_id=issue.id,
            due_on=(now + timedelta(days=5)).date(),
            priority="high",
        ),
        now,
        acknowledge_collisions=True,
    )
    work.set_status(member, a, "in_progress", now)
    work.reassign(coordinator, a, other.id, None, now, acknowledge_collisions=True)
    gone = PersonFactory(first_name="Bartholomew", last_name="Vanderbilt-Ashworth")
    lost = log_interaction(
        member, InteractionData(people=[gone.id], occurred_at=now, subject="Lunch"), now
    )
    delete_interaction(member, lost, now)
    delete_person(coordinator, gone, now)
    return {"person": person, "contact": contact, "assignment": a}


def test_history_pages_fit_a_phone_and_a_desktop(
    browser, live_server, story, coordinator, admin, screenshot_dir
):
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    pages = {
        "person-history": f"/people/{story['person'].id}/history",
        "contact-history": f"/interactions/{story['contact'].id}/history",
        "assignment-history": f"/assignments/{story['assignment'].id}/history",
        "trash": "/trash",
    }
    problems = {}
    for who, paths in ((coordinator, pages), (admin, {"audit-log": "/admin/audit"})):
        page.context.clear_cookies()
        sign_in(page, live_server, who.email)
        for name, path in paths.items():
            for width in WIDTHS:
                page.set_viewport_size({"width": width, "height": 900})
                resp = page.goto(live_server + path)
                assert resp.status == 200, path
                selector = ".trash-list li" if name == "trash" else ".history-entry"
                assert page.locator(selector).count() > 0, path
                scroll = page.evaluate("document.documentElement.scrollWidth")
                assert scroll <= width, (path, width, scroll)
                label = "phone" if width == 375 else "desktop"
                page.screenshot(path=str(screenshot_dir / f"{name}-{label}.png"), full_page=True)
                if AXE:
                    page.add_script_tag(path=AXE)
                    found = page.evaluate("async () => (await axe.run()).violations")
                    bad = [
                        (v["id"], [n["target"] for n in v["nodes"]][:3])
                        for v in found
                        if v["impact"] in ("serious", "critical")
                    ]
                    if bad:
                        problems[f"{path}@{width}"] = bad
    assert not problems, problems


def test_restore_from_the_trash_in_the_browser(page, live_server, story, coordinator):
    sign_in(page, live_server, coordinator.email)
    page.goto(f"{live_server}/trash")
    page.get_by_role("button", name="Restore Bartholomew Vanderbilt-Ashworth").click()
    page.wait_for_selector("text=“Bartholomew Vanderbilt-Ashworth” was restored.")
    assert "People (0)" in page.inner_text("main")
