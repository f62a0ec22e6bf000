"""Organizations as first-class records: the page (tree, people, staff, contacts as the viewer
may see them, open work), the list, create / edit / move / retire, and the starter agency
directory with its import command."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import sqlalchemy as sa
import yaml

from crm.models import AuditEntry, Organization, StaffRole
from crm.organizations.agencies import DEFAULT_PATH, import_agencies, read_agency_file
from tests.factories import (
    AssignmentFactory,
    InteractionFactory,
    OrganizationFactory,
    PersonFactory,
    UserFactory,
)

NOW = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)


def test_organization_page_shows_its_tree_people_staff_contacts_and_work(
    client, as_member, db, coordinator
):
    dhs = OrganizationFactory(name="Department of Homeland Security")
    uscis = OrganizationFactory(name="USCIS", kind="agency_office", parent=dhs)
    office = OrganizationFactory(
        name="Office of Legislative Affairs", kind="agency_office", parent=uscis
    )
    official = PersonFactory(
        kind="official", last_name="Okafor", level=None, chamber=None, organization=uscis
    )
    staffer = PersonFactory(kind="staff", last_name="Brandt", level=None, chamber=None)
    db.session.add(
        StaffRole(
            staff_id=staffer.id,
            organization_id=uscis.id,
            title="Congressional liaison",
            portfolio="waivers",
        )
    )
    db.session.commit()
    InteractionFactory(people=[official], subject="Waiver processing times", logged_by=coordinator)
    InteractionFactory(people=[staffer], subject="Secret plan", private=True, logged_by=coordinator)
    AssignmentFactory(person=staffer, assignee=as_member, title="Ask about the backlog")

    page = client.get(f"/organizations/{uscis.id}").get_data(as_text=True)
    assert "Department of Homeland Security" in page  # parent, as a breadcrumb
    assert "Office of Legislative Affairs" in page  # child office
    assert official.full_name in page and staffer.full_name in page
    assert "Congressional liaison" in page and "waivers" in page
    assert "Waiver processing times" in page
    assert "Secret plan" not in page  # a private contact the member was not part of
    assert "Ask about the backlog" in page
    assert office.id


def test_timeline_holds_contacts_with_the_organization_itself_and_with_its_people(
    client, auth, as_member, db, coordinator
):
    board = OrganizationFactory(name="Texas Medical Board", kind="medical_board")
    other = OrganizationFactory(name="Florida Board of Medicine", kind="medical_board")
    director = PersonFactory(kind="official", level=None, chamber=None, organization=board)
    stamp = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
    InteractionFactory(organization=board, subject="Called the licensing desk", occurred_at=stamp)
    InteractionFactory(people=[director], subject="Met the director", occurred_at=NOW)
    InteractionFactory(organization=board, subject="Board secret", private=True)
    mine = InteractionFactory(
        organization=board, subject="My own private call", private=True, logged_by=as_member
    )
    InteractionFactory(organization=other, subject="Florida only")
    InteractionFactory(organization=board, subject="Deleted call", deleted_at=NOW)

    page = client.get(f"/organizations/{board.id}").get_data(as_text=True)
    timeline = page[page.index('id="tl-h"') :]
    assert timeline.index("Met the director") < timeline.index("Called the licensing desk")
    assert "My own private call" in timeline  # its author sees it
    assert "Board secret" not in page and "Deleted call" not in page
    assert "Florida only" not in page
    assert f"/interactions/{mine.id}" in timeline
    # Coordinators see every contact, private ones included.
    auth.logout()
    auth.login(coordinator.email)
    assert "Board secret" in client.get(f"/organizations/{board.id}").get_data(as_text=True)


def test_list_filters_and_leaves_out_legislators_offices(client, as_member):
    OrganizationFactory(name="U.S. Citizenship and Immigration Services")
    OrganizationFactory(name="Texas Medical Board", kind="medical_board", jurisdiction="TX")
    OrganizationFactory(name="Office of Senator Vance", kind="legislative_office")
    OrganizationFactory(
        name="Closed Program", kind="state_program", jurisdiction="TX", retired_at=NOW
    )
    page = client.get("/organizations/").get_data(as_text=True)
    assert "Citizenship" in page and "Texas Medical Board" in page
    assert "Senator Vance" not in page and "Closed Program" not in page
    page = client.get("/organizations/?jurisdiction=TX&retired=1").get_data(as_text=True)
    assert "Texas Medical Board" in page and "Closed Program" in page
    assert "Citizenship" not in page
    page = client.get("/organizations/?q=medical").get_data(as_text=True)
    assert "Texas Medical Board" in page and "Citizenship" not in page
    page = client.get("/organizations/?kind=legislative_office").get_data(as_text=True)
    assert "Senator Vance" in page


def test_coordinator_creates_edits_moves_and_retires(client, auth, as_coordinator, db):
    hhs = OrganizationFactory(name="HHS")
    resp = auth.post(
        "/organizations/new",
        {
            "name": "HRSA",
            "kind": "agency_office",
            "jurisdiction": "US",
            "parent_id": str(hhs.id),
            "website": "hrsa.gov",
            "phone": "(301) 443-2216",
        },
    )
    assert resp.status_code == 302
    hrsa = db.session.scalars(sa.select(Organization).where(Organization.name == "HRSA")).one()
    assert hrsa.parent_id == hhs.id
    assert hrsa.website == "https://hrsa.gov" and hrsa.phone == "+13014432216"

    bhw = OrganizationFactory(name="Bureau of Health Workforce", kind="agency_office", parent=hrsa)
    # Moving HRSA under its own bureau would make a loop: refused on the form, input kept.
    resp = auth.post(
        f"/organizations/{hrsa.id}/edit",
        {
            "name": "HRSA renamed",
            "kind": "agency_office",
            "jurisdiction": "US",
            "parent_id": str(bhw.id),
        },
    )
    assert resp.status_code == 422
    body = resp.get_data(as_text=True)
    assert "HRSA renamed" in body
    db.session.refresh(hrsa)
    assert hrsa.name == "HRSA" and hrsa.parent_id == hhs.id

    other = OrganizationFactory(name="CMS")
    resp = auth.post(
        f"/organizations/{bhw.id}/edit",
        {
            "name": "Bureau of Health Workforce",
            "kind": "agency_office",
            "jurisdiction": "US",
            "parent_id": str(other.id),
        },
    )
    assert resp.status_code == 302
    db.session.refresh(bhw)
    assert bhw.parent_id == other.id

    assert auth.post(f"/organizations/{bhw.id}/retire").status_code == 302
    db.session.refresh(bhw)
    assert bhw.retired_at is not None
    assert "Retired on" in client.get(f"/organizations/{bhw.id}").get_data(as_text=True)
    assert "Bureau of Health Workforce" not in client.get("/organizations/").get_data(as_text=True)
    auth.post(f"/organizations/{bhw.id}/reinstate")
    db.session.refresh(bhw)
    assert bhw.retired_at is None
    actions = db.session.scalars(
        sa.select(AuditEntry.action).where(AuditEntry.entity_type == "organizations")
    ).all()
    assert sorted(actions) == ["create", "reinstate", "retire", "update"]


def test_bad_input_is_a_422_with_the_input_kept(client, auth, as_coordinator):
    resp = auth.post(
        "/organizations/new",
        {
            "name": "Texas DSHS",
            "kind": "state_agency",
            "jurisdiction": "TX",
            "email": "not an email",
            "parent_id": "99999999999",
        },
    )
    assert resp.status_code == 422
    assert "Texas DSHS" in resp.get_data(as_text=True)


def test_members_cannot_change_organizations(client, auth, as_member):
    org = OrganizationFactory(name="DOL")
    assert auth.post("/organizations/new", {"name": "X", "kind": "other"}).status_code == 403
    assert auth.post(f"/organizations/{org.id}/retire").status_code == 403


def test_the_starter_directory_reads_cleanly():
    entries, problems = read_agency_file(DEFAULT_PATH)
    assert problems == []
    keys = {e.key for e in entries}
    assert {"uscis", "dos-waiver-review", "dol-oflc", "hrsa"} <= keys
    # Each of the 50 states, DC and Puerto Rico: a health agency, its Conrad 30 program, a board.
    states = {e.jurisdiction for e in entries if e.jurisdiction != "US"}
    assert len(states) == 52
    for state in states:
        kinds = sorted(e.kind for e in entries if e.jurisdiction == state)
        assert kinds == ["medical_board", "state_agency", "state_program"], state
    # Addresses are kept as the agencies publish them; a few program pages are still plain http.
    assert all(e.website is None or e.website.startswith(("https://", "http://")) for e in entries)


def test_import_agencies_is_idempotent_and_keeps_the_coalitions_own_fields(db, runner):
    result = runner.invoke(args=["crm", "import-agencies", "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output.strip().splitlines()[-1])
    total = summary["created"]
    assert total == db.session.scalar(sa.select(sa.func.count()).select_from(Organization))
    tx = db.session.scalars(
        sa.select(Organization).where(Organization.external_id == "agency:tx-conrad30")
    ).one()
    assert (
        tx.kind == "state_program" and tx.parent.name == "Texas Department of State Health Services"
    )
    tx.notes = "Application window opens Oct 1."
    tx.phone = "+15125551234"
    db.session.commit()

    again = import_agencies(None, actor=None, now=NOW)
    assert (again.created, again.updated, again.unchanged) == (0, 0, total)
    db.session.refresh(tx)
    assert tx.notes == "Application window opens Oct 1." and tx.phone == "+15125551234"


def test_import_agencies_reports_bad_entries_and_writes_nothing(db, tmp_path, runner):
    bad = tmp_path / "agencies.yaml"
    bad.write_text(
        "federal:\n"
        "  - {key: a, name: Agency A, kind: federal_agency, website: 'https://a.gov'}\n"
        "  - {key: b, parent: zz, name: B, kind: agency_office}\n"
        "  - {key: c, name: C, kind: spaceship}\n"
        "  - {key: d, name: D, kind: other, checked: 'last week'}\n"
        "states:\n"
        "  XX: {health: [X, 'https://x.gov'], board: [Y, 'https://y.gov']}\n"
    )
    result = runner.invoke(args=["crm", "import-agencies", str(bad)])
    assert result.exit_code == 1
    for text in ("parent 'zz'", "unknown kind 'spaceship'", "checked must be a date", "XX"):
        assert text in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Organization)) == 0


def test_dry_run_writes_nothing(db):
    result = import_agencies(None, actor=None, now=NOW, dry_run=True)
    assert result.ok and result.created > 100
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Organization)) == 0


def test_a_refresh_changes_only_what_the_file_changed(db, tmp_path):
    path = tmp_path / "agencies.yaml"
    path.write_text(
        "federal:\n  - {key: dol, name: Department of Labor, kind: federal_agency,"
        " website: 'https://www.dol.gov', checked: 2026-11-30}\n"
    )
    import_agencies(path, actor=None, now=NOW)
    path.write_text(
        "federal:\n  - {key: dol, name: U.S. Department of Labor, kind: federal_agency,"
        " website: 'https://www.dol.gov', checked: 2026-12-01}\n"
    )
    result = import_agencies(path, actor=UserFactory(role="admin"), now=NOW)
    assert result.updated == 1 and result.changes == ["update dol: checked_on, name"]
    org = db.session.scalars(sa.select(Organization)).one()
    assert org.name == "U.S. Department of Labor" and org.checked_on == date(2026, 12, 1)


def test_program_pages_load_onto_the_conrad_30_programs(db, tmp_path):
    path = tmp_path / "agencies.yaml"
    path.write_text(
        "states:\n"
        "  TX: {health: [Texas DSHS, 'https://www.dshs.texas.gov'], board: [TMB, 'https://tmb.gov'],"
        " program: 'https://www.dshs.texas.gov/conrad-30', checked: 2026-12-01}\n"
        "  OK: {health: [OSDH, 'https://oklahoma.gov/health.html'], board: [OBML, null],"
        " checked: null}\n",
        encoding="utf-8",
    )
    result = import_agencies(path, actor=None, now=NOW)
    assert result.ok, result.problems
    programs = {
        o.external_id: o
        for o in db.session.scalars(
            sa.select(Organization).where(Organization.kind == "state_program")
        )
    }
    tx, ok = programs["agency:tx-conrad30"], programs["agency:ok-conrad30"]
    assert tx.website == "https://www.dshs.texas.gov/conrad-30"
    assert tx.checked_on == date(2026, 12, 1) and tx.parent.website == "https://www.dshs.texas.gov"
    assert ok.website is None and ok.checked_on is None

    # A bad program address is a problem of that state, and nothing is written.
    path.write_text(
        "states:\n"
        "  TX: {health: [A, null], board: [B, null], program: 'not a url', checked: null}\n",
        encoding="utf-8",
    )
    bad = import_agencies(path, actor=None, now=NOW)
    assert not bad.ok and any("tx-conrad30" in p for p in bad.problems)


def test_the_starter_directory_dates_and_program_pages_are_real():
    raw = yaml.safe_load(DEFAULT_PATH.read_text(encoding="utf-8"))
    rows = list(raw["federal"]) + list(raw["states"].values())
    # `checked` is a real calendar date (YAML turns 2026-02-30 into a string) or null.
    assert all(r["checked"] is None or type(r["checked"]) is date for r in rows)
    entries, problems = read_agency_file(DEFAULT_PATH)
    assert problems == []
    by_key = {e.key: e for e in entries}
    for code, state in raw["states"].items():
        program = by_key[f"{code.lower()}-conrad30"]
        assert program.website == state.get("program")
        assert program.checked_on == state["checked"]
    assert sum(1 for s in raw["states"].values() if s.get("program")) >= 9
