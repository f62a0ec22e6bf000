"""The lobbying-contact report: quarters, covered officials only, house or agency, issues and
bills, totals in the LD-2 shape; per member; private contacts only for their audience, flagged;
CSV and Excel downloads that parse; figures equal to a direct SQL count."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

import sqlalchemy as sa
from openpyxl import load_workbook

from crm.lobbying.services import lobbying_report, quarter_dates
from crm.models import Interaction, StaffRole
from tests.factories import (
    BillFactory,
    InteractionFactory,
    IssueFactory,
    OrganizationFactory,
    PersonFactory,
    UserFactory,
)

TZ = "America/New_York"


def at(day: str) -> datetime:
    return datetime.fromisoformat(day + "T15:00").replace(tzinfo=UTC)


def test_quarters():
    assert quarter_dates(2026, 1) == (date(2026, 1, 1), date(2026, 3, 31))
    assert quarter_dates(2026, 4) == (date(2026, 10, 1), date(2026, 12, 31))


def seed(db, member, other):
    conrad = IssueFactory(name="Conrad 30 reauthorization")
    backlog = IssueFactory(name="Green-card backlog")
    hr1585 = BillFactory(number="H.R. 1585", session="119")
    senator = PersonFactory(last_name="Lankford", chamber="upper", state="OK")
    rep = PersonFactory(last_name="Schneider", chamber="lower", state="IL", district="10")
    staffer = PersonFactory(kind="staff", last_name="Aide", level=None, chamber=None)
    db.session.add(StaffRole(staff_id=staffer.id, employer_id=senator.id, title="LA"))
    dhs = OrganizationFactory(name="U.S. Department of Homeland Security")
    uscis = OrganizationFactory(name="USCIS", kind="agency_office", parent=dhs)
    official = PersonFactory(
        kind="official", last_name="Okafor", level=None, chamber=None, organization=uscis
    )
    hospital_ceo = PersonFactory(kind="other", last_name="Ceo", level=None, chamber=None)
    state_rep = PersonFactory(last_name="Statehouse", level="state", chamber="lower", state="TX")
    db.session.commit()
    a = InteractionFactory(
        occurred_at=at("2026-10-05"),
        logged_by=member,
        people=[senator, staffer],
        issues=[conrad],
        bills=[hr1585],
    )
    b = InteractionFactory(
        occurred_at=at("2026-11-12"),
        logged_by=other,
        members=[member],
        people=[official, hospital_ceo],
        issues=[backlog],
        kind="call",
    )
    c = InteractionFactory(
        occurred_at=at("2026-12-01"),
        logged_by=other,
        people=[rep],
        private=True,
        subject="Confidential",
        issues=[conrad],
    )
    d = InteractionFactory(occurred_at=at("2026-09-30"), logged_by=member, people=[rep])  # Q3
    e = InteractionFactory(occurred_at=at("2026-10-20"), logged_by=member, people=[state_rep])
    return a, b, c, d, e


def test_report_for_the_coalition_as_an_outsider(db, member):
    other = UserFactory(name="Omar Other")
    a, b, c, d, e = seed(db, member, other)
    report = lobbying_report(member, date(2026, 10, 1), date(2026, 12, 31), TZ)
    ids = {r.interaction_id for r in report.rows}
    assert ids == {a.id, b.id}  # c is private (member absent), d in Q3, e a state legislator
    assert report.contacts == 2
    officials = {r.official.split()[-1]: r for r in report.rows}
    assert set(officials) == {"Lankford", "Aide", "Okafor"}  # not the hospital CEO
    assert officials["Lankford"].house == "U.S. Senate"
    assert officials["Aide"].house == "U.S. Senate" and "Lankford" in officials["Aide"].office
    assert officials["Okafor"].house == "U.S. Department of Homeland Security"
    assert officials["Okafor"].office == "USCIS"
    assert dict(report.by_issue) == {"Conrad 30 reauthorization": 1, "Green-card backlog": 1}
    assert dict(report.by_house) == {"U.S. Senate": 1, "U.S. Department of Homeland Security": 1}
    assert dict(report.bills) == {"H.R. 1585 (119)": 1}
    assert officials["Okafor"].members == ["Omar Other", member.name]

    # A direct count: federal covered officials in Q4 the member may see.
    assert report.contacts == db.session.scalar(
        sa.select(sa.func.count(sa.distinct(Interaction.id))).where(
            Interaction.id.in_([a.id, b.id, c.id, d.id, e.id]),
            Interaction.private.is_(False),
            Interaction.occurred_at >= at("2026-10-01"),
            Interaction.occurred_at < at("2027-01-01"),
            Interaction.id != e.id,
        )
    )


def test_private_contacts_reach_their_audience_flagged(db, member, coordinator):
    other = UserFactory(name="Omar Other")
    _, _, c, _, e = seed(db, member, other)
    report = lobbying_report(coordinator, date(2026, 10, 1), date(2026, 12, 31), TZ)
    private = [r for r in report.rows if r.interaction_id == c.id]
    assert private and all(r.private for r in private)
    assert (
        lobbying_report(other, date(2026, 10, 1), date(2026, 12, 31), TZ, member=other).contacts
        == 2
    )  # b (logged) and c (his own, private)
    states = lobbying_report(member, date(2026, 10, 1), date(2026, 12, 31), TZ, level="state")
    assert e.id in {r.interaction_id for r in states.rows}


def test_contacts_logged_against_an_agency_itself(client, as_member, db):
    member = as_member
    dhs = OrganizationFactory(name="U.S. Department of Homeland Security")
    uscis = OrganizationFactory(name="USCIS", kind="agency_office", parent=dhs)
    ohio = OrganizationFactory(name="Ohio Department of Health", jurisdiction="OH")
    senator = PersonFactory(last_name="Lankford", chamber="upper", state="OK")
    ombudsman = InteractionFactory(
        occurred_at=at("2026-10-07"), logged_by=member, organization=uscis, kind="email"
    )
    InteractionFactory(occurred_at=at("2026-10-08"), logged_by=member, organization=ohio)
    # Named officials win: a contact with a senator and an agency is the senator's row alone.
    both = InteractionFactory(
        occurred_at=at("2026-10-09"), logged_by=member, organization=uscis, people=[senator]
    )
    report = lobbying_report(member, date(2026, 10, 1), date(2026, 12, 31), TZ)
    assert [(r.interaction_id, r.official_id, r.organization_id) for r in report.rows] == [
        (ombudsman.id, None, uscis.id),
        (both.id, senator.id, None),
    ]
    office = report.rows[0]
    assert (office.office, office.house) == ("USCIS", "U.S. Department of Homeland Security")
    assert dict(report.by_house) == {"U.S. Department of Homeland Security": 1, "U.S. Senate": 1}
    states = lobbying_report(member, date(2026, 10, 1), date(2026, 12, 31), TZ, level="state")
    assert [r.office for r in states.rows] == ["Ohio Department of Health"]
    page = client.get("/lobbying/?year=2026&quarter=4").get_data(as_text=True)
    assert f'href="/organizations/{uscis.id}"' in page and "(the office itself)" in page


def test_per_member_report_and_downloads(client, as_member, db):
    other = UserFactory(name="Omar Other")
    seed(db, as_member, other)
    page = client.get(f"/lobbying/?year=2026&quarter=4&member={as_member.id}")
    assert page.status_code == 200
    assert "Lankford" in page.get_data(as_text=True)

    resp = client.get("/lobbying/contacts.csv?year=2026&quarter=4")
    rows = list(csv.DictReader(io.StringIO(resp.get_data(as_text=True).lstrip("\ufeff"))))
    assert len(rows) == 3 and {r["House or agency"] for r in rows} == {
        "U.S. Senate",
        "U.S. Department of Homeland Security",
    }
    assert "Confidential" not in resp.get_data(as_text=True)

    resp = client.get("/lobbying/contacts.xlsx?year=2026&quarter=4")
    assert resp.status_code == 200
    book = load_workbook(io.BytesIO(resp.data))
    contacts = list(book["Contacts"].iter_rows(values_only=True))
    assert contacts[0][0] == "Date" and len(contacts) == 4
    totals = {r[0]: r[1] for r in book["Totals"].iter_rows(values_only=True) if r and r[0]}
    assert totals["Conrad 30 reauthorization"] == 1 and totals["U.S. Senate"] == 1


def test_bad_arguments_fall_back_to_this_quarter(client, as_member):
    for query in ("year=abc", "quarter=9", "start=2026-13-01&end=x", "year=99999"):
        assert client.get(f"/lobbying/?{query}").status_code == 200
