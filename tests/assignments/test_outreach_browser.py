"""In a real browser at phone width: build a campaign and assign it; work through my list; axe on
the outreach pages. SCREENSHOT_DIR=docs/screenshots keeps the pictures for the README."""

import os
from datetime import timedelta

import pytest

from crm.clock import local_today, utcnow
from crm.interactions.services import InteractionData, log_interaction
from crm.models import Campaign, CommitteeMembership, FollowUpTemplate, Issue, Position
from tests.factories import AssignmentFactory, CommitteeFactory, PersonFactory, UserFactory
from tests.test_browser import PHONE, sign_in

pytestmark = pytest.mark.browser

SENATORS = [  # first, last, state, party, stance on Conrad 30 (None: never recorded)
    ("Elena", "Marsh", "TX", "Republican", "undecided"),
    ("Theodore", "Banks", "NY", "Democratic", "support"),
    ("Clara", "Whitmore", "FL", "Republican", None),
    ("Russell", "Harlan", "TN", "Republican", "undecided"),
    ("Joan", "Ekdahl", "WI", "Democratic", "lean_support"),
    ("Victor", "Salinas", "CA", "Democratic", None),
    ("Gunnar", "Halvorsen", "WI", "Republican", "unknown"),
    ("Marco", "Esteban", "FL", "Republican", "undecided"),
]


