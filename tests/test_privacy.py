"""P1: a private contact and everything derived from it reach only its audience.

One private contact is logged with every field filled with marker strings (subject, notes,
outcome, positions with commitments on an issue and on a bill, a follow-up, members present,
issues, bills). A member outside its audience then reads every GET route of the app's own url_map
(so a new route is covered without anyone listing it), with the ids of the seeded records, the
CSV exports with and without filters, the JSON endpoints, the calendar feed through their token,
the digest preview, and every email the app sends them: no marker shows anywhere, and the whip
board and the directory's position filter count the private positions as if they did not exist.
Its audience (author, a member present, a coordinator, an admin) reads the same and finds every
marker.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from crm import create_app
from crm.api.tokens import create_token as create_api_token
from crm.assignments.followups import FollowUpRequest
from crm.assignments.services import AssignmentData, create_assignment
from crm.clock import utcnow
from crm.digests.services import Week, build_digest, dispatch_digests
from crm.extensions import db as _db
from crm.interactions.services import InteractionData, log_interaction
from crm.links.services import make_token
from crm.models import (
    AdvocacyDay,
    Assignment,
    Campaign,
    DayMeeting,
    DayTarget,
    DevMail,
    Person,
    Position,
)
from crm.people.filters import DirectoryFilter
from crm.policy.positions import PositionInput, Subject, current_positions, record_position
from crm.policy.whip import WhipOptions, whip_board
from crm.reminders.services import dispatch_due_reminders
from tests.conftest import AuthActions
from tests.factories import (
    BillFactory,
    IssueFactory,
    OrganizationFactory,
    PersonFactory,
    UserFactory,
)

MARKERS = {
    "subject": "Zq1subjectmarker",
    "notes": "Zq2notesmarker",
    "outcome": "Zq3outcomemarker",
    "issue commitment": "Zq4issuecommitmarker",
    "bill commitment": "Zq5billcommitmarker",
    "follow-up": "Zq6followupmarker",
    # A second private contact, logged against the senator's office itself with nobody named:
    # it reaches the organization's page through interactions.organization_id alone.
    "organization contact": "Zq7orgcontactmarker",
}

_app = create_app("testing")
GET_RULES = sorted(
    (rule.endpoint, rule.rule)
    for rule in _app.url_map.iter_rules()
    if "GET" in rule.methods and rule.endpoint != "static"
)

# Query strings read besides the bare URL: the filters and variants that reach other code.
VARIANTS = {
    "people.index": [
        "?position_issue={issue_id}&position_stance=support",
        "?position_issue={issue_id}&position_stance=unknown&position_stance=undecided",
        "?q={person_last}",
        "?sort=last_contact",
    ],
    "people.export": [
        "?position_issue={issue_id}&position_stance=support",
        "?position_issue={issue_id}&position_stance=undecided",
    ],
    "people.search": ["?q={person_last}"],
    # The private contact's subject and notes words, typed (lower case: the page repeats the
    # query, which is no leak), and the contacted person's name.
    "search.results": [
        "?q=zq1subjectmarker",
        "?q=zq2notesmarker",
        "?q=zq7orgcontactmarker",
        "?q={person_last}",
    ],
    "search.suggest": [
        "?q=zq1subjectmarker",
        "?q=zq2notesmarker",
        "?q=zq7orgcontactmarker",
        "?q={person_last}",
    ],
    "tags.index": [""],
    "interactions.quick_log": ["?person={person_id}"],
    "interactions.last_contact": ["?people={person_id}"],
    "policy.issue_whip": ["?sort=position", "?level=federal&chamber=upper&state=TX"],
    "policy.bill_whip": ["?sort=recorded"],
    "policy.issue_whip_csv": ["?level=federal&chamber=upper&state=TX"],
    "policy.bill_whip_csv": ["?sort=position"],
    "digests.preview": ["?format=text"],
    "reports.index": ["?days=30&weeks=4"],
    "reports.activity_csv": ["?table=kinds"],
    "assignments.team": ["?status=all", "?assignee={author_id}"],
    "work.touch": ["?holder={author_id}"],
    "assignments.create": ["?person={person_id}"],
    "briefs.show": ["?issue={issue_id}", "?bill={bill_id}"],
    "briefs.pdf": ["?issue={issue_id}"],
    "events.mine": ["?member={outsider_id}"],
    "lobbying.index": ["?member={author_id}", "?level=state"],
    "lobbying.export_csv": ["?member={author_id}"],
}
TABLES = {
    "policy.issue_whip_csv": ["targets", "counts", "weekly", "commitments"],
    "policy.bill_whip_csv": ["targets", "counts", "weekly", "commitments"],
    "reports.not_contacted_csv": ["people", "state", "chamber", "committee"],
}


@dataclass
class Seed:
    author: object
    present: object
    outsider: object
    coordinator: object
    admin: object
    person: Person
    issue_id: int
    bill_id: int
    interaction_id: int
    follow_up_id: int
    outsider_work_id: int
    lapse_id: int
    campaign_id: int
    day_id: int
    meeting_id: int
    now: datetime
    inbound_id: int = 0
    org_contact_id: int = 0

    def ids(self, user) -> dict:
        return {
            "person_id": self.person.id,
            "person_last": self.person.last_name,
            "issue_id": self.issue_id,
            "bill_id": self.bill_id,
            "interaction_id": self.interaction_id,
            "assignment_id": self.follow_up_id,
            "author_id": self.author.id,
            "outsider_id": self.outsider.id,
            "org_id": self.person.organization_id,
            "campaign_id": self.campaign_id,
            "day_id": self.day_id,
            "meeting_id": self.meeting_id,
            "state": "TX",
            "fy": 2026,
            "run_id": 1,
            "mail_id": 1,
            "upload_id": 1,
            "item_id": self.inbound_id,
            "list_id": 1,
            "role_id": 1,
            "tag_id": 1,
            "token": user.calendar_token,
            "committee_id": 1,
        }


def digest_now_for(users, now: datetime) -> None:
    """Make each user's digest due at `now` (their local weekday and hour)."""
    for user in users:
        local = now.astimezone(ZoneInfo(user.timezone))
        user.digest_weekday, user.digest_hour = local.weekday(), local.hour


