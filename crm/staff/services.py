"""Staff roles by hand (coordinators): add a staffer to an office with a portfolio and a start
date, end a role (kept in the history), move a staffer (the old role ends, the new one starts,
in one transaction).

The importers (Congress, Open States) never write staff roles: a hand-entered role is not
refreshed, overwritten or removed by a re-import (tests/staff/test_staff_roles.py runs one)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from crm import audit
from crm.errors import DomainError, NotAllowed
from crm.extensions import db
from crm.models import Organization, Person, StaffRole, User

FIELDS = ("staff_id", "organization_id", "employer_id", "title", "portfolio", "start_date")


def require_coordinator(actor: User) -> None:
    """Raise NotAllowed unless the actor is a coordinator."""
    if not actor.is_coordinator:
        raise NotAllowed("Only coordinators change staff roles.")


@dataclass
class RoleData:
    """A staff role's fields as the forms submit them."""

    staff_id: int | None
    organization_id: int | None
    title: str | None = None
    portfolio: str | None = None
    start_date: date | None = None


def get_role(role_id: int, viewer: User) -> StaffRole:
    """The staff role with this id; LookupError when missing or its staffer is deleted."""
    role = db.session.get(
        StaffRole,
        role_id,
        options=[joinedload(StaffRole.staff), joinedload(StaffRole.organization)],
    )
    if role is None or role.staff.deleted_at is not None:
        raise LookupError(role_id)
    return role


def office_choices() -> list[tuple[int, str]]:
    """Offices a staffer can work for: every listed organization, legislators' offices too."""
    rows = db.session.execute(
        Organization.listed()
        .with_only_columns(Organization.id, Organization.name, Organization.jurisdiction)
        .order_by(Organization.jurisdiction != "US", Organization.jurisdiction, Organization.name)
    ).all()
    return [(i, f"{name} ({j})") for i, name, j in rows]


def staffer_choices() -> list[tuple[int, str]]:
    """People who can hold a staff role: staff, agency officials and others (not legislators)."""
    rows = db.session.execute(
        sa.select(Person.id, Person.full_name, Person.state)
        .where(Person.deleted_at.is_(None), Person.kind != "legislator")
        .order_by(Person.sort_name)
    ).all()
    return [(i, f"{name} ({state})" if state else name) for i, name, state in rows]


def office_holder(org: Organization) -> int | None:
    """The legislator a legislator's office belongs to (the role's employer), if exactly one
    in office sits there."""
    if org.kind != "legislative_office":
        return None
    ids = db.session.scalars(
        sa.select(Person.id).where(
            Person.organization_id == org.id,
            Person.kind == "legislator",
            Person.in_office.is_(True),
            Person.deleted_at.is_(None),
        )
    ).all()
    return ids[0] if len(ids) == 1 else None


def checked(data: RoleData) -> tuple[Person, Organization]:
    """The staffer and office the role names; DomainError when either cannot take the role."""
    staff = db.session.get(Person, data.staff_id) if data.staff_id else None
    if staff is None or staff.deleted_at is not None:
        raise DomainError("Choose the staffer.", field="staff_id")
    if staff.kind == "legislator":
        raise DomainError("A legislator is not a staffer.", field="staff_id")
    org = db.session.get(Organization, data.organization_id) if data.organization_id else None
    if org is None or org.deleted_at is not None or org.retired_at is not None:
        raise DomainError("Choose the office.", field="organization_id")
    return staff, org


def new_role(data: RoleData, staff: Person, org: Organization) -> StaffRole:
    """A new staff role in the session, its employer the office's legislator if any."""
    role = StaffRole(
        staff_id=staff.id,
        organization_id=org.id,
        employer_id=office_holder(org),
        title=(data.title or "").strip() or None,
        portfolio=(data.portfolio or "").strip() or None,
        start_date=data.start_date,
    )
    db.session.add(role)
    db.session.flush()
    return role


def record(actor: User, action: str, role: StaffRole, now: datetime, **extra) -> None:
    """Audited on the staffer, so the role's story is on their history."""
    after = {**audit.snapshot(role, FIELDS), "end_date": role.end_date, **extra}
    after = {k: v.isoformat() if isinstance(v, date) else v for k, v in after.items()}
    audit.record(actor, action, role.staff, after=after, now=now)


def add_role(actor: User, data: RoleData, now: datetime) -> StaffRole:
    """A staffer starts working for an office."""
    require_coordinator(actor)
    staff, org = checked(data)
    current = db.session.scalar(
        sa.select(StaffRole.id).where(
            StaffRole.staff_id == staff.id,
            StaffRole.organization_id == org.id,
            StaffRole.end_date.is_(None),
        )
    )
    if current:
        raise DomainError(
            f"{staff.full_name} already works for {org.name}: end or move that role.",
            field="organization_id",
        )
    role = new_role(data, staff, org)
    record(actor, "add_role", role, now)
    db.session.commit()
    return role


def end_role(actor: User, role: StaffRole, end_date: date | None, now: datetime) -> None:
    """The staffer left the office on end_date; the role stays in the history."""
    require_coordinator(actor)
    close(role, end_date)
    record(actor, "end_role", role, now)
    db.session.commit()


def close(role: StaffRole, end_date: date | None) -> None:
    """End the role on this date; DomainError if already ended, undated or before its start."""
    if role.end_date is not None:
        raise DomainError("This role has ended already.", field="end_date")
    if end_date is None:
        raise DomainError("Give the date the role ended.", field="end_date")
    if role.start_date and end_date < role.start_date:
        raise DomainError("A role cannot end before it started.", field="end_date")
    role.end_date = end_date


def move_staffer(
    actor: User, role: StaffRole, data: RoleData, on: date | None, now: datetime
) -> StaffRole:
    """The staffer moves: the old role ends the day the new one starts, both in one commit."""
    require_coordinator(actor)
    if on is None:
        raise DomainError("Give the date of the move.", field="start_date")
    data.staff_id = role.staff_id
    data.start_date = on
    staff, org = checked(data)
    if (
        org.id == role.organization_id
        and (data.title or None) == role.title
        and (data.portfolio or None) == role.portfolio
    ):
        raise DomainError("Choose another office, title or portfolio.", field="organization_id")
    close(role, on)
    moved = new_role(data, staff, org)
    record(
        actor, "move_role", moved, now, from_role=role.id, from_organization_id=role.organization_id
    )
    db.session.commit()
    return moved
