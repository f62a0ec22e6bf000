"""The whip board: targets, current positions, counts, staleness, movement week by week,
filters, CSV, valid SVG, and a constant number of SQL statements."""

import csv
import io
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from crm.charts import STANCE_FILLS
from crm.clock import utcnow
from crm.interactions.services import InteractionData, delete_interaction, log_interaction
from crm.models import CommitteeMembership, Person
from crm.policy.positions import PositionInput, Subject, record_position
from crm.policy.whip import WhipOptions, weekly_counts, whip_board
from tests.factories import BillFactory, CommitteeFactory, IssueFactory, PersonFactory
from tests.helpers import QueryCounter
from tests.svg import accessible_name, svg_by_id, titled


def table_row(page: str, marker: str) -> str:
    at = page.index(marker)
    start = page.rindex("<tr", 0, at)
    return page[start : page.index("</tr>", at)]


def said(user, person, subject, stance, days_ago, now, **kw):
    return record_position(
        user, PositionInput(person.id, subject, stance, **kw), now - timedelta(days=days_ago)
    )


@pytest.fixture
def board_data(db, member):
    """10 senators, 3 representatives, 2 state legislators; positions on one issue."""
    now = utcnow()
    issue = IssueFactory(name="Conrad 30 reauthorization")
    s = Subject("issue", issue.id)
    senators = [
        PersonFactory(
            last_name=f"Senator{n}",
            chamber="upper",
            state="TX" if n < 4 else "CA",
            party="Republican" if n % 2 else "Democratic",
        )
        for n in range(10)
    ]
    reps = [
        PersonFactory(last_name=f"Rep{n}", chamber="lower", state="TX", district=str(n + 1))
        for n in range(3)
    ]
    state_legislators = [
        PersonFactory(
            last_name=f"TNSen{n}", level="state", chamber="upper", state="TN", district=str(n + 1)
        )
        for n in range(2)
    ]
    said(member, senators[0], s, "support", 5, now, commitment="Will cosponsor")
    said(member, senators[1], s, "support", 20, now)
    said(member, senators[2], s, "lean_support", 3, now)
    said(member, senators[3], s, "undecided", 100, now)  # stale at 90 days
    said(member, senators[4], s, "oppose", 1, now)
    said(member, senators[5], s, "undecided", 60, now)
    said(member, senators[5], s, "support", 2, now)  # moved
    meeting = log_interaction(
        member,
        InteractionData(
            people=[senators[6].id],
            occurred_at=now - timedelta(days=4),
            issues=[issue.id],
            positions=[PositionInput(senators[6].id, s, "support")],
        ),
        now,
    )
    delete_interaction(member, meeting, now)  # so senator 6 is back to unknown
    return SimpleNamespace(
        issue=issue,
        subject=s,
        senators=senators,
        reps=reps,
        state_legislators=state_legislators,
        now=now,
    )


def test_counts_on_a_known_dataset(db, board_data):
    options = WhipOptions.defaults_for(board_data.issue)
    board = whip_board(board_data.subject, options, board_data.now, None)
    assert board.total == 13  # an issue's default targets: all members of Congress
    assert board.counts == {
        "support": 3,
        "lean_support": 1,
        "undecided": 1,
        "lean_oppose": 0,
        "oppose": 1,
        "unknown": 7,
    }
    by_name = {r.person.last_name: r for r in board.rows}
    assert by_name["Senator5"].stance == "support"
    assert by_name["Senator6"].stance == "unknown" and by_name["Senator6"].position_id is None
    assert by_name["Senator0"].commitment == "Will cosponsor"
    assert by_name["Senator0"].commitment_status == "pending"
    assert "TNSen0" not in by_name


def test_staleness_follows_the_chosen_number_of_days(db, board_data):
    def rows(days):
        board = whip_board(board_data.subject, WhipOptions(stale_days=days), board_data.now, None)
        return {r.person.last_name: r.stale for r in board.rows}

    default = rows(90)
    assert default["Senator3"] is True  # 100 days old
    assert default["Senator1"] is False  # 20 days old
    assert default["Senator9"] is True  # never stated a position
    strict = rows(10)
    assert strict["Senator1"] is True and strict["Senator0"] is False


def test_board_page_shades_stale_rows_and_shows_who_recorded(db, auth, as_member, board_data):
    url = f"/issues/{board_data.issue.id}/whip?stale_days=30"
    page = auth.client.get(url).get_data(as_text=True)
    senator3 = board_data.senators[3]
    row = table_row(page, f'data-person="{senator3.id}"')
    assert 'class="whip-stale"' in row and "stance-undecided" in row and "(stale)" in row
    fresh = table_row(page, f'data-person="{board_data.senators[0].id}"')
    assert "whip-stale" not in fresh and "(stale)" not in fresh
    assert "Mia Member" in page  # who recorded it
    assert "Will cosponsor" in page


