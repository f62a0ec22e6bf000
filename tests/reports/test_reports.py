"""Reports: the coverage map, activity per week by kind, the members table, not-contacted lists,
their CSV exports and valid, readable SVG."""

import csv
import io
from datetime import timedelta

import pytest

from crm.charts import COVERAGE_BINS, KIND_FILLS, NO_DATA_FILL, coverage_fill, us_states
from crm.clock import utcnow
from crm.interactions.services import InteractionData, delete_interaction, log_interaction
from crm.models import Assignment, CommitteeMembership
from crm.reports.services import activity, coverage, members_table, not_contacted, week_starts
from tests.factories import CommitteeFactory, PersonFactory, UserFactory
from tests.svg import accessible_name, svg_by_id, titled

BLUE_40 = COVERAGE_BINS[2][2]  # 25% to 49%
NONE = COVERAGE_BINS[0][2]


def contacted(person, days_ago):
    person.last_contacted_at = utcnow() - timedelta(days=days_ago)


@pytest.fixture
def delegations(db):
    """Texas: 10 members of Congress, 4 contacted within 90 days, 1 contacted 100 days ago.
    California: 2 members, none contacted. A TN state senator contacted (not Congress)."""
    tx = [
        PersonFactory(
            last_name=f"Tx{n}",
            state="TX",
            chamber="upper" if n < 2 else "lower",
            district=None if n < 2 else str(n),
        )
        for n in range(10)
    ]
    ca = [PersonFactory(last_name=f"Ca{n}", state="CA", chamber="upper") for n in range(2)]
    tn = PersonFactory(last_name="TnState", state="TN", level="state", chamber="upper")
    gone = PersonFactory(last_name="Retired", state="TX", in_office=False)
    for p, days in zip(tx[:5], (1, 10, 30, 89, 100), strict=True):
        contacted(p, days)
    contacted(tn, 1)
    contacted(gone, 1)
    db.session.commit()
    return {"tx": tx, "ca": ca, "tn": tn}


def test_coverage_counts_each_delegation(db, delegations):
    report = coverage(utcnow(), days=90)
    by_code = {s.code: s for s in report.states}
    texas = by_code["TX"]
    assert (texas.delegation, texas.contacted, texas.percent) == (10, 4, "40%")
    assert (by_code["CA"].delegation, by_code["CA"].contacted) == (2, 0)
    assert by_code["TN"].delegation == 0  # state legislators are not the delegation
    assert len(report.states) == 51 and report.delegation == 12 and report.contacted == 4
    assert coverage(utcnow(), days=365).contacted == 5


def test_coverage_fill_bins():
    assert coverage_fill(None) == NO_DATA_FILL
    assert coverage_fill(0) == NONE
    assert coverage_fill(0.1) == COVERAGE_BINS[1][2]
    assert coverage_fill(0.4) == BLUE_40
    assert coverage_fill(0.5) == COVERAGE_BINS[3][2]
    assert coverage_fill(1.0) == COVERAGE_BINS[4][2]


def test_map_geometry_was_built_from_us_atlas():
    states = us_states()
    assert states["width"] == 975 and states["height"] == 610
    assert len(states["states"]) == 51  # 50 states and DC
    assert states["states"]["TX"]["fips"] == "48" and states["states"]["TX"]["d"].startswith("M")


def test_coverage_map_is_valid_svg_with_fills_titles_and_table(db, auth, as_member, delegations):
    page = auth.client.get("/reports/").get_data(as_text=True)
    svg = svg_by_id(page, "coverage-map")
    assert svg.get("viewBox") == "0 0 975 610"
    assert "members of Congress contacted in the last 90 days" in accessible_name(svg)
    paths = {p.get("data-state"): p for p in svg.iter("{http://www.w3.org/2000/svg}path")}
    assert len(paths) == 51
    assert paths["TX"].get("fill") == BLUE_40
    assert paths["CA"].get("fill") == NONE
    assert paths["WY"].get("fill") == NO_DATA_FILL
    titles = titled(svg, "path")
    assert "Texas: 4 of 10 members of Congress contacted in the last 90 days (40%)" in titles
    assert "Wyoming: no members of Congress in the directory" in titles
    assert "style=" not in page  # the CSP forbids inline styles
    table = page[page.index('id="coverage-table"') :]
    tx_row = table[table.index('data-state="TX"') :]
    tx_row = tx_row[: tx_row.index("</tr>")]
    assert ">4</td>" in tx_row and ">10</td>" in tx_row and ">40%</td>" in tx_row