@pytest.fixture
def seed(db) -> Seed:
    now = utcnow()
    author = UserFactory(name="Avery Author")
    present = UserFactory(name="Priya Present")
    outsider = UserFactory(name="Oscar Outsider")
    coordinator = UserFactory(name="Cleo Coordinator", role="coordinator")
    admin = UserFactory(name="Ada Admin", role="admin")
    office = OrganizationFactory(name="Office of Senator Senatorson", kind="legislative_office")
    person = PersonFactory(
        first_name="Sam", last_name="Senatorson", cadence_days=30, organization_id=office.id
    )
    person.holder_id = outsider.id
    issue = IssueFactory(name="Conrad 30 reauthorization")
    bill = BillFactory(jurisdiction="US", chamber="upper")
    issue.bills.append(bill)
    db.session.commit()
    # A public position first: for the outsider it stays the current one.
    record_position(
        coordinator,
        PositionInput(person.id, Subject("issue", issue.id), "undecided"),
        now - timedelta(days=3),
    )
    # The outsider's own public contact on the issue (so their digest follows it).
    log_interaction(
        outsider,
        InteractionData(people=[person.id], occurred_at=now - timedelta(days=2), issues=[issue.id]),
        now,
    )
    # The outsider's keep-in-touch follow-up, which the private contact will answer.
    lapse = Assignment(
        title="Keep in touch with Sam",
        assignee_id=outsider.id,
        person_id=person.id,
        source="cadence",
        due_on=now.date() - timedelta(days=1),
        status="open",
    )
    db.session.add(lapse)
    db.session.commit()
    private = log_interaction(
        author,
        InteractionData(
            people=[person.id],
            occurred_at=now - timedelta(days=1),
            kind="meeting",
            subject=MARKERS["subject"],
            notes=MARKERS["notes"],
            outcome=MARKERS["outcome"],
            private=True,
            members=[present.id],
            issues=[issue.id],
            bills=[bill.id],
            positions=[
                PositionInput(
                    person.id, Subject("issue", issue.id), "support", MARKERS["issue commitment"]
                ),
                PositionInput(
                    person.id, Subject("bill", bill.id), "oppose", MARKERS["bill commitment"]
                ),
            ],
            follow_ups=[FollowUpRequest(label=MARKERS["follow-up"], due_in_days=1)],
        ),
        now,
    )
    follow_up = db.session.scalar(
        sa.select(Assignment).where(Assignment.title == MARKERS["follow-up"])
    )
    org_contact = log_interaction(
        author,
        InteractionData(
            people=[],
            organization_id=office.id,
            occurred_at=now - timedelta(hours=20),
            kind="call",
            subject=MARKERS["organization contact"],
            notes=MARKERS["organization contact"],
            private=True,
            members=[present.id],
        ),
        now,
    )
    # Work of the outsider's own on the same person: notices, reminders, calendar, digest.
    mine = create_assignment(
        coordinator,
        AssignmentData(
            title="Call the scheduler",
            assignee_id=outsider.id,
            person_id=person.id,
            issue_id=issue.id,
            due_on=now.date() + timedelta(days=1),
        ),
        now,
        acknowledge_collisions=True,
    )
    create_assignment(
        coordinator,
        AssignmentData(
            title="Long overdue visit",
            assignee_id=outsider.id,
            person_id=person.id,
            due_on=now.date() - timedelta(days=9),
        ),
        now,
        acknowledge_collisions=True,
    )
    # A campaign whose targets are chosen by the position on the issue (coordinators' pages).
    campaign = Campaign(
        name="Conrad supporters in Texas",
        issue_id=issue.id,
        target_filter={"state": "TX", "position_issue": issue.id, "position_stance": ["support"]},
        created_by_id=coordinator.id,
    )
    # An advocacy day with a meeting at the office, the private contact as its debrief.
    day = AdvocacyDay(name="Hill day", day=now.date(), issue_id=issue.id)
    db.session.add(day)
    db.session.flush()
    db.session.add(DayTarget(day_id=day.id, person_id=person.id))
    meeting = DayMeeting(
        day_id=day.id,
        person_id=person.id,
        starts_at=now - timedelta(days=1),
        ends_at=now - timedelta(days=1) + timedelta(minutes=30),
        lead_id=author.id,
        interaction_id=private.id,
    )
    meeting.members = [author, present, outsider]
    db.session.add_all([campaign, meeting])
    db.session.commit()
    # An email waiting for review (from an address no member has) names the person: only
    # coordinators and admins see the queue and what it holds.
    from crm.inbound.services import ingest_message
    from tests.inbound.messages import message

    person.email = "senatorson@senate.example"
    db.session.commit()
    waiting = ingest_message(
        bytes(
            message(
                sender="stranger@elsewhere.example",
                to=person.email,
                subject="Review queue subject",
                text=REVIEW_MARKER,
            )
        ),
        now,
    )
    return Seed(
        author,
        present,
        outsider,
        coordinator,
        admin,
        person,
        issue.id,
        bill.id,
        private.id,
        follow_up.id,
        mine.id,
        lapse.id,
        campaign.id,
        day.id,
        meeting.id,
        now,
        waiting.inbound_id,
        org_contact.id,
    )