def test_filters_narrow_the_targets(db, board_data):
    def names(**options):
        opts = WhipOptions(**options)
        board = whip_board(board_data.subject, opts, board_data.now, None)
        return sorted(r.person.last_name for r in board.rows)

    assert len(names(chamber="upper")) == 10
    assert names(chamber="lower") == ["Rep0", "Rep1", "Rep2"]
    assert names(state="TX", chamber="upper") == ["Senator0", "Senator1", "Senator2", "Senator3"]
    assert names(party="Republican", state="TX", chamber="upper") == ["Senator1", "Senator3"]
    assert names(level="state") == ["TNSen0", "TNSen1"]
    committee = CommitteeFactory(name="Judiciary")
    sub = CommitteeFactory(name="Immigration", parent_id=committee.id)
    db.session.add_all(
        [
            CommitteeMembership(committee_id=committee.id, person_id=board_data.senators[0].id),
            CommitteeMembership(committee_id=sub.id, person_id=board_data.senators[5].id),
        ]
    )
    db.session.commit()
    assert names(committee=committee.id) == ["Senator0", "Senator5"]


def test_filters_from_the_query_string(db, auth, as_member, board_data):
    url = f"/issues/{board_data.issue.id}/whip?chamber=lower"
    page = auth.client.get(url).get_data(as_text=True)
    assert "Rep0" in page and "Senator0" not in page
    assert "Targets: U.S. House · 3 legislators" in page


def test_a_bills_default_targets_are_its_chamber_and_jurisdiction(db, member, board_data):
    house_bill = BillFactory(chamber="lower")
    opts = WhipOptions.from_args({}, house_bill)
    board = whip_board(Subject("bill", house_bill.id), opts, board_data.now, None)
    assert sorted(r.person.last_name for r in board.rows) == ["Rep0", "Rep1", "Rep2"]
    # issue positions are not bill positions
    assert board.counts["unknown"] == 3
    tn_bill = BillFactory(jurisdiction="TN", session="2026", number="SB 1", chamber="upper")
    tn = whip_board(
        Subject("bill", tn_bill.id), WhipOptions.from_args({}, tn_bill), board_data.now, None
    )
    assert sorted(r.person.last_name for r in tn.rows) == ["TNSen0", "TNSen1"]
    both = WhipOptions.from_args({"chamber": "any"}, house_bill)
    assert both.chamber == "" and both.level == "federal"


def test_weekly_counts_replay_the_changes():
    now = datetime(2026, 11, 27, 12, tzinfo=UTC)
    change = lambda person, days, stance: SimpleNamespace(  # noqa: E731
        person_id=person, recorded_at=now - timedelta(days=days), stance=stance
    )
    changes = [
        change(1, 20, "undecided"),
        change(2, 15, "oppose"),
        change(1, 8, "support"),
        change(3, 1, "lean_support"),
    ]
    weeks = weekly_counts({}, changes, total=5, now=now, weeks=4)
    assert [at for at, _ in weeks] == [now - timedelta(days=d) for d in (21, 14, 7, 0)]
    summary = [{k: v for k, v in counts.items() if v} for _, counts in weeks]
    assert summary == [
        {"unknown": 5},
        {"undecided": 1, "oppose": 1, "unknown": 3},
        {"support": 1, "oppose": 1, "unknown": 3},
        {"support": 1, "oppose": 1, "lean_support": 1, "unknown": 2},
    ]
    # starting from the positions at the first point, replaying only what came after
    later = [c for c in changes if c.recorded_at > now - timedelta(days=21)]
    assert weekly_counts({4: "oppose"}, later, total=5, now=now, weeks=4)[-1][1] == {
        "support": 1,
        "lean_support": 1,
        "undecided": 0,
        "lean_oppose": 0,
        "oppose": 2,
        "unknown": 1,
    }


def test_weekly_counts_on_the_board(db, board_data):
    board = whip_board(board_data.subject, WhipOptions(weeks=3), board_data.now, None)
    (_, two_weeks), (_, last_week), (_, this_week) = board.weekly
    assert this_week == board.counts
    # a week ago: senator 5 was undecided (moved 2 days ago); 0, 2 and 4 had not spoken yet
    assert last_week == {
        "support": 1,
        "lean_support": 0,
        "undecided": 2,
        "lean_oppose": 0,
        "oppose": 0,
        "unknown": 10,
    }
    assert two_weeks == last_week
    assert board.change["support"] == 2 and board.change["unknown"] == -3


