"""The bill page from the official record: sponsors linked to the directory, actions once per
step, committees with their members and our contacts with them, cosponsors over time, related
bills, the coalition's contacts about it (as the viewer may see them), and tracking."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

from crm.bills.services import cosponsors_by_month
from crm.imports.bills import import_bills
from crm.models import Bill, BillSponsor, CommitteeMembership
from tests.factories import CommitteeFactory, InteractionFactory, PersonFactory
from tests.imports.conftest import shared_data

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
SAMPLES = shared_data() / "billstatus"


def test_bill_page(client, as_member, db, coordinator):
    vance = PersonFactory(
        first_name="J.D.", last_name="Vance", bioguide_id="V000137", last_contacted_at=NOW
    )
    banking = CommitteeFactory(name="Banking", code="SSBK", chamber="upper")
    db.session.add(CommitteeMembership(committee_id=banking.id, person_id=vance.id, role="member"))
    db.session.commit()
    import_bills(SAMPLES / "BILLSTATUS-117s35.xml", actor=None, now=NOW)
    bill = db.session.scalars(sa.select(Bill)).one()
    bill.issues  # noqa: B018
    talk = InteractionFactory(
        people=[vance], subject="Asked about the medal bill", logged_by=coordinator
    )
    secret = InteractionFactory(
        people=[vance], subject="Confidential whip count", logged_by=coordinator, private=True
    )
    talk.bills = [bill]
    secret.bills = [bill]
    db.session.commit()

    page = client.get(f"/bills/{bill.id}").get_data(as_text=True)
    assert "S. 35" in page and "Officer Eugene Goodman" in page
    assert "72 cosponsors" in page
    assert "Cosponsors over time by party" in page or "cosponsors-chart" in page
    assert "Banking, Housing, and Urban Affairs Committee" in page
    assert page.count(f"/people/{vance.id}") >= 2  # the sponsor, and a member of the committee
    assert "contacted" in page
    assert "Asked about the medal bill" in page
    assert "Confidential whip count" not in page  # private, and the member was not there
    assert page.count("Introduced in Senate") == 1  # the same step from two systems, once


def test_track_is_for_coordinators(client, auth, as_coordinator, db):
    import_bills(SAMPLES / "BILLSTATUS-117sconres7.xml", actor=None, now=NOW)
    bill = db.session.scalars(sa.select(Bill)).one()
    assert auth.post(f"/bills/{bill.id}/track").status_code == 302
    db.session.refresh(bill)
    assert bill.tracked is True
    assert "Stop tracking" in client.get(f"/bills/{bill.id}").get_data(as_text=True)


def test_cosponsors_by_month_counts_withdrawals():
    from datetime import date

    rows = cosponsors_by_month(
        [
            BillSponsor(role="cosponsor", party="D", sponsored_on=date(2025, 1, 5)),
            BillSponsor(
                role="cosponsor",
                party="R",
                sponsored_on=date(2025, 3, 9),
                withdrawn_on=date(2025, 4, 2),
            ),
            BillSponsor(role="sponsor", party="R", sponsored_on=date(2025, 1, 1)),
        ]
    )
    assert rows == [
        ("Jan 2025", {"D": 1, "R": 0, "I": 0}),
        ("Feb 2025", {"D": 1, "R": 0, "I": 0}),
        ("Mar 2025", {"D": 1, "R": 1, "I": 0}),
        ("Apr 2025", {"D": 1, "R": 0, "I": 0}),
    ]