def urls_for(seed: Seed, user) -> list[str]:
    ids = seed.ids(user)
    urls = []
    for endpoint, rule in GET_RULES:
        for table in TABLES.get(endpoint, [None]):
            url = rule
            for name, value in {**ids, "table": table}.items():
                url = re.sub(rf"<(?:\w+:)?{name}>", str(value), url)
            if endpoint.startswith("links."):
                purpose = endpoint.split(".")[1]
                data = (
                    {"u": user.id, "l": "digest"}
                    if purpose == "unsubscribe"
                    else {"a": seed.follow_up_id, "u": user.id}
                )
                url = rule.replace("<token>", make_token(purpose, **data))
            assert "<" not in url, f"no sample value for {rule}"
            urls.append(url)
            urls += [url + v.format(**ids) for v in VARIANTS.get(endpoint, [])]
    return urls


def read_everything(app, seed: Seed, user) -> dict[str, str]:
    """Every GET page, CSV, JSON and feed the user can reach, then every email they got."""
    client = app.test_client()
    AuthActions(client).login(user.email)
    api = api_headers(user)  # the API reads with the user's token (sessions do not sign in there)
    seen = {}
    for url in urls_for(seed, user):
        response = client.get(url, headers=api if url.startswith("/api/") else {})
        assert response.status_code < 500, (url, response.status_code)
        seen[url] = as_text(response.data, response.mimetype)
    for mail in _db.session.scalars(sa.select(DevMail).where(DevMail.to_email == user.email)):
        seen[f"mail {mail.id}: {mail.subject}"] = (
            f"{mail.subject}\n{mail.text_body}\n{mail.html_body}"
        )
    return seen