def test_board_svgs_are_valid_and_carry_the_numbers(db, auth, as_member, board_data):
    page = auth.client.get(f"/issues/{board_data.issue.id}/whip?weeks=3").get_data(as_text=True)
    bar = svg_by_id(page, "whip-count-bar")
    assert accessible_name(bar).startswith("Current positions of 13 targets")
    rects = titled(bar, "rect")
    assert rects["Support: 3 of 13 (23%)"].get("fill") == STANCE_FILLS["support"]
    assert rects["Unknown: 7 of 13 (54%)"].get("fill") == STANCE_FILLS["unknown"]
    assert "Lean oppose: 0 of 13 (0%)" not in rects  # empty segments are not drawn
    widths = sum(float(r.get("width")) for r in rects.values())
    assert abs(widths - 600) < 0.1
    weekly = svg_by_id(page, "whip-weekly-chart")
    assert "last 3 weeks" in accessible_name(weekly)
    segments = titled(weekly, "rect")
    assert len(segments) == 3 + 3 + 5  # the non-zero counts of the three weeks
    today = f"{board_data.now:%b} {board_data.now.day}"
    assert segments[f"{today}: Support 3"].get("fill") == STANCE_FILLS["support"]
    assert segments[f"{today}: Unknown 7"].get("fill") == STANCE_FILLS["unknown"]
    # the counts table beside the charts
    support = table_row(page, 'data-stance="support"')
    assert '<td class="text-end">3</td>' in support and '<td class="text-end">+2</td>' in support


def read_csv(resp) -> list[list[str]]:
    body = resp.get_data(as_text=True)
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body[1:])))


def test_csv_exports_of_every_table(db, auth, as_member, board_data):
    board_data.senators[2].full_name = "=HYPERLINK(1)"
    db.session.commit()
    base = f"/issues/{board_data.issue.id}/whip"
    targets = read_csv(auth.client.get(f"{base}/targets.csv?chamber=upper"))
    assert targets[0][:5] == ["Name", "Seat", "State", "Party", "Position"]
    assert len(targets) == 1 + 10
    injected = [row for row in targets if row[0].endswith("=HYPERLINK(1)")]
    assert injected[0][0] == "'=HYPERLINK(1)" and injected[0][4] == "Lean support"
    counts = read_csv(auth.client.get(f"{base}/counts.csv"))
    assert counts[1] == ["Support", "3", "23%", "3"]  # nobody supported 11 weeks ago
    weekly = read_csv(auth.client.get(f"{base}/weekly.csv?weeks=2"))
    assert len(weekly) == 3 and weekly[0][0] == "Week ending"
    commitments = read_csv(auth.client.get(f"{base}/commitments.csv"))
    assert commitments[1][2:4] == ["Will cosponsor", "Support"] and commitments[1][-1] == "pending"
    assert auth.client.get(f"{base}/nope.csv").status_code == 404
    bill = BillFactory()
    assert auth.client.get(f"/bills/{bill.id}/whip/targets.csv").status_code == 200


def test_unknown_subject_is_404(db, auth, as_member):
    assert auth.client.get("/issues/999/whip").status_code == 404
    assert auth.client.get("/bills/999/whip").status_code == 404


def add_congress(db, member, issue, count: int, state_of):
    """`count` members of Congress in bulk, a third of them with positions and commitments."""
    people = []
    for n in range(count):
        p = Person(
            kind="legislator",
            level="federal",
            chamber="upper" if n < 100 else "lower",
            first_name="Member",
            last_name=f"Congress{n:03d}",
            full_name="",
            state=state_of(n),
            district=None if n < 100 else str(n % 50 + 1),
            party=("Democratic", "Republican")[n % 2],
            in_office=True,
            last_contacted_at=utcnow() - timedelta(days=n % 200) if n % 3 else None,
            last_contacted_by_id=member.id if n % 3 else None,
        )
        p.set_names()
        people.append(p)
    db.session.add_all(people)
    db.session.commit()
    subject = Subject("issue", issue.id)
    for n, p in enumerate(people):
        if n % 3 == 0:
            said(
                member,
                p,
                subject,
                ("support", "undecided", "oppose")[n % 9 // 3],
                n % 120,
                utcnow(),
                commitment="Will cosponsor" if n % 2 else None,
            )
    return people


def test_whip_board_statement_count_does_not_grow_with_targets(app, db, auth, as_member):
    """Query-count guard: 20 targets and all 537 members of Congress cost the same statements."""
    issue = IssueFactory()
    add_congress(db, as_member, issue, 537, lambda n: "WY" if n % 27 == 0 else "TX")
    assert (
        db.session.scalar(
            sa.select(sa.func.count()).select_from(Person).where(Person.state == "WY")
        )
        == 20
    )
    url = f"/issues/{issue.id}/whip"
    auth.client.get(url)  # warm up
    with QueryCounter(db.engine) as few:
        page = auth.client.get(url + "?state=WY").get_data(as_text=True)
    assert "· 20 legislators" in page
    with QueryCounter(db.engine) as all_of_congress:
        page = auth.client.get(url).get_data(as_text=True)
    assert "· 537 legislators" in page
    assert few.count == all_of_congress.count, (few, all_of_congress)
    assert all_of_congress.count <= 12  # sign-in, subject, targets, 4 position queries, filters