def read_csv(resp) -> list[list[str]]:
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    body = resp.get_data(as_text=True)
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body[1:])))


def test_coverage_csv(db, auth, as_member, delegations):
    rows = read_csv(auth.client.get("/reports/coverage.csv?days=90"))
    assert rows[0] == ["State", "Code", "Members of Congress", "Contacted", "Share"]
    assert ["Texas", "TX", "10", "4", "40%"] in rows


# ---- activity ----


def test_activity_counts_per_week_by_kind(db, member):
    person = PersonFactory()
    now = utcnow()
    weeks = week_starts(now, "America/New_York", 4)

    def log(when, kind):
        return log_interaction(
            member, InteractionData(people=[person.id], occurred_at=when, kind=kind), now
        )

    log(weeks[0] + timedelta(hours=1), "meeting")
    log(weeks[0] + timedelta(days=6, hours=23), "call")
    log(weeks[1] - timedelta(hours=1), "call")  # still the first week (just before Monday)
    log(weeks[3] + timedelta(minutes=1), "email")
    log(weeks[0] - timedelta(minutes=1), "meeting")  # before the window
    gone = log(weeks[2] + timedelta(hours=2), "meeting")
    delete_interaction(member, gone, now)
    report = activity(now, "America/New_York", 4, viewer=member)
    assert [sum(c.values()) for c in report.counts] == [3, 0, 0, 1]
    assert report.counts[0]["call"] == 2 and report.counts[0]["meeting"] == 1
    assert report.kinds == [("meeting", "Meeting"), ("call", "Call"), ("email", "Email")]
    assert [w.weekday() for w in report.weeks] == [0, 0, 0, 0]


def test_activity_chart_is_valid_svg_with_a_table(db, auth, as_member):
    person = PersonFactory()
    now = utcnow()
    for kind in ("meeting", "meeting", "call"):
        data = InteractionData(people=[person.id], occurred_at=now, kind=kind)
        log_interaction(as_member, data, now)
    page = auth.client.get("/reports/?weeks=4").get_data(as_text=True)
    svg = svg_by_id(page, "activity-chart")
    assert "last 4 weeks" in accessible_name(svg)
    rects = titled(svg, "rect")
    week = [t for t in rects if t.endswith("Meeting 2")]
    assert len(week) == 1 and rects[week[0]].get("fill") == KIND_FILLS["meeting"]
    assert rects[week[0].replace("Meeting 2", "Call 1")].get("fill") == KIND_FILLS["call"]
    rows = read_csv(auth.client.get("/reports/activity.csv?weeks=4"))
    assert rows[0] == ["Week starting", "Meeting", "Call", "Total"]
    assert rows[-1][1:] == ["2", "1", "3"]
    kinds = read_csv(auth.client.get("/reports/activity.csv?weeks=4&table=kinds"))
    assert kinds[1:] == [["Meeting", "2", "67%"], ["Call", "1", "33%"]]


# ---- members ----


def test_members_table_counts_contacts_done_and_overdue(db, auth, coordinator, member):
    other = UserFactory(name="Zed Quiet")
    person = PersonFactory()
    now = utcnow()
    for days in (3, 200):
        data = InteractionData(people=[person.id], occurred_at=now - timedelta(days=days))
        log_interaction(member, data, now)
    today = now.date()
    db.session.add_all(
        [
            Assignment(
                person_id=person.id,
                assignee_id=member.id,
                title="Done",
                status="done",
                completed_at=now - timedelta(days=5),
            ),
            Assignment(
                person_id=person.id,
                assignee_id=member.id,
                title="Late",
                status="open",
                due_on=today - timedelta(days=3),
            ),
            Assignment(
                person_id=person.id,
                assignee_id=member.id,
                title="Soon",
                status="in_progress",
                due_on=today + timedelta(days=3),
            ),
            Assignment(
                person_id=person.id,
                assignee_id=other.id,
                title="Gone",
                status="open",
                due_on=today - timedelta(days=3),
                deleted_at=now,
            ),
        ]
    )
    db.session.commit()
    rows = {r.user.name: r for r in members_table(now, "UTC", days=90)}
    m = rows["Mia Member"]
    assert (m.contacts, m.done, m.open, m.overdue) == (1, 1, 2, 1)
    z = rows["Zed Quiet"]
    assert (z.contacts, z.done, z.open, z.overdue) == (0, 0, 0, 0)
    auth.login(coordinator.email)
    page = auth.client.get("/reports/members").get_data(as_text=True)
    assert "Mia Member" in page and "Zed Quiet" in page
    csv_rows = read_csv(auth.client.get("/reports/members.csv"))
    assert ["Mia Member", "member@example.org", "member", "TX", "1", "1", "2", "1"] in csv_rows