def api_headers(user) -> dict:
    _, secret = create_api_token(user, "privacy", ["read"], 7, utcnow())
    return {"Authorization": f"Bearer {secret}"}


API_LISTS = sorted(
    rule for endpoint, rule in GET_RULES if endpoint.startswith("api.") and "<" not in rule
)


def test_an_outsiders_token_reads_every_api_list_and_finds_no_trace(app, db, seed):
    """Every list of the API, walked to its end, and the private records by id, as the
    outsider's token: none of the markers; the same lists as a coordinator's token show them
    (the read is not vacuous)."""

    def read_all(user) -> dict[str, str]:
        client, headers, seen = app.test_client(), api_headers(user), {}
        for rule in API_LISTS:
            url, pages = rule + "?limit=200", 0
            while url and pages < 50:
                response = client.get(url, headers=headers)
                assert response.status_code == 200, (url, response.get_json())
                seen[url] = response.get_data(as_text=True)
                cursor = response.get_json()["next_cursor"]
                url = f"{rule}?limit=200&cursor={cursor}" if cursor else None
                pages += 1
        for url in (
            f"/api/v1/interactions/{seed.interaction_id}",
            f"/api/v1/assignments/{seed.follow_up_id}",
            f"/api/v1/interactions?person_id={seed.person.id}",
            f"/api/v1/interactions/{seed.org_contact_id}",
            f"/api/v1/interactions?organization_id={seed.person.organization_id}",
            f"/api/v1/positions?person_id={seed.person.id}",
            f"/api/v1/people?position_issue={seed.issue_id}&position_stance=support",
        ):
            response = client.get(url, headers=headers)
            seen[url] = f"{response.status_code} {response.get_data(as_text=True)}"
        return seen

    assert len(API_LISTS) >= 10
    outsider = read_all(seed.outsider)
    assert leaks(outsider) == []
    assert outsider[f"/api/v1/interactions/{seed.interaction_id}"].startswith("404")
    assert outsider[f"/api/v1/interactions/{seed.org_contact_id}"].startswith("404")
    assert outsider[f"/api/v1/assignments/{seed.follow_up_id}"].startswith("404")
    support = outsider[f"/api/v1/people?position_issue={seed.issue_id}&position_stance=support"]
    assert seed.person.last_name not in support
    found = {name for _, name in leaks(read_all(seed.coordinator))}
    assert found == set(MARKERS), found


def as_text(body: bytes, mimetype: str) -> str:
    """What a reader of the download sees: PDFs and spreadsheets as their text."""
    if mimetype == "application/pdf":
        import subprocess

        done = subprocess.run(
            ["pdftotext", "-", "-"], input=body, capture_output=True, timeout=60, check=True
        )
        return done.stdout.decode("utf-8", "replace")
    if "spreadsheetml" in mimetype:
        import io

        import openpyxl

        book = openpyxl.load_workbook(io.BytesIO(body), read_only=True)
        return "\n".join(
            " ".join(str(c) for c in row if c is not None)
            for sheet in book.worksheets
            for row in sheet.iter_rows(values_only=True)
        )
    return body.decode("utf-8", "replace")


