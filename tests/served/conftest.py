"""Fixtures for the served-app tests: a seeded coalition, signed-in browser contexts per role.

A module that only reads (the page sweep, the downloads) seeds the world once with the
`world` fixture and marks itself `keep_tables(*ALL_TABLES)`, so the cleanup after each test keeps
the rows; the fixture empties the tables when the module is done. Tests that change data seed
their own records per test (the suite empties the tables after each).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

import pytest

from tests.helpers import LONG_LIVED_CONTEXTS
from tests.serving import sign_in_state

WIDTHS = {"phone": {"width": 375, "height": 812}, "desktop": {"width": 1280, "height": 900}}
ROLES = ["anonymous", "member", "coordinator", "admin"]
EMAILS = {
    "member": "member@example.org",
    "coordinator": "coord@example.org",
    "admin": "admin@example.org",
}


def all_tables() -> tuple[str, ...]:
    from crm.extensions import db

    return tuple(t.name for t in db.metadata.sorted_tables)


ALL_TABLES = all_tables()


@dataclass
class World:
    """What the seed made: ids for every route parameter, and the people by name."""

    ids: dict[str, int | str] = field(default_factory=dict)
    people: dict[str, int] = field(default_factory=dict)
    users: dict[str, int] = field(default_factory=dict)


def seed_world() -> World:
    """A small coalition through the app's own services and factories, committed."""
    from crm.campaigns.services import CampaignData, save_campaign
    from crm.clock import utcnow
    from crm.extensions import db
    from crm.interactions.services import InteractionData, log_interaction
    from crm.models import (
        AdvocacyDay,
        DayMeeting,
        DayTarget,
        DevMail,
        FollowUpTemplate,
        ImportRun,
        IntakeUpload,
        Notification,
    )
    from crm.people.filters import DirectoryFilter
    from crm.policy.positions import PositionInput, Subject, add_position
    from tests.factories import (
        AssignmentFactory,
        BillFactory,
        IssueFactory,
        OrganizationFactory,
        PersonFactory,
        UserFactory,
    )

    now = utcnow()
    today = now.date()
    world = World()
    member = UserFactory(email=EMAILS["member"], name="Mia Member", role="member")
    coordinator = UserFactory(
        email=EMAILS["coordinator"], name="Cora Coordinator", role="coordinator"
    )
    admin = UserFactory(email=EMAILS["admin"], name="Ada Admin", role="admin")
    other = UserFactory(email="val@example.org", name="Val Volunteer", role="member")
    UserFactory(
        email="bartholomew.longname-hyphenated@example-immigration-law.org",
        name="Dr. Bartholomew Longname-Hyphenated",
        role="coordinator",
    )
    world.users = {"member": member.id, "coordinator": coordinator.id, "admin": admin.id}
    senators = [
        ("Maria", "Cantwell", "WA", "upper", "Democratic"),
        ("John", "Cornyn", "TX", "upper", "Republican"),
        ("Ted", "Cruz", "TX", "upper", "Republican"),
        ("Rick", "Scott", "FL", "upper", "Republican"),
        ("Ashley", "Moody", "FL", "upper", "Republican"),
        ("Lizzie", "Fletcher", "TX", "lower", "Democratic"),
        ("Michael", "McCaul", "TX", "lower", "Republican"),
        ("Kathy", "Castor", "FL", "lower", "Democratic"),
        ("Patty", "Murray", "WA", "upper", "Democratic"),
        ("Chip", "Roy", "TX", "lower", "Republican"),
    ]
    persons = {}
    for first, last, state, chamber, party in senators:
        person = PersonFactory(
            first_name=first,
            last_name=last,
            state=state,
            chamber=chamber,
            party=party,
            district="7" if chamber == "lower" else None,
            email=f"{last.lower()}@example.org",
            phone="202-224-0000",
        )
        world.people[last] = person.id
        persons[last] = person
    issue, bill = (
        IssueFactory(name="Conrad 30 reauthorization"),
        BillFactory(title="Healthcare Workforce Resilience Act"),
    )
    interaction = log_interaction(
        coordinator,
        InteractionData(
            people=[world.people["Cornyn"]],
            occurred_at=now - timedelta(days=3),
            subject="Conrad 30 meeting",
            notes="Asked for **cosponsorship**.",
            members=[member.id],
            issues=[issue.id],
        ),
        now,
    )
    log_interaction(
        member,
        InteractionData(
            people=[world.people["Scott"]], occurred_at=now - timedelta(days=10), kind="call"
        ),
        now,
    )
    positions = []
    for last, stance, commitment in [
        ("Cornyn", "support", "Will cosponsor"),
        ("Cruz", "lean_support", "Will raise it in committee"),
        ("Scott", "undecided", None),
        ("Fletcher", "oppose", None),
        ("Castor", "support", None),
    ]:
        for subject in (Subject("issue", issue.id), Subject("bill", bill.id)):
            positions.append(
                add_position(
                    coordinator,
                    PositionInput(world.people[last], subject, stance, commitment),
                    now - timedelta(days=2),
                )
            )
    # A position older than the board's 90 days is shown as stale (greyed), which must stay legible.
    positions.append(
        add_position(
            coordinator,
            PositionInput(world.people["Cantwell"], Subject("issue", issue.id), "lean_support"),
            now - timedelta(days=200),
        )
    )
    positions.append(
        add_position(
            coordinator,
            PositionInput(world.people["Murray"], Subject("issue", issue.id), "support"),
            now - timedelta(days=200),
        )
    )
    db.session.commit()
    campaign = save_campaign(
        coordinator,
        None,
        CampaignData(
            name="Texas delegation", target_filter=DirectoryFilter(state="TX"), issue_id=issue.id
        ),
        now,
    )
    assignments = [
        AssignmentFactory(
            title=f"Call {last}",
            person=persons[last],
            assignee=assignee,
            created_by=coordinator,
            due_on=today + timedelta(days=days),
            campaign_id=campaign.id if last in ("Cornyn", "Cruz") else None,
        )
        for last, assignee, days in [
            ("Cornyn", coordinator, 1),
            ("Cruz", member, -3),
            ("Cantwell", member, 6),
            ("Murray", other, 2),
        ]
    ]
    template = FollowUpTemplate(label="Thank-you note", due_in_days=1)
    mail = DevMail(
        to_email=member.email,
        subject="Your assignments",
        text_body="\n".join(
            f"{n}. Call Senator Cornyn's office about Conrad 30" for n in range(80)
        ),
        html_body="<p>Call <a href='http://example.org/'>Cornyn</a></p>",
        headers={},
        created_at=now,
    )
    run = ImportRun(
        kind="congress",
        source="legislators-current.yaml",
        status="failed",
        created_at=now,
        finished_at=now,
        errors=[
            {"file": "legislators-current.yaml", "id": "C001098", "message": "Missing name"},
            {"file": "committees-current.yaml", "id": "SSFI", "message": "Unknown committee"},
        ],
    )
    notification = Notification(
        to_email=member.email,
        recipient_id=member.id,
        kind="test",
        subject_key="test",
        occurrence="1",
        status="failed",
        created_at=now,
        payload={"subject": "Hi", "text": "Hi"},
    )
    unknown = Notification(
        to_email=member.email,
        recipient_id=member.id,
        kind="test",
        subject_key="test",
        occurrence="2",
        status="unknown",
        created_at=now,
        payload={"subject": "Hello again", "text": "Hi"},
    )
    db.session.add_all([template, mail, run, notification, unknown])
    db.session.commit()
    organization = OrganizationFactory(name="Health Resources and Services Administration")
    day = AdvocacyDay(
        name="Hill day", day=today + timedelta(days=30), members=[coordinator, member]
    )
    day.targets.append(DayTarget(person_id=world.people["Cornyn"]))
    day.meetings.append(
        DayMeeting(
            person_id=world.people["Cornyn"],
            starts_at=now + timedelta(days=30),
            ends_at=now + timedelta(days=30, minutes=30),
            members=[coordinator, member],
            lead_id=coordinator.id,
        )
    )
    db.session.add(day)
    upload = IntakeUpload(
        kind="people",
        filename="people.csv",
        data=b"Name,State\nAda Lovelace,TX\n",
        mapping={"0": "full_name", "1": "state"},
        created_by_id=coordinator.id,
    )
    db.session.add(upload)
    # A tag on a senator and on the agency, a shared saved list, a staffer of the agency.
    from crm.models import SavedList, StaffRole, Tag, organization_tags, person_tags

    tag = Tag(name="Conrad 30 champion", name_key="conrad 30 champion")
    saved = SavedList(
        name="Texas senators", query="chamber=upper&state=TX", owner_id=coordinator.id
    )
    saved.shared = True
    staffer = PersonFactory(
        kind="official",
        first_name="Dana",
        last_name="Whitfield",
        level="federal",
        chamber=None,
        state=None,
        district=None,
        party=None,
    )
    db.session.add_all([tag, saved])
    db.session.flush()
    db.session.execute(person_tags.insert().values(person_id=world.people["Cornyn"], tag_id=tag.id))
    db.session.execute(
        organization_tags.insert().values(organization_id=organization.id, tag_id=tag.id)
    )
    role = StaffRole(
        staff_id=staffer.id, organization_id=organization.id, title="Branch chief", portfolio="J-1"
    )
    db.session.add(role)
    db.session.commit()
    from crm.inbound.services import ingest_message
    from tests.inbound.messages import gmail_forward

    # An email from an address no member has: it waits in the review queue.
    waiting = ingest_message(
        bytes(gmail_forward("Mia at home <mia.home@personal.example>", "cornyn@example.org")),
        now,
    )
    world.ids = {
        "tag_id": tag.id,
        "list_id": saved.id,
        "role_id": role.id,
        "person_id": world.people["Cornyn"],
        "interaction_id": interaction.id,
        "user_id": other.id,
        "mail_id": mail.id,
        "run_id": run.id,
        "token": "not-a-valid-token",
        "assignment_id": assignments[0].id,
        "campaign_id": campaign.id,
        "template_id": template.id,
        "issue_id": issue.id,
        "bill_id": bill.id,
        "position_id": positions[0].id,
        "notification_id": notification.id,
        "unknown_notification_id": unknown.id,
        "org_id": organization.id,
        "day_id": day.id,
        "meeting_id": day.meetings[0].id,
        "upload_id": upload.id,
        "item_id": waiting.inbound_id,
        "state": "TX",
        "fy": 2027,
        "calendar_token": member.calendar_token,
    }
    return world