def test_members_report_is_for_coordinators(db, auth, as_member):
    assert auth.client.get("/reports/members").status_code == 403
    assert auth.client.get("/reports/members.csv").status_code == 403
    assert "Members</a>" not in auth.client.get("/reports/").get_data(as_text=True)


# ---- not contacted ----


def test_not_contacted_grouped_by_state_chamber_and_committee(db, auth, as_member, delegations):
    judiciary = CommitteeFactory(name="Judiciary")
    sub = CommitteeFactory(name="Immigration", parent_id=judiciary.id)
    tx = delegations["tx"]
    for p in (tx[0], tx[5], delegations["ca"][0]):
        db.session.add(CommitteeMembership(committee_id=judiciary.id, person_id=p.id))
    db.session.add(CommitteeMembership(committee_id=sub.id, person_id=tx[6].id))
    db.session.commit()
    report = not_contacted(utcnow(), days=90)
    assert len(report.people) == 8  # 6 in Texas (one contacted 100 days ago), 2 in California
    states = {g.key: (len(g.people), g.total) for g in report.by_state}
    assert states == {"TX": (6, 10), "CA": (2, 2)}
    chambers = {g.key: (len(g.people), g.total) for g in report.by_chamber}
    assert chambers == {"upper": (2, 4), "lower": (6, 8)}
    [committee] = report.by_committee  # subcommittees roll into full committees
    assert (len(committee.people), committee.total) == (2, 3)
    assert {p.last_name for p in committee.people} == {"Tx5", "Ca0"}
    page = auth.client.get("/reports/not-contacted").get_data(as_text=True)
    assert "Not contacted in 90 days: 8 federal legislators" in page
    people = read_csv(auth.client.get("/reports/not-contacted/people.csv"))
    assert len(people) == 9 and people[0][0] == "Name"
    by_state = read_csv(auth.client.get("/reports/not-contacted/state.csv"))
    assert by_state[1][:4] == ["California", "2", "2", "100%"]
    assert read_csv(auth.client.get("/reports/not-contacted/committee.csv"))[1][:3] == [
        "Senate: Judiciary",
        "2",
        "3",
    ]
    assert auth.client.get("/reports/not-contacted/nope.csv").status_code == 404


def test_soft_deleted_people_do_not_leak_into_reports(db, auth, as_member, delegations):
    hidden = delegations["ca"][1]
    hidden.deleted_at = utcnow()
    hidden.full_name = "Deleted Person Name"
    db.session.commit()
    page = auth.client.get("/reports/not-contacted").get_data(as_text=True)
    assert "Deleted Person Name" not in page
    assert "Deleted Person Name" not in auth.client.get(
        "/reports/not-contacted/people.csv"
    ).get_data(as_text=True)
    assert {s.code: s.delegation for s in coverage(utcnow()).states}["CA"] == 1


def test_report_arguments_are_clamped(db, auth, as_member):
    page = auth.client.get("/reports/?days=abc&weeks=-4").get_data(as_text=True)
    assert "Coverage of Congress, last 90 days" in page and "in the last 2 weeks" in page
    page = auth.client.get("/reports/?weeks=100000").get_data(as_text=True)
    assert "in the last 104 weeks" in page
    page = auth.client.get("/reports/not-contacted?level=bogus&days=0").get_data(as_text=True)
    assert "Not contacted in 1 day: 0 federal legislators" in page
