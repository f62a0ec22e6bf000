"""The weekly digest: what it holds, when it goes, that it goes once and never empty."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from email import message_from_bytes
from email.policy import default as default_policy
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from crm.digests.services import Week, build_digest, digest_slot, dispatch_digests
from crm.email.delivery import build_message
from crm.models import DevMail, Issue, Notification, Position, interaction_issues
from tests.factories import InteractionFactory, OrganizationFactory, PersonFactory, UserFactory
from tests.helpers import statements_sent
from tests.jobs.conftest import at, make_assignment

MONDAY_7_NY = at("2026-03-09T11:00:00")  # Monday 07:00 in New York (EDT)


def add_week_of_work(db, user, *, now: datetime, issue: Issue | None = None, tag: str = ""):
    """One of everything a member digest shows, for `user`, in the week before `now`."""
    today = now.date()
    make_assignment(user, due_on=today + timedelta(days=3), title=f"Due this week{tag}")
    make_assignment(user, due_on=today - timedelta(days=2), title=f"Overdue item{tag}")
    lapsed = PersonFactory(
        last_name=f"Lapsed{tag}",
        holder_id=user.id,
        cadence_days=30,
        next_touch_due=today - timedelta(days=1),
    )
    met = PersonFactory(last_name=f"Met{tag}")
    interaction = InteractionFactory(
        logged_by=user,
        subject=f"Coffee with staff{tag}",
        occurred_at=now - timedelta(days=2),
        people=[met],
    )
    if issue is not None:
        db.session.execute(
            sa.insert(interaction_issues).values(interaction_id=interaction.id, issue_id=issue.id)
        )
        for stance, days in (("undecided", 20), ("lean_support", 1)):
            db.session.add(
                Position(
                    person_id=met.id,
                    issue_id=issue.id,
                    stance=stance,
                    recorded_at=now - timedelta(days=days),
                )
            )
        db.session.commit()
    return lapsed


@pytest.fixture
def issue(db):
    issue = Issue(name="Conrad 30 reauthorization", slug="conrad-30")
    db.session.add(issue)
    db.session.commit()
    return issue


def test_member_digest_holds_my_items_only(db, member, issue):
    other = UserFactory(email="bob@example.org", name="Bob Other")
    add_week_of_work(db, member, now=MONDAY_7_NY, issue=issue)
    add_week_of_work(db, other, now=MONDAY_7_NY, tag=" (Bob)")

    d = build_digest(member, MONDAY_7_NY)

    assert [a["title"] for a in d.due] == ["Due this week"]
    assert [a["title"] for a in d.overdue] == ["Overdue item"]
    assert [p["name"].split()[-1] for p in d.lapsed] == ["Lapsed"]
    assert [i["subject"] for i in d.logged] == ["Coffee with staff"]
    [change] = d.positions
    assert (change["subject"], change["previous"], change["stance"]) == (
        "Conrad 30 reauthorization",
        "Undecided",
        "Lean support",
    )
    assert d.team is None and not d.empty
    assert "Bob" not in str(d)


def test_my_contacts_name_the_organization_contacted(db, member):
    board = OrganizationFactory(name="Ohio State Medical Board")
    met = PersonFactory(first_name="Ada", last_name="Board")
    for people in ([], [met]):
        InteractionFactory(
            logged_by=member,
            people=people,
            organization=board,
            occurred_at=MONDAY_7_NY - timedelta(days=len(people) + 1),
        )
    d = build_digest(member, MONDAY_7_NY)
    assert [i["people"] for i in d.logged] == [
        "Ohio State Medical Board",
        "Ada Board, Ohio State Medical Board",
    ]


def test_coordinator_digest_adds_the_team(db, member, coordinator, issue):
    add_week_of_work(db, member, now=MONDAY_7_NY, issue=issue)
    PersonFactory(last_name="Untouched", tier="target")
    PersonFactory(last_name="Touched", tier="target", last_contacted_at=MONDAY_7_NY)

    d = build_digest(coordinator, MONDAY_7_NY)

    assert d.due == [] and d.logged == []  # the coordinator's own part is empty...
    assert d.team.contacts_by_member == [("Mia Member", 1)]  # ...the team's is not
    assert d.team.overdue_by_member == [("Mia Member", 1)]
    assert [p["name"].split()[-1] for p in d.team.untouched_targets] == ["Untouched"]
    assert d.team.untouched_total == 1
    assert d.team.movement_total == 1 and d.team.movement[0]["stance"] == "Lean support"
    assert not d.empty


def test_empty_week_sends_nothing(db, member, coordinator):
    make_assignment(member, due_on=MONDAY_7_NY.date() + timedelta(days=20))  # not this week
    make_assignment(member, due_on=MONDAY_7_NY.date(), status="done")
    assert build_digest(member, MONDAY_7_NY).empty
    assert build_digest(coordinator, MONDAY_7_NY).empty
    summary = dispatch_digests(MONDAY_7_NY)
    assert (summary.queued, summary.skipped) == (0, 2)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Notification)) == 0


def test_sent_once_per_iso_week_at_the_local_hour(db, member):
    make_assignment(member, due_on=date(2026, 3, 1))
    sent_at = []
    now = at("2026-03-08T00:00:00")
    while now < at("2026-03-24T00:00:00"):
        if dispatch_digests(now).queued:
            sent_at.append(now.astimezone(ZoneInfo("America/New_York")))
        now += timedelta(minutes=15)
    assert [t.strftime("%a %Y-%m-%d %H:%M") for t in sent_at] == [
        "Mon 2026-03-09 07:00",
        "Mon 2026-03-16 07:00",
        "Mon 2026-03-23 07:00",
    ]
    weeks = db.session.scalars(sa.select(Notification.occurrence).order_by(Notification.id))
    assert list(weeks) == ["2026-W11", "2026-W12", "2026-W13"]


def test_a_missed_hour_is_caught_up_within_the_window(db, app, member):
    make_assignment(member, due_on=date(2026, 3, 1))
    catch_up = app.config["DIGEST_CATCH_UP_HOURS"]
    assert dispatch_digests(MONDAY_7_NY - timedelta(minutes=1)).queued == 0
    # The worker was down at 07:00; it comes back two hours later.
    assert dispatch_digests(MONDAY_7_NY + timedelta(hours=2)).queued == 1
    assert dispatch_digests(MONDAY_7_NY + timedelta(hours=3)).queued == 0
    # Too late is too late: the week after, first run well past the window.
    next_week = MONDAY_7_NY + timedelta(days=7, hours=catch_up, minutes=1)
    assert dispatch_digests(next_week).queued == 0


@pytest.mark.parametrize(
    "zone, weeks",
    [
        ("America/Los_Angeles", ("2026-02-23", "2026-03-23")),  # DST starts March 8
        ("America/Los_Angeles", ("2026-10-19", "2026-11-16")),  # DST ends November 1
        ("Asia/Kolkata", ("2026-02-23", "2026-03-23")),  # +05:30, no DST
        ("Asia/Kolkata", ("2026-10-19", "2026-11-16")),
    ],
)
def test_digest_time_is_0700_local_before_and_after_dst_changes(zone, weeks):
    """Every quarter hour of four weeks: the first moment each week's digest is due is Monday
    07:00 on the user's own clock, whatever the UTC offset that week."""

    class U:
        timezone, digest_weekday, digest_hour = zone, 0, 7

    start, end = (datetime.fromisoformat(w).replace(tzinfo=ZoneInfo("UTC")) for w in weeks)
    first_due: dict[str, datetime] = {}
    now = start - timedelta(days=1)
    while now < end:
        slot = digest_slot(U, now, timedelta(hours=6))
        if slot and slot[0] not in first_due:
            first_due[slot[0]] = now
        now += timedelta(minutes=15)
    assert len(first_due) == 4
    local = [t.astimezone(ZoneInfo(zone)).strftime("%a %H:%M") for t in first_due.values()]
    assert local == ["Mon 07:00"] * 4


