"""The meeting brief: its content for a typical office, the issue's committees first, the talking
points, privacy (a member outside a private contact's audience gets a brief without it), and a PDF
of one page whose text can be extracted."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from datetime import UTC, datetime

import pytest

from crm.models import BillCommittee, CommitteeMembership, Position, StaffRole
from tests.factories import (
    BillFactory,
    CommitteeFactory,
    InteractionFactory,
    IssueFactory,
    PersonFactory,
    UserFactory,
)

NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)


@pytest.fixture
def office(db, coordinator):
    senator = PersonFactory(
        first_name="Amy",
        last_name="Klobuchar",
        state="MN",
        party="Democratic",
        bioguide_id="K000367",
    )
    aide = PersonFactory(
        kind="staff", first_name="Sam", last_name="Health", level=None, chamber=None
    )
    db.session.add(
        StaffRole(
            staff_id=aide.id,
            employer_id=senator.id,
            title="Health LA",
            portfolio="health, immigration",
        )
    )
    judiciary = CommitteeFactory(name="Judiciary", code="SSJU")
    immigration = CommitteeFactory(name="Immigration", code="SSJU04", parent=judiciary)
    agriculture = CommitteeFactory(name="Agriculture", code="SSAF")
    for c in (agriculture, immigration):
        db.session.add(CommitteeMembership(committee_id=c.id, person_id=senator.id))
    conrad = IssueFactory(
        name="Conrad 30 reauthorization",
        talking_points="Cosponsor S. 665 and raise the cap to 35 slots.",
    )
    bill = BillFactory(number="S. 665", session="118", title="Conrad State 30")
    bill.issues = [conrad]
    db.session.add(
        BillCommittee(
            bill_id=bill.id, system_code="ssju04", name="Immigration", committee_id=immigration.id
        )
    )
    db.session.commit()
    met = InteractionFactory(
        people=[senator], subject="Met the health LA", logged_by=coordinator, occurred_at=NOW
    )
    db.session.add(
        Position(
            person_id=senator.id,
            issue_id=conrad.id,
            stance="lean_support",
            commitment="Will review the bill text",
            commitment_status="pending",
            recorded_by_id=coordinator.id,
            recorded_at=NOW,
            interaction_id=met.id,
        )
    )
    db.session.commit()
    insider = UserFactory(name="Insider Ivy", home_state="MN")
    InteractionFactory(
        people=[senator],
        subject="Secret whip count",
        private=True,
        logged_by=insider,
        occurred_at=NOW,
    )
    return senator, conrad


def test_brief_content(client, as_member, office):
    senator, conrad = office
    page = client.get(f"/people/{senator.id}/brief?issue={conrad.id}").get_data(as_text=True)
    assert "Amy Klobuchar" in page and "Brief on <strong>Conrad 30 reauthorization" in page
    assert "Cosponsor S. 665 and raise the cap" in page  # the talking points
    assert page.index("Judiciary: Immigration") < page.index("Agriculture")  # relevant first
    assert "Sam Health" in page and "health, immigration" in page
    assert "Lean support" in page and "Will review the bill text" in page
    assert "Met the health LA" in page
    assert "Insider Ivy" in page  # a member from Minnesota
    assert "Secret whip count" not in page  # private, and this member was not there


def test_the_audience_sees_its_private_contact(client, as_coordinator, office):
    senator, _ = office
    page = client.get(f"/people/{senator.id}/brief").get_data(as_text=True)
    assert "Secret whip count" in page and "(private)" in page


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="pdftotext (poppler-utils) is missing")
def test_pdf_is_one_page_with_text(client, as_member, office, tmp_path):
    senator, conrad = office
    resp = client.get(f"/people/{senator.id}/brief.pdf?issue={conrad.id}")
    assert resp.status_code == 200 and resp.mimetype == "application/pdf"
    pdf = tmp_path / "brief.pdf"
    pdf.write_bytes(resp.data)
    if os.environ.get("BRIEF_OUT"):
        shutil.copy(pdf, os.environ["BRIEF_OUT"])
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    assert re.search(r"^Pages:\s+1$", info.stdout, re.M), info.stdout
    text = subprocess.run(
        ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    for words in ("Amy Klobuchar", "Cosponsor S. 665", "Judiciary: Immigration", "Sam Health"):
        assert words in text
    assert "Secret whip count" not in text
