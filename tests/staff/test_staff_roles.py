"""Staff roles by hand: add a staffer to an office with a portfolio and a start date, end a role
(kept in the history), move a staffer (one role ends, one starts, in one transaction); and the
importers' refreshes leave hand-entered roles as they are."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from crm.errors import DomainError
from crm.imports import services as imports
from crm.models import AuditEntry, Organization, Person, StaffRole
from crm.staff import services
from crm.staff.services import RoleData
from tests.factories import OrganizationFactory, PersonFactory
from tests.imports.conftest import AS_OF, small_congress, small_openstates

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def roles_of(person_id: int) -> list[tuple]:
    return [
        (r.organization_id, r.title, r.portfolio, r.start_date, r.end_date)
        for r in sessions_roles(person_id)
    ]


def sessions_roles(person_id: int) -> list[StaffRole]:
    from crm.extensions import db

    db.session.expire_all()
    return list(
        db.session.scalars(
            sa.select(StaffRole).where(StaffRole.staff_id == person_id).order_by(StaffRole.id)
        )
    )


def test_add_end_and_move_keep_the_history(db, coordinator):
    uscis = OrganizationFactory(name="USCIS")
    dol = OrganizationFactory(name="DOL Office of Foreign Labor Certification")
    staffer = PersonFactory(kind="official", last_name="Ruiz")
    role = services.add_role(
        coordinator,
        RoleData(staffer.id, uscis.id, "Policy advisor", "waivers", date(2025, 3, 1)),
        NOW,
    )
    with pytest.raises(DomainError, match="already works for USCIS"):
        services.add_role(coordinator, RoleData(staffer.id, uscis.id), NOW)
    moved = services.move_staffer(
        coordinator, role, RoleData(None, dol.id, "Director", "H-1B"), date(2026, 6, 1), NOW
    )
    assert roles_of(staffer.id) == [
        (uscis.id, "Policy advisor", "waivers", date(2025, 3, 1), date(2026, 6, 1)),
        (dol.id, "Director", "H-1B", date(2026, 6, 1), None),
    ]
    with pytest.raises(DomainError, match="cannot end before"):
        services.end_role(coordinator, moved, date(2026, 5, 1), NOW)
    services.end_role(coordinator, moved, date(2026, 11, 30), NOW)
    with pytest.raises(DomainError, match="ended already"):
        services.end_role(coordinator, moved, date(2026, 12, 1), NOW)
    assert roles_of(staffer.id)[-1][-1] == date(2026, 11, 30)
    actions = db.session.scalars(
        sa.select(AuditEntry.action)
        .where(AuditEntry.entity_type == "people", AuditEntry.entity_id == staffer.id)
        .order_by(AuditEntry.id)
    ).all()
    assert actions == ["add_role", "move_role", "end_role"]


def test_a_refused_move_changes_nothing(db, coordinator):
    uscis = OrganizationFactory(name="USCIS")
    retired = OrganizationFactory(name="Closed office", retired_at=NOW)
    staffer = PersonFactory(kind="staff")
    role = services.add_role(
        coordinator, RoleData(staffer.id, uscis.id, start_date=date(2026, 1, 5)), NOW
    )
    for office, on in (
        (retired.id, date(2026, 6, 1)),
        (OrganizationFactory().id, date(2025, 1, 1)),
    ):
        with pytest.raises(DomainError):
            services.move_staffer(coordinator, role, RoleData(None, office), on, NOW)
        db.session.rollback()
    assert roles_of(staffer.id) == [(uscis.id, None, None, date(2026, 1, 5), None)]


def test_a_legislators_office_makes_the_legislator_the_employer(db, coordinator):
    office = OrganizationFactory(name="Office of Sen. Marsh", kind="legislative_office")
    senator = PersonFactory(organization=office, last_name="Marsh")
    staffer = PersonFactory(kind="staff")
    role = services.add_role(coordinator, RoleData(staffer.id, office.id, "Health LA"), NOW)
    assert role.employer_id == senator.id
    with pytest.raises(DomainError, match="not a staffer"):
        services.add_role(coordinator, RoleData(senator.id, office.id), NOW)


def test_the_forms(db, as_coordinator, client, auth):
    office = OrganizationFactory(name="HHS HRSA")
    staffer = PersonFactory(kind="official", last_name="Okafor")
    page = client.get(f"/staff/new?person={staffer.id}").get_data(as_text=True)
    assert f'<option selected value="{staffer.id}">' in page
    resp = auth.post("/staff/new", {"staff_id": staffer.id, "organization_id": ""})
    assert resp.status_code == 422 and "Choose the office." in resp.get_data(as_text=True)
    resp = auth.post(
        "/staff/new",
        {
            "staff_id": staffer.id,
            "organization_id": office.id,
            "portfolio": "workforce",
            "start_date": "2026-02-01",
            "from": "org",
        },
    )
    assert resp.headers["Location"] == f"/organizations/{office.id}"
    role = sessions_roles(staffer.id)[0]
    shown = client.get(f"/organizations/{office.id}").get_data(as_text=True)
    assert "Okafor" in shown and f"/staff/{role.id}/end?from=org" in shown
    resp = auth.post(f"/staff/{role.id}/end", {"end_date": "2026-01-01"})
    assert resp.status_code == 422
    assert "A role cannot end before it started." in resp.get_data(as_text=True)
    resp = auth.post(f"/staff/{role.id}/move", {"organization_id": office.id, "start_date": ""})
    assert resp.status_code == 422 and "Give the date of the move." in resp.get_data(as_text=True)
    person_page = client.get(f"/people/{staffer.id}").get_data(as_text=True)
    assert f"/staff/{role.id}/move" in person_page and "since Feb" in person_page
    history = client.get(f"/people/{staffer.id}/history").get_data(as_text=True)
    assert "added a staff role for" in history and "HHS HRSA" in history


def test_refreshing_an_import_leaves_hand_entered_roles_alone(db, coordinator, tmp_path):
    """The importers write people, offices and committee seats, never staff roles: a refresh
    keeps a role entered by hand (ended or current), and the role keeps its office."""
    congress = small_congress(tmp_path / "congress", ("C001056", "K000367"))
    imports.run_import("congress", str(congress), actor=None, now=NOW, as_of=AS_OF)
    states = small_openstates(tmp_path, "tn", people=2)
    imports.run_import("openstates", str(states), actor=None, now=NOW)
    senator = db.session.scalar(sa.select(Person).where(Person.bioguide_id == "C001056"))
    state_rep = db.session.scalar(sa.select(Person).where(Person.openstates_id.is_not(None)))
    staffer = PersonFactory(kind="staff", last_name="Handentered")
    first = services.add_role(
        coordinator,
        RoleData(staffer.id, senator.organization_id, "Counsel", "immigration", date(2024, 1, 2)),
        NOW,
    )
    services.move_staffer(
        coordinator,
        first,
        RoleData(None, state_rep.organization_id, "Chief"),
        date(2026, 1, 1),
        NOW,
    )
    before = roles_of(staffer.id)
    assert sessions_roles(staffer.id)[0].employer_id == senator.id
    imports.run_import("congress", str(congress), actor=None, now=NOW, as_of=AS_OF)
    imports.run_import("openstates", str(states), actor=None, now=NOW)
    assert roles_of(staffer.id) == before
    assert [r.employer_id for r in sessions_roles(staffer.id)] == [senator.id, state_rep.id]
    for org_id in (senator.organization_id, state_rep.organization_id):
        assert db.session.get(Organization, org_id).deleted_at is None