def test_la_and_kolkata_get_their_digest_at_0700_across_the_march_change(db):
    la = UserFactory(email="la@example.org", timezone="America/Los_Angeles")
    kolkata = UserFactory(email="in@example.org", timezone="Asia/Kolkata")
    for user in (la, kolkata):
        make_assignment(user, due_on=date(2026, 2, 1))
    now = at("2026-03-01T00:00:00")
    while now < at("2026-03-17T00:00:00"):
        dispatch_digests(now)
        now += timedelta(minutes=30)
    rows = db.session.execute(
        sa.select(Notification.to_email, Notification.occurrence, Notification.created_at).order_by(
            Notification.id
        )
    ).all()
    got = {
        (
            to,
            week,
            created.astimezone(
                ZoneInfo("America/Los_Angeles" if to == la.email else "Asia/Kolkata")
            ).strftime("%a %H:%M"),
        )
        for to, week, created in rows
    }
    assert got == {
        (to, week, "Mon 07:00")
        for to in (la.email, kolkata.email)
        for week in ("2026-W10", "2026-W11", "2026-W12")
    }


def test_building_a_digest_takes_a_constant_number_of_queries(db, member, coordinator, issue):
    """Per digest: at most 6 queries of its own whatever the data; the run's shared part (the
    week's position changes, the tracked bills' moves, the team's figures) is queried once for
    all digests."""

    def own_queries(user):
        shared = Week(MONDAY_7_NY)
        shared_queries = statements_sent(
            db.engine,
            lambda: (shared.changes(), shared.bill_moves(), shared.team(MONDAY_7_NY.date())),
        )
        db.session.refresh(user)
        return statements_sent(db.engine, lambda: build_digest(user, MONDAY_7_NY, shared=shared)), (
            shared_queries
        )

    add_week_of_work(db, member, now=MONDAY_7_NY, issue=issue)
    few, shared_few = own_queries(member)
    few_team, _ = own_queries(coordinator)
    for n in range(8):
        add_week_of_work(db, member, now=MONDAY_7_NY, issue=issue, tag=f" {n}")
    many, shared_many = own_queries(member)
    many_team, _ = own_queries(coordinator)
    for n in range(8):
        add_tracked_bill_moves(db, member, MONDAY_7_NY, tag=str(n))
    many, shared_many = own_queries(member)
    many_team, _ = own_queries(coordinator)
    assert few == many == 6  # the 6th loads the people of the contacts they logged...
    assert few_team == many_team == 5  # ...so 5 for the coordinator, who logged none
    assert shared_few == shared_many == 5