def fits_the_phone(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


@pytest.fixture
def judiciary(db):
    """Senate Judiciary's immigration subcommittee, its senators, and positions on Conrad 30."""
    conrad = Issue(name="Conrad 30 reauthorization", slug="conrad-30")
    db.session.add(conrad)
    db.session.commit()
    sub = CommitteeFactory(name="Immigration, Citizenship, and Border Safety", code="SSJU04")
    people = []
    for first, last, state, party, stance in SENATORS:
        p = PersonFactory(
            first_name=first, last_name=last, full_name=f"{first} {last}", state=state, party=party
        )
        db.session.add(CommitteeMembership(committee_id=sub.id, person_id=p.id))
        if stance:
            db.session.add(
                Position(
                    person_id=p.id,
                    issue_id=conrad.id,
                    stance=stance,
                    recorded_at=utcnow() - timedelta(days=20),
                )
            )
        people.append(p)
    db.session.commit()
    return conrad, sub, people


def test_build_and_assign_a_campaign_on_a_phone(
    page, live_server, coordinator, judiciary, screenshot_dir, db
):
    conrad, sub, people = judiciary
    members = [
        UserFactory(name=n, home_state=s)
        for n, s in [
            ("Omar Haddad", "TX"),
            ("Maria Santos", "FL"),
            ("Dr. Priya Raman", "WI"),
            ("Dr. Tunde Adeyemi", "TN"),
        ]
    ]
    log_interaction(
        members[0],
        InteractionData(people=[people[2].id], occurred_at=utcnow() - timedelta(days=2)),
        utcnow(),
    )
    page.set_viewport_size(PHONE)
    sign_in(page, live_server, coordinator.email)
    page.goto(f"{live_server}/campaigns/new")
    page.get_by_role("button", name="More filters").click()
    page.wait_for_selector("#more-filters.collapse.show")  # the animation has ended
    page.get_by_label("Committee").select_option(str(sub.id))
    page.get_by_label("Position on which issue").select_option(str(conrad.id))
    page.get_by_label("Undecided").check()
    page.get_by_label("Unknown").check()
    page.get_by_role("button", name="Preview targets").click()
    page.wait_for_selector(".preview")
    assert "6 people match" in page.inner_text(".preview")
    page.get_by_label("Campaign name").fill("Senate Judiciary before the Conrad 30 markup")
    page.get_by_label("Goal").fill("Every undecided member hears about Conrad 30 before markup.")
    page.locator("#issue_id").select_option(str(conrad.id))
    page.screenshot(path=str(screenshot_dir / "campaign-builder-phone.png"), full_page=True)
    assert fits_the_phone(page)
    page.get_by_role("button", name="Save campaign with 6 targets").click()
    page.wait_for_selector("text=Now assign its targets")
    page.get_by_role("link", name="Assign targets").click()
    page.get_by_label("A member from the target's state").check()
    page.get_by_role("button", name="Propose").click()
    page.wait_for_url("**strategy=state**")
    assert "5 of 6 targets have a member proposed" in page.inner_text("main")
    # Clara Whitmore (FL) goes to Maria; Omar met her office two days ago: Maria is told.
    assert "Omar Haddad logged a contact with Clara Whitmore" in page.inner_text("main")
    page.get_by_label("Member for Victor Salinas").select_option(str(members[0].id))
    page.get_by_label("Due").fill((local_today(utcnow(), "UTC") + timedelta(days=10)).isoformat())
    page.screenshot(path=str(screenshot_dir / "campaign-assign-phone.png"), full_page=True)
    assert fits_the_phone(page)
    page.get_by_role("button", name="Assign", exact=True).click()
    page.wait_for_selector("text=Assigned 6 targets")
    assert "Given to a member\n6 of 6 (100%)" in page.inner_text(".coverage")
    page.screenshot(path=str(screenshot_dir / "campaign-progress-phone.png"), full_page=True)
    assert fits_the_phone(page)
    campaign = db.session.query(Campaign).one()
    # Texas has two members (the coordinator too): Elena Marsh went to the first of them.
    assert sorted(a.assignee.name for a in campaign_assignments(db, campaign)) == [
        "Cora Coordinator",
        "Dr. Priya Raman",
        "Dr. Tunde Adeyemi",
        "Maria Santos",
        "Maria Santos",
        "Omar Haddad",
    ]


def campaign_assignments(db, campaign):
    from crm.models import Assignment

    return db.session.query(Assignment).filter_by(campaign_id=campaign.id).all()


def test_my_work_on_a_phone(page, live_server, member, coordinator, db, screenshot_dir):
    today = local_today(utcnow(), member.timezone)
    senator = PersonFactory(
        first_name="Elena", last_name="Marsh", full_name="Elena Marsh", state="TX"
    )
    rep = PersonFactory(
        first_name="Gabriel",
        last_name="Ortega",
        full_name="Gabriel Ortega",
        chamber="lower",
        district="23",
        state="TX",
    )
    official = PersonFactory(
        kind="official",
        first_name="Beatriz",
        last_name="Calloway",
        full_name="Beatriz Calloway",
        level="state",
        state="TX",
        title="Conrad 30 Coordinator, Texas DSHS",
    )
    campaign = Campaign(
        name="Texas delegation before markup",
        target_filter={"state": "TX"},
        created_by_id=coordinator.id,
    )
    db.session.add(campaign)
    db.session.commit()
    AssignmentFactory(
        assignee=member,
        created_by=coordinator,
        person=senator,
        campaign=campaign,
        title="Ask for a Conrad 30 cosponsorship",
        priority="high",
        due_on=today - timedelta(days=2),
    )
    AssignmentFactory(
        assignee=member,
        created_by=coordinator,
        person=rep,
        title="Share constituent physician stories",
        due_on=today + timedelta(days=1),
        status="in_progress",
    )
    AssignmentFactory(
        assignee=member,
        created_by=member,
        person=official,
        title="Send the one-pager",
        due_on=today + timedelta(days=4),
    )
    AssignmentFactory(
        assignee=member,
        created_by=coordinator,
        person=senator,
        title="Schedule a district meeting",
        due_on=today + timedelta(days=20),
    )
    AssignmentFactory(
        assignee=member,
        created_by=coordinator,
        person=rep,
        title="Thank-you note",
        due_on=today - timedelta(days=1),
        snoozed_until=today + timedelta(days=5),
    )
    PersonFactory(
        first_name="Ramon",
        last_name="Villarreal",
        full_name="Ramon Villarreal",
        level="state",
        state="TX",
        district="9",
        holder_id=member.id,
        cadence_days=30,
        last_contacted_at=utcnow() - timedelta(days=33),
        next_touch_due=today - timedelta(days=3),
    )
    db.session.add(FollowUpTemplate(label="Thank-you note", due_in_days=1))
    db.session.commit()
    page.set_viewport_size(PHONE)
    sign_in(page, live_server, member.email)
    page.get_by_role("button", name="Open the menu").click()
    page.get_by_role("link", name="My work", exact=True).click()
    page.wait_for_selector("#overdue-h")
    main = page.inner_text("main")
    assert "Ask for a Conrad 30 cosponsorship" in main and "overdue 2 days" in main
    assert "Ramon Villarreal" in main and "3 days late" in main
    page.screenshot(path=str(screenshot_dir / "my-work-phone.png"), full_page=True)
    assert fits_the_phone(page)
    page.get_by_role("button", name="Done: Send the one-pager").click()
    page.wait_for_selector("text=“Send the one-pager” is done.")
    assert "Send the one-pager" not in page.inner_text("#soon-h ~ ul")
    page.goto(f"{live_server}/")
    assert "Ask for a Conrad 30 cosponsorship" in page.inner_text(".dashboard-work")
    assert fits_the_phone(page)
    # Log the contact from the overdue item: the assignment is ticked, a follow-up is chosen.
    page.get_by_role("link", name="Log contact: Ask for a Conrad 30 cosponsorship").click()
    page.wait_for_selector(".last-contact")
    done = page.get_by_label("Ask for a Conrad 30 cosponsorship · Elena Marsh", exact=False)
    assert done.first.is_checked()
    page.get_by_text("Follow-ups for me").click()
    page.get_by_label("Thank-you note").check()
    page.screenshot(path=str(screenshot_dir / "quick-log-outreach-phone.png"), full_page=True)
    assert fits_the_phone(page)
    page.get_by_role("button", name="Log contact").click()
    page.wait_for_selector("text=Your follow-ups are on My work.")
    page.goto(f"{live_server}/my-work")
    assert "Ask for a Conrad 30 cosponsorship" not in page.inner_text("main")
    # The new thank-you note (due tomorrow) joins the snoozed one.
    assert page.locator(".work-item", has_text="Thank-you note").count() == 2
    assert "Thank-you note" in page.inner_text("#soon-h ~ ul")


AXE = os.environ.get("AXE_JS")


@pytest.mark.skipif(not AXE, reason="axe-core not installed (npm ci)")
def test_outreach_pages_have_no_accessibility_violations(
    browser, live_server, coordinator, judiciary, db
):
    conrad, sub, people = judiciary
    campaign = Campaign(
        name="Judiciary", target_filter={"committee": sub.id}, created_by_id=coordinator.id
    )
    db.session.add(campaign)
    db.session.commit()
    a = AssignmentFactory(
        assignee=coordinator,
        created_by=coordinator,
        person=people[0],
        campaign=campaign,
        due_on=local_today(utcnow(), "UTC"),
    )
    AssignmentFactory(assignee=UserFactory(), person=people[1], campaign=campaign)
    page = browser.new_context(bypass_csp=True).new_page()
    sign_in(page, live_server, coordinator.email)
    pages = [
        "/my-work",
        "/touch",
        "/assignments",
        "/assignments/new",
        f"/assignments/{a.id}",
        f"/assignments/{a.id}/edit",
        "/assignments/follow-ups",
        "/campaigns/",
        f"/campaigns/new?committee={sub.id}&position_issue={conrad.id}&stance=undecided",
        f"/campaigns/{campaign.id}",
        f"/campaigns/{campaign.id}/assign",
        f"/log?person={people[0].id}&assignment={a.id}",
        "/settings/",
    ]
    found = {}
    for path in pages:
        for width in (375, 1280):
            page.set_viewport_size({"width": width, "height": 900})
            page.goto(live_server + path)
            page.add_script_tag(path=AXE)
            found[f"{path}@{width}"] = page.evaluate("async () => (await axe.run()).violations")
    problems = {
        where: [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3]) for v in violations]
        for where, violations in found.items()
        if violations
    }
    assert not problems, problems