def send_every_email(seed: Seed) -> None:
    """Digests for everyone (their hour is now), reminders in sending hours, and the assignment
    notices the seed already queued."""
    users = [seed.author, seed.present, seed.outsider, seed.coordinator, seed.admin]
    digest_now_for(users, seed.now)
    _db.session.commit()
    dispatch_digests(seed.now)
    local = seed.now.astimezone(ZoneInfo(seed.outsider.timezone))
    noon = local.replace(hour=12, minute=0).astimezone(ZoneInfo("UTC"))
    dispatch_due_reminders(noon)


REVIEW_MARKER = "Waiting-email-text-7Q4"


def leaks(seen: dict[str, str]) -> list[tuple[str, str]]:
    return [
        (where, name) for where, text in seen.items() for name, m in MARKERS.items() if m in text
    ]


def test_a_member_outside_the_audience_sees_no_trace_of_a_private_contact(app, db, seed):
    send_every_email(seed)
    kinds = set(
        db.session.scalars(
            sa.select(DevMail.subject).where(DevMail.to_email == seed.outsider.email)
        )
    )
    # The outsider did get mail of every kind that applies to them (the read is not vacuous).
    assert any(k.startswith("Your week") for k in kinds), kinds
    assert any(k.startswith("Reminder") for k in kinds), kinds
    assert any(k.startswith("New assignment") for k in kinds), kinds
    seen = read_everything(app, seed, seed.outsider)
    assert len(seen) > len(GET_RULES)
    assert leaks(seen) == []
    assert not [where for where, text in seen.items() if REVIEW_MARKER in text]
    # Counts and filters are computed as if the private positions did not exist.
    issue = seed.issue_id
    name = seed.person.last_name
    assert name not in seen[f"/people/export.csv?position_issue={issue}&position_stance=support"]
    assert name in seen[f"/people/export.csv?position_issue={issue}&position_stance=undecided"]
    assert name not in seen[f"/people/?position_issue={issue}&position_stance=support"]
    counts = seen[f"/issues/{issue}/whip/counts.csv"].splitlines()
    assert any(line.startswith("Support,0,") for line in counts), counts
    assert any(line.startswith("Undecided,1,") for line in counts), counts
    bill_counts = seen[f"/bills/{seed.bill_id}/whip/counts.csv"].splitlines()
    assert any(line.startswith("Oppose,0,") for line in bill_counts), bill_counts
    # The private contact and its follow-up are not there at all for the outsider.
    client = app.test_client()
    AuthActions(client).login(seed.outsider.email)
    assert client.get(f"/interactions/{seed.interaction_id}").status_code == 404
    assert client.get(f"/interactions/{seed.org_contact_id}").status_code == 404
    assert client.get(f"/assignments/{seed.follow_up_id}").status_code == 404
    # Its author is not named as the person's last contact (only the date moved).
    page = client.get(f"/people/{seed.person.id}").get_data(as_text=True)
    assert seed.author.name not in page
    hint = client.get(f"/log/last-contact?people={seed.person.id}").get_data(as_text=True)
    assert "<strong>never</strong>" not in hint  # the date moved
    assert seed.author.name not in hint
    # The keep-in-touch work it settled says done, not by whom nor with which contact.
    settled = client.get(f"/assignments/{seed.lapse_id}/history").get_data(as_text=True)
    assert "The CRM" in settled or "the CRM" in settled
    assert seed.author.name not in settled
    assert f"/interactions/{seed.interaction_id}" not in settled
    directory = client.get("/people/").get_data(as_text=True)
    assert f"by {seed.author.name}" not in directory  # (the holder filter lists every member)


@pytest.mark.parametrize("q", ["zq1subjectmarker", "zq2notesmarker"])
def test_search_shows_an_outsider_no_trace_of_a_private_contact_not_even_a_count(app, seed, q):
    """Its subject and notes words find nothing for an outsider (no result, no count, no
    group), and find it for its audience."""

    def read(user):
        client = app.test_client()
        AuthActions(client).login(user.email)
        page = client.get(f"/search?q={q}").get_data(as_text=True)
        return page, client.get(f"/search/suggest?q={q}").get_json()["groups"]

    page, groups = read(seed.outsider)
    assert "Nothing found" in page and "Contacts" not in page
    assert groups == []
    for who in (seed.author, seed.present, seed.coordinator):
        page, groups = read(who)
        assert f"/interactions/{seed.interaction_id}" in page
        assert [(g["label"], g["count"]) for g in groups] == [("Contacts", "1")]