def test_digest_email_parts_links_and_headers(db, app, member, issue):
    add_week_of_work(db, member, now=MONDAY_7_NY, issue=issue)
    make_assignment(member, due_on=MONDAY_7_NY.date(), title="<script>alert(1)</script> & co")
    dispatch_digests(MONDAY_7_NY)

    [mail] = db.session.scalars(sa.select(DevMail)).all()
    assert mail.subject == "Your week, week of Mar 9: 1 overdue, 2 due this week, 1 contact logged"
    assert "<style" not in mail.html_body and 'style="' in mail.html_body  # CSS inlined
    assert "<script>alert" not in mail.html_body and "&lt;script&gt;" in mail.html_body
    assert "<script>alert(1)</script> & co" in mail.text_body  # plain text stays plain
    base = app.config["BASE_URL"]
    assert f'href="{base}/links/done/' in mail.html_body
    assert f"{base}/links/snooze/" in mail.text_body
    assert f"{base}/digest/preview" in mail.text_body
    assert mail.headers["List-Unsubscribe"].startswith(f"<{base}/unsubscribe/")
    assert mail.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_header_values_cannot_inject_headers(db, member):
    from crm.email import queue_email

    row = queue_email(
        to_email="victim@example.org\r\nBcc: attacker@example.test",
        kind="test",
        subject_key="test",
        occurrence="1",
        template="test",
        subject="Hello\r\nBcc: attacker@example.test\u2028X-Evil: 1",
        context={"message": "hi", "sent_at": "now"},
        headers={"List-Unsubscribe": "<http://x>\r\nBcc: attacker@example.test"},
    )
    db.session.commit()
    raw = build_message(row).as_bytes()
    parsed = message_from_bytes(raw, policy=default_policy)
    names = {k.lower() for k in parsed.keys()}
    assert "bcc" not in names and "x-evil" not in names
    assert parsed["Subject"] == "Hello Bcc: attacker@example.test X-Evil: 1"


def test_preview_page_renders_my_digest(client, db, as_member, issue):
    add_week_of_work(db, as_member, now=datetime.now(ZoneInfo("UTC")), issue=issue)
    page = client.get("/digest/preview")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Due this week" in html and "Coffee with staff" in html and "Mark done" in html
    assert "style=" not in html.split('<article class="digest')[1]  # no inline styles (CSP)
    text = client.get("/digest/preview?format=text").get_data(as_text=True)
    assert "DUE THIS WEEK (1)" in text


def test_preview_of_an_empty_week_says_nothing_would_be_sent(client, as_member):
    html = client.get("/digest/preview").get_data(as_text=True)
    assert "Nothing this week" in html and "No email would be sent" in html


# ---- what moved on tracked bills, and Conrad 30 windows ----


