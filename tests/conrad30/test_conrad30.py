"""The Conrad 30 tracker: fiscal years from 1 October, the table and map of a year, a state's
edit (ranges, flex within the 30, windows in order, audited, a stale save refused, the input kept
on a 422), the CSV to its end, and windows opening for the member who covers a state."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

import sqlalchemy as sa

from crm.conrad30.services import PROGRAM_STATES, fiscal_year, tracker, windows_opening
from crm.models import AuditEntry, Conrad30Year, LicensurePathway
from crm.organizations.agencies import import_agencies
from tests.factories import UserFactory

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def test_fiscal_years_start_on_the_first_of_october():
    assert fiscal_year(date(2026, 9, 30)) == 2026
    assert fiscal_year(date(2026, 10, 1)) == 2027
    assert len(PROGRAM_STATES) == 52


def test_edit_a_state_and_read_it_back(client, auth, as_coordinator, db):
    import_agencies(None, actor=None, now=NOW)
    covering = UserFactory(name="Tessa Texan")
    resp = auth.post(
        "/conrad30/TX/2027",
        {
            "slots_used": "30",
            "flex_used": "4",
            "window_opens": "2026-09-02",
            "window_closes": "2026-09-16",
            "covering_member_id": str(covering.id),
            "pathway_status": "law_passed",
            "pathway_year": "2025",
            "notes": "Full on day one.",
        },
    )
    assert resp.status_code == 302, resp.get_data(as_text=True)
    year = db.session.scalars(sa.select(Conrad30Year)).one()
    assert (year.state, year.fiscal_year, year.slots_used, year.flex_used) == ("TX", 2027, 30, 4)
    pathway = db.session.scalars(sa.select(LicensurePathway)).one()
    assert (pathway.status, pathway.law_year) == ("law_passed", 2025)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) >= 2

    page = client.get("/conrad30/?fy=2027").get_data(as_text=True)
    assert "30/30" in page and "Tessa Texan" in page and "Law passed" in page
    assert "Texas Conrad 30 J-1 Visa Waiver Program" not in page  # the link text is the state
    assert 'data-state="TX"' in page  # on the map
    t = tracker(2027)
    assert t.full_states == 1 and t.slots_used == 30


def test_bad_input_is_a_422_with_the_input_kept(client, auth, as_coordinator, db):
    resp = auth.post(
        "/conrad30/NY/2027",
        {
            "slots_used": "5",
            "flex_used": "8",
            "notes": "Check with the DOH",
            "pathway_status": "none",
        },
    )
    assert resp.status_code == 422
    body = resp.get_data(as_text=True)
    assert "no more than the slots used" in body and "Check with the DOH" in body
    resp = auth.post("/conrad30/NY/2027", {"slots_used": "31", "pathway_status": "none"})
    assert resp.status_code == 422
    resp = auth.post(
        "/conrad30/NY/2027",
        {
            "slots_used": "3",
            "window_opens": "2026-10-10",
            "window_closes": "2026-10-01",
            "pathway_status": "none",
        },
    )
    assert resp.status_code == 422 and "closes after it opens" in resp.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Conrad30Year)) == 0
    assert client.get("/conrad30/GU/2027").status_code == 404


def test_a_stale_save_is_refused(client, auth, as_coordinator, db):
    auth.post("/conrad30/WI/2027", {"slots_used": "3", "pathway_status": "none"})
    year = db.session.scalars(sa.select(Conrad30Year)).one()
    stale = str(year.version)
    auth.post("/conrad30/WI/2027", {"slots_used": "4", "version": stale, "pathway_status": "none"})
    resp = auth.post(
        "/conrad30/WI/2027", {"slots_used": "9", "version": stale, "pathway_status": "none"}
    )
    assert resp.status_code == 422
    db.session.refresh(year)
    assert year.slots_used == 4


def test_csv_downloads_every_state(client, auth, as_member, db):
    db.session.add(Conrad30Year(state="TN", fiscal_year=2027, slots_used=12, flex_used=2))
    db.session.commit()
    resp = client.get("/conrad30/conrad30.csv?fy=2027")
    rows = list(csv.reader(io.StringIO(resp.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][0] == "State" and len(rows) == 53
    tn = next(r for r in rows if r[1] == "TN")
    assert tn[3:5] == ["12", "2"]


def test_windows_opening_for_the_covering_member(db):
    member = UserFactory()
    db.session.add_all(
        [
            Conrad30Year(
                state="OH",
                fiscal_year=2027,
                window_opens=date(2026, 12, 15),
                covering_member_id=member.id,
            ),
            Conrad30Year(
                state="MI",
                fiscal_year=2027,
                window_opens=date(2027, 3, 1),
                covering_member_id=member.id,
            ),
        ]
    )
    db.session.commit()
    assert [y.state for y in windows_opening(member.id, date(2026, 12, 1))] == ["OH"]