@pytest.mark.parametrize("who", ["author", "present", "coordinator", "admin"])
def test_its_audience_sees_all_of_it(app, db, seed, who):
    send_every_email(seed)
    seen = read_everything(app, seed, getattr(seed, who))
    found = {name for _, name in leaks(seen)}
    assert found == set(MARKERS), set(MARKERS) - found
    review = [where for where, text in seen.items() if REVIEW_MARKER in text]
    assert bool(review) == getattr(seed, who).is_coordinator, review


def test_whip_board_and_position_filter_count_a_private_position_only_for_its_audience(db, seed):
    issue, bill = Subject("issue", seed.issue_id), Subject("bill", seed.bill_id)
    opts = WhipOptions(level="federal", chamber="upper", state="TX")
    outside = whip_board(issue, opts, seed.now, seed.outsider)
    inside = whip_board(issue, opts, seed.now, seed.present)
    assert (outside.counts["undecided"], outside.counts["support"]) == (1, 0)
    assert (inside.counts["undecided"], inside.counts["support"]) == (0, 1)
    assert outside.commitments == [] and len(inside.commitments) == 1
    assert whip_board(bill, opts, seed.now, seed.outsider).counts["unknown"] == 1
    assert whip_board(bill, opts, seed.now, seed.author).counts["oppose"] == 1
    # Weekly movement replays only what the viewer may see.
    assert outside.weekly[-1][1]["support"] == 0

    def matches(stance, viewer):
        flt = DirectoryFilter(position_issue=seed.issue_id, position_stance=(stance,))
        stmt = flt.apply(sa.select(Person.id), seed.now, viewer=viewer)
        return list(db.session.scalars(stmt)) == [seed.person.id]

    assert not matches("support", seed.outsider) and matches("undecided", seed.outsider)
    assert matches("support", seed.author) and not matches("undecided", seed.coordinator)
    # One definition of "current": the latest position the viewer may see.
    current = current_positions(issue, viewer=seed.outsider)
    assert db.session.execute(sa.select(current.c.stance)).scalars().all() == ["undecided"]


def test_digest_position_changes_are_built_per_recipient(db, seed):
    week = Week(seed.now)
    for_outsider = {c["stance"] for c in week.changes(seed.outsider)}
    assert for_outsider == {"Undecided"}
    assert {c["stance"] for c in week.changes(seed.present)} >= {"Support", "Oppose"}
    assert {c["stance"] for c in week.changes(seed.coordinator)} >= {"Support", "Oppose"}
    digest = build_digest(seed.outsider, seed.now, shared=week)
    assert digest.team is None  # the coordinator's part is not theirs
    assert MARKERS["issue commitment"] not in repr(digest)
    team = build_digest(seed.coordinator, seed.now, shared=week).team
    assert MARKERS["issue commitment"] in repr(team.movement)
    assert [p["stance"] for p in digest.positions] == ["Undecided"]


def test_a_private_contact_moves_last_contacted_without_its_author(db, seed):
    db.session.refresh(seed.person)
    assert seed.person.last_contacted_at == seed.now - timedelta(days=1)
    assert seed.person.last_contacted_by_id is None


def test_positions_from_a_private_contact_keep_their_link_to_it(db, seed):
    rows = db.session.scalars(
        sa.select(Position).where(Position.interaction_id == seed.interaction_id)
    ).all()
    assert {p.commitment for p in rows} == {
        MARKERS["issue commitment"],
        MARKERS["bill commitment"],
    }


def test_every_get_route_is_read(seed):
    """The sweep covers the url_map: a new GET route is read without being listed."""
    urls = urls_for(seed, seed.outsider)
    for _endpoint, rule in GET_RULES:
        prefix = re.split(r"<", rule)[0]
        assert any(u.startswith(prefix) for u in urls), rule


