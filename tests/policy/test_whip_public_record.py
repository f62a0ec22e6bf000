"""The public record on a bill's whip board: sponsors, cosponsors since a date and withdrawals
shown beside the stated position (never replacing it), the two record filters, the conversion
figure with its meetings, private meetings counting only for their audience, the CSVs, and a
statement count that does not grow with the targets."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import pytest

from crm.extensions import db as _db
from crm.interactions.services import InteractionData, log_interaction
from crm.models import BillSponsor, Person, StaffRole
from crm.policy.positions import PositionInput, Subject, record_position
from crm.policy.whip import WhipOptions, whip_board
from tests.factories import BillFactory, PersonFactory
from tests.helpers import QueryCounter

NOW = datetime(2025, 9, 1, 15, 0, tzinfo=UTC)


def at(d: date) -> datetime:
    return datetime(d.year, d.month, d.day, 15, 0, tzinfo=UTC)


def sponsor(bill, person, role="cosponsor", since=None, withdrawn=None):
    _db.session.add(
        BillSponsor(
            bill_id=bill.id,
            role=role,
            bioguide_id=person.bioguide_id,
            full_name=person.full_name,
            party=person.party[:1],
            state=person.state,
            sponsored_on=since,
            withdrawn_on=withdrawn,
        )
    )
    _db.session.commit()


def meet(user, people, bill, when, private=False, subject="Conrad 30 meeting", members=()):
    return log_interaction(
        user,
        InteractionData(
            people=[p.id for p in people],
            occurred_at=when,
            kind="meeting",
            subject=subject,
            bills=[bill.id],
            private=private,
            members=[m.id for m in members],
        ),
        when,
    )


@pytest.fixture
def record_data(db, member, coordinator):
    bill = BillFactory(number="H.R. 1585", session="119", chamber="lower", title="Conrad 30")
    bill.record_updated_at = NOW
    db.session.commit()
    s = Subject("bill", bill.id)
    reps = {
        name: PersonFactory(
            last_name=name,
            chamber="lower",
            state="TX",
            district=str(n + 1),
            bioguide_id=f"X{n:06d}",
        )
        for n, name in enumerate(
            ["Adams", "Baker", "Chen", "Diaz", "Evans", "Ford", "Gray", "Hale"]
        )
    }
    staffer = PersonFactory(kind="staff", last_name="Aide", chamber=None, bioguide_id=None)
    db.session.add(StaffRole(staff_id=staffer.id, employer_id=reps["Adams"].id))
    db.session.commit()
    # Adams told us "oppose" but cosponsored 20 days after we met his staffer.
    record_position(member, PositionInput(reps["Adams"].id, s, "oppose"), at(date(2025, 3, 1)))
    meet(member, [staffer], bill, at(date(2025, 3, 1)))
    sponsor(bill, reps["Adams"], since=date(2025, 3, 21))
    # Baker: met, says support, not a cosponsor.
    record_position(member, PositionInput(reps["Baker"].id, s, "support"), at(date(2025, 4, 1)))
    meet(member, [reps["Baker"]], bill, at(date(2025, 4, 1)))
    # Chen: the sponsor, never met.
    sponsor(bill, reps["Chen"], role="sponsor", since=date(2025, 2, 25))
    # Diaz: said support, cosponsored, then withdrew.
    record_position(member, PositionInput(reps["Diaz"].id, s, "support"), at(date(2025, 2, 1)))
    sponsor(bill, reps["Diaz"], since=date(2025, 2, 25), withdrawn=date(2025, 5, 3))
    # Evans: met, cosponsored 50 days later.
    meet(member, [reps["Evans"]], bill, at(date(2025, 4, 1)))
    sponsor(bill, reps["Evans"], since=date(2025, 5, 21))
    # Ford: a private meeting by the coordinator, cosponsored 10 days later.
    meet(coordinator, [reps["Ford"]], bill, at(date(2025, 6, 1)), private=True, subject="Secret")
    sponsor(bill, reps["Ford"], since=date(2025, 6, 11))
    # Gray: met 120 days before cosponsoring (outside every window).
    meet(member, [reps["Gray"]], bill, at(date(2025, 1, 1)))
    sponsor(bill, reps["Gray"], since=date(2025, 5, 1))
    # Hale: cosponsored before we met (the meeting came after): no conversion.
    sponsor(bill, reps["Hale"], since=date(2025, 2, 25))
    meet(member, [reps["Hale"]], bill, at(date(2025, 3, 10)))
    return SimpleNamespace(bill=bill, subject=s, reps=reps, staffer=staffer)


def board_for(data, viewer, **opts):
    options = WhipOptions.defaults_for(data.bill)
    for key, value in opts.items():
        setattr(options, key, value)
    return whip_board(data.subject, options, NOW, viewer)


def rows_by_name(board):
    return {r.person.last_name: r for r in board.shown}


def test_the_record_sits_beside_the_stated_position_and_never_replaces_it(record_data, member):
    rows = rows_by_name(board_for(record_data, member))
    adams = rows["Adams"]
    assert adams.stance == "oppose"  # what he told us stays
    assert adams.record.label == "Cosponsor since Mar 21, 2025" and adams.record_differs
    assert rows["Chen"].record.label == "Sponsor" and rows["Chen"].stance == "unknown"
    diaz = rows["Diaz"]
    assert diaz.stance == "support" and diaz.record.label == "Withdrew May 3, 2025"
    assert not diaz.cosponsoring and diaz.record_differs
    assert rows["Baker"].record is None and not rows["Baker"].record_differs
    assert [m.occurred_at.date() for m in adams.meetings] == [date(2025, 3, 1)]  # via staff


def test_record_filters(record_data, member, coordinator):
    not_met = board_for(record_data, member, record="cosponsor_not_met")
    assert sorted(r.person.last_name for r in not_met.shown) == ["Chen", "Ford"]
    met_not = board_for(record_data, member, record="met_not_cosponsor")
    assert sorted(r.person.last_name for r in met_not.shown) == ["Baker"]
    # The coordinator sees the private meeting: Ford was met.
    assert [
        r.person.last_name
        for r in board_for(record_data, coordinator, record="cosponsor_not_met").shown
    ] == ["Chen"]


def test_conversion_figure_counts_a_private_meeting_only_for_its_audience(
    record_data, member, coordinator
):
    outsider = board_for(record_data, member).conversion
    assert outsider.met == 5  # Adams (staffer), Baker, Evans, Gray, Hale
    assert outsider.within == {30: 1, 60: 2, 90: 2}
    assert {record_data.reps[n].id for n in ("Adams", "Evans")} == set(outsider.converted)
    audience = board_for(record_data, coordinator)
    assert audience.conversion.met == 6
    assert audience.conversion.within == {30: 2, 60: 3, 90: 3}
    listed = [
        (r.person.last_name, m.occurred_at.date(), days) for r, m, days in audience.converted_rows
    ]
    assert listed == [
        ("Ford", date(2025, 6, 1), 10),
        ("Adams", date(2025, 3, 1), 20),
        ("Evans", date(2025, 4, 1), 50),
    ]


def test_the_page_shows_both_sources_filters_and_the_figure(record_data, auth, member, client):
    auth.login(member.email)
    url = f"/bills/{record_data.bill.id}/whip"
    page = client.get(url).get_data(as_text=True)
    targets = page[page.index('id="whip-targets"') :]
    adams = targets[targets.index(f'data-person="{record_data.reps["Adams"].id}"') :]
    adams = adams[: adams.index("</tr>")]
    assert (
        "Oppose" in adams and "Public record" in adams and "Cosponsor since Mar 21, 2025" in adams
    )
    assert "differs from what they told us" in adams
    assert "Cosponsor, not yet met (2)" in page and "Met, not cosponsor (1)" in page
    assert 'id="whip-conversion"' in page and "Secret" not in page
    filtered = client.get(url + "?record=met_not_cosponsor").get_data(as_text=True)
    assert 'Targets <span class="small text-body-secondary">(1 of 8)' in filtered
    assert (
        f'data-person="{record_data.reps["Adams"].id}"'
        not in filtered.split('id="whip-targets"')[1].split("</table>")[0]
    )


def read_csv(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


def test_csvs_carry_the_record_and_the_conversion(record_data, auth, member, coordinator, client):
    auth.login(member.email)
    base = f"/bills/{record_data.bill.id}/whip"
    rows = read_csv(client, base + "/targets.csv")
    header = rows[0]
    assert header[-4:] == ["Public record", "Record since", "Withdrawn", "Meetings on the bill"]
    by_name = {r[0]: dict(zip(header, r, strict=True)) for r in rows[1:]}
    diaz = by_name[record_data.reps["Diaz"].full_name]
    assert (diaz["Position"], diaz["Public record"], diaz["Withdrawn"]) == (
        "Support",
        "withdrawn cosponsor",
        "2025-05-03",
    )
    assert by_name[record_data.reps["Ford"].full_name]["Meetings on the bill"] == "0"
    filtered = read_csv(client, base + "/targets.csv?record=cosponsor_not_met")
    assert sorted(r[0] for r in filtered[1:]) == sorted(
        record_data.reps[n].full_name for n in ("Chen", "Ford")
    )
    conversion = read_csv(client, base + "/conversion.csv")
    assert [r[0] for r in conversion[1:]] == [
        record_data.reps[n].full_name for n in ("Adams", "Evans")
    ]
    assert "Secret" not in str(conversion)
    auth.logout()
    auth.login(coordinator.email)
    conversion = read_csv(client, base + "/conversion.csv")
    assert conversion[1][3] == "Secret" and conversion[1][-1] == "10"


def test_bill_board_statements_do_not_grow_with_targets(app, db, auth, as_member):
    bill = BillFactory(number="H.R. 1585", session="119", chamber=None, title="Conrad 30")
    people = []
    for n in range(537):
        p = Person(
            kind="legislator",
            level="federal",
            chamber="upper" if n < 100 else "lower",
            first_name="Member",
            last_name=f"Congress{n:03d}",
            full_name="",
            state="WY" if n % 27 == 0 else "TX",
            district=None if n < 100 else str(n % 50 + 1),
            party=("Democratic", "Republican")[n % 2],
            in_office=True,
            bioguide_id=f"C{n:06d}",
        )
        p.set_names()
        people.append(p)
    db.session.add_all(people)
    db.session.commit()
    for n, p in enumerate(people):
        if n % 4 == 0:
            db.session.add(
                BillSponsor(
                    bill_id=bill.id,
                    role="cosponsor",
                    bioguide_id=p.bioguide_id,
                    full_name=p.full_name,
                    sponsored_on=date(2025, 3, 1) + timedelta(days=n % 60),
                )
            )
    db.session.commit()
    for n, p in enumerate(people[:60]):
        meet(as_member, [p], bill, at(date(2025, 2, 1) + timedelta(days=n % 20)))
    url = f"/bills/{bill.id}/whip"
    auth.client.get(url)  # warm up
    with QueryCounter(db.engine) as few:
        page = auth.client.get(url + "?state=WY").get_data(as_text=True)
    assert "· 20 legislators" in page
    with QueryCounter(db.engine) as all_of_congress:
        page = auth.client.get(url).get_data(as_text=True)
    assert "· 537 legislators" in page and 'id="whip-conversion"' in page
    assert few.count == all_of_congress.count, (few, all_of_congress)
    assert all_of_congress.count <= 14  # the issue board's 12, plus the record and meetings