@pytest.fixture(scope="module")
def world(app, served_app):
    """The seeded coalition for a read-only module; emptied when the module is done."""
    from crm.extensions import db
    from tests.conftest import empty_tables

    with app.app_context():
        world = seed_world()
        db.session.remove()
    yield world
    with app.app_context():
        empty_tables(db)


@pytest.fixture(scope="module")
def role_states(world, browser, served_app) -> dict[str, dict | None]:
    """A signed-in storage state per role, each made by submitting the real login form once."""
    states: dict[str, dict | None] = {"anonymous": None}
    for role, email in EMAILS.items():
        states[role] = sign_in_state(browser, served_app, email)
    return states


# Counts the page's own requests in flight (fetch and XMLHttpRequest, which htmx uses), so a test
# waits for exactly those to finish instead of for half a second of network silence.
COUNT_REQUESTS_JS = """(() => {
  let inFlight = 0;
  Object.defineProperty(window, "__requestsInFlight", { get: () => inFlight });
  const fetch = window.fetch;
  window.fetch = function (...args) {
    inFlight++;
    return fetch.apply(this, args).finally(() => inFlight--);
  };
  const send = XMLHttpRequest.prototype.send;
  XMLHttpRequest.prototype.send = function (...args) {
    inFlight++;
    this.addEventListener("loadend", () => inFlight--, { once: true });
    return send.apply(this, args);
  };
})();"""


@pytest.fixture(scope="module")
def role_context(browser, role_states):
    """role_context(role, width) -> a browser context, made once per module and reused."""
    made = {}

    def get(role: str, width: str = "desktop"):
        key = (role, width)
        if key not in made:
            made[key] = browser.new_context(
                storage_state=role_states[role],
                viewport=WIDTHS[width],
                # axe-core is injected as a script tag; only the test's contexts let it past the
                # page's CSP (the served app's own headers are unchanged).
                bypass_csp=True,
                has_touch=width == "phone",
                is_mobile=width == "phone",
                accept_downloads=True,
            )
            made[key].add_init_script(COUNT_REQUESTS_JS)
            LONG_LIVED_CONTEXTS.add(made[key])
        return made[key]

    yield get
    for context in made.values():
        LONG_LIVED_CONTEXTS.discard(context)
        context.close()