class ServedReader:
    """A signed-in HTTP client of the served app (cookies kept, redirects followed)."""

    def __init__(self, served_app, email: str):
        import http.cookiejar
        import urllib.request

        from tests.factories import PASSWORD

        self.served = served_app
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )
        page = self.get("/login")[1]
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
        token = token or re.search(r'name="csrf-token" content="([^"]+)"', page)
        assert token, "no CSRF token on the sign-in page"
        form = urllib.parse.urlencode(
            {"email": email, "password": PASSWORD, "csrf_token": token.group(1)}
        ).encode()
        with self.opener.open(served_app.url("/login"), data=form, timeout=30) as response:
            assert "/login" not in response.url, "sign-in failed"

    def get(self, path: str) -> tuple[int, str]:
        import urllib.error

        try:
            with self.opener.open(self.served.url(path), timeout=60) as response:
                return response.status, response.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode("utf-8", "replace")


@pytest.mark.browser  # the served layer (gunicorn); no browser is needed for this read
def test_served_app_shows_an_outsider_no_trace_of_a_private_contact(db, seed, served_app):
    """The same outsider read, on the app served by gunicorn in production configuration."""
    reader = ServedReader(served_app, seed.outsider.email)
    seen, errors = {}, []
    for url in urls_for(seed, seed.outsider):
        status, body = reader.get(url)
        if status >= 500:
            errors.append((url, status))
        seen[url] = body
    assert errors == [], served_app.log()
    assert leaks(seen) == []
    issue = seed.issue_id
    assert (
        seed.person.last_name
        not in seen[f"/people/export.csv?position_issue={issue}&position_stance=support"]
    )
    assert (
        seed.person.last_name
        in seen[f"/people/export.csv?position_issue={issue}&position_stance=undecided"]
    )
    # The read is not vacuous: the outsider's own pages are there, with the person.
    assert seed.person.last_name in seen[f"/people/{seed.person.id}"]


def test_public_record_meetings_and_conversion_count_a_private_meeting_only_for_its_audience(
    db, seed
):
    """The seed's private meeting was on the bill; the office then cosponsored it. For the
    outsider the meeting does not exist: not met, no conversion, nothing of it in the CSV."""
    from datetime import timedelta

    from crm.models import BillSponsor
    from crm.policy.whip import conversion_csv_rows, whip_csv_rows

    seed.person.bioguide_id = "Z000001"
    db.session.add(
        BillSponsor(
            bill_id=seed.bill_id,
            role="cosponsor",
            bioguide_id="Z000001",
            full_name="Sen. Senatorson, Sam [R-TX]",
            sponsored_on=(seed.now + timedelta(days=3)).date(),
        )
    )
    db.session.commit()
    bill = Subject("bill", seed.bill_id)
    opts = WhipOptions(level="federal", chamber="upper", state="TX")
    outside = whip_board(bill, opts, seed.now, seed.outsider)
    [row] = [r for r in outside.rows if r.person.id == seed.person.id]
    assert row.record.current and row.meetings == []
    assert outside.conversion.met == 0 and outside.converted_rows == []
    assert MARKERS["subject"] not in str(list(conversion_csv_rows(outside)))
    assert [r.person.id for r in outside.rows if r.matches("cosponsor_not_met")] == [seed.person.id]
    assert row.stance == "unknown"  # the private "oppose" stays hidden; the record shows apart
    for viewer in (seed.author, seed.present, seed.coordinator):
        inside = whip_board(bill, opts, seed.now, viewer)
        assert inside.conversion.met == 1 and inside.conversion.within[30] == 1
        assert MARKERS["subject"] in str(list(conversion_csv_rows(inside)))
        [csv_row] = [r for r in whip_csv_rows(inside) if r[0] == seed.person.full_name]
        assert csv_row[-1] == 1  # meetings on the bill
    [csv_row] = [r for r in whip_csv_rows(outside) if r[0] == seed.person.full_name]
    assert (csv_row[-4], csv_row[-1]) == ("cosponsor", 0)