def add_tracked_bill_moves(db, holder, now: datetime, tag: str = ""):
    """A tracked bill on which, this week, an office `holder` holds cosponsored and an action
    was recorded; an untracked bill with a change; and a change of last month."""
    from crm.models import BillChange
    from tests.factories import BillFactory

    office = PersonFactory(last_name=f"Cosponsor{tag}", holder_id=holder.id, bioguide_id=f"Q{tag}1")
    tracked = BillFactory(number=f"H.R. {1585 + (int(tag) + 1 if tag else 0)}", tracked=True)
    untracked = BillFactory(tracked=False)
    recorded = now - timedelta(days=1)
    db.session.add_all(
        [
            BillChange(
                bill_id=tracked.id,
                kind="cosponsor",
                happened_on=recorded.date() - timedelta(days=2),
                detail=f"Rep. {office.full_name}",
                bioguide_id=office.bioguide_id,
                recorded_at=recorded,
            ),
            BillChange(
                bill_id=tracked.id,
                kind="action",
                happened_on=recorded.date(),
                detail=f"Referred to the Subcommittee on Immigration{tag}.",
                recorded_at=recorded,
            ),
            BillChange(
                bill_id=untracked.id,
                kind="action",
                happened_on=recorded.date(),
                detail="Untracked action",
                recorded_at=recorded,
            ),
            BillChange(
                bill_id=tracked.id,
                kind="action",
                happened_on=date(2026, 1, 5),
                detail="Last month's action",
                recorded_at=now - timedelta(days=30),
            ),
        ]
    )
    db.session.commit()
    return tracked, office


def test_what_moved_on_tracked_bills_and_my_cosponsoring_office(db, member, coordinator):
    bill, office = add_tracked_bill_moves(db, member, MONDAY_7_NY)
    mine = build_digest(member, MONDAY_7_NY)
    assert not mine.empty  # what moved alone is worth a digest
    assert [(m.kind, m.detail) for m in mine.bill_moves] == [
        ("action", "Referred to the Subcommittee on Immigration."),
        ("cosponsor", f"Rep. {office.full_name}"),
    ]
    assert [m.person_id for m in mine.my_cosponsors] == [office.id]
    theirs = build_digest(coordinator, MONDAY_7_NY)
    assert len(theirs.bill_moves) == 2 and theirs.my_cosponsors == []

    dispatch_digests(MONDAY_7_NY)
    mails = {m.to_email: m for m in db.session.scalars(sa.select(DevMail))}
    text = mails[member.email].text_body
    assert "YOUR OFFICES COSPONSORED (1)" in text
    assert f"- {office.full_name} cosponsored {bill.number} on Mar 6: " in text
    assert f"http://crm.test/bills/{bill.id}" in text
    assert "WHAT MOVED ON TRACKED BILLS (2)" in text and "Untracked action" not in text
    assert "Last month's action" not in text
    html = mails[member.email].html_body
    assert "Your offices cosponsored" in html and f'href="http://crm.test/bills/{bill.id}"' in html
    assert "YOUR OFFICES COSPONSORED" not in mails[coordinator.email].text_body
    assert "WHAT MOVED ON TRACKED BILLS (2)" in mails[coordinator.email].text_body


def test_conrad_30_windows_opening_within_30_days_reach_the_covering_member(db, member):
    from crm.models import Conrad30Year

    other = UserFactory(email="bob@example.org", name="Bob Other")
    today = MONDAY_7_NY.date()
    db.session.add_all(
        [
            Conrad30Year(
                state="TX",
                fiscal_year=2026,
                window_opens=today + timedelta(days=12),
                window_closes=today + timedelta(days=40),
                covering_member_id=member.id,
            ),
            Conrad30Year(
                state="OH",
                fiscal_year=2026,
                window_opens=today + timedelta(days=45),  # too far off
                covering_member_id=member.id,
            ),
            Conrad30Year(
                state="NY",
                fiscal_year=2026,
                window_opens=today + timedelta(days=3),
                covering_member_id=other.id,
            ),
        ]
    )
    db.session.commit()
    digest = build_digest(member, MONDAY_7_NY)
    assert [(w["state"], w["days"]) for w in digest.windows] == [("Texas", 12)]
    dispatch_digests(MONDAY_7_NY)
    mails = {m.to_email: m for m in db.session.scalars(sa.select(DevMail))}
    text = mails[member.email].text_body
    assert "CONRAD 30 WINDOWS OPENING IN YOUR STATES (1)" in text
    assert "- Texas, FY2026: opens Mar 21 (in 12 days), closes Apr 18" in text
    assert "Ohio" not in text and "New York" not in text
    assert "opens Mar 12 (in 3 days)" in mails[other.email].text_body
