"""Merge two records of the same person: a field-by-field choice of the surviving values, then
everything that points at the other record (contacts, positions, assignments, staff roles,
committee seats, offices, events, and whatever a later feature adds) moves in one transaction;
the merged record stays as a redirect. And "not the same", remembered so imports stop asking."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from crm import audit
from crm.errors import DomainError, NotAllowed
from crm.extensions import db
from crm.models import NotDuplicate, Person, User

# The fields a person chooses between, with their labels.
FIELDS = {
    "first_name": "First name",
    "middle_name": "Middle name",
    "last_name": "Last name",
    "suffix": "Suffix",
    "nickname": "Goes by",
    "full_name": "Full name",
    "title": "Title",
    "organization_id": "Organization",
    "kind": "Kind",
    "level": "Level",
    "chamber": "Chamber",
    "state": "State",
    "district": "District",
    "party": "Party",
    "in_office": "In office",
    "email": "Email",
    "phone": "Phone",
    "website": "Website",
    "contact_form": "Contact form",
    "bioguide_id": "Bioguide id",
    "openstates_id": "Open States id",
    "tier": "Tier",
    "holder_id": "Relationship holder",
    "cadence_days": "Keep in touch every (days)",
    "notes": "Notes",
}
UNIQUE_FIELDS = ("bioguide_id", "openstates_id")


def require_coordinator(actor: User) -> None:
    """Raises NotAllowed unless the actor is a coordinator."""
    if not actor.is_coordinator:
        raise NotAllowed("Only coordinators merge records.")


@dataclass
class FieldChoice:
    """One field of a merge: its value on each of the two records."""

    key: str
    label: str
    a: object
    b: object

    @property
    def differs(self) -> bool:
        """True when the two records disagree on this field."""
        return self.a != self.b


def references() -> list[tuple[sa.Table, sa.Column]]:
    """Every column of every table that points at a person (read from the schema itself, so a
    table a later feature adds is moved too)."""
    out = []
    people = Person.__table__
    for table in db.metadata.sorted_tables:
        if table is people:
            continue
        for column in table.columns:
            if any(fk.column.table is people for fk in column.foreign_keys):
                out.append((table, column))
    return out


def preview(a: Person, b: Person) -> tuple[list[FieldChoice], dict[str, int]]:
    """The fields side by side, and how many rows of each kind would move from b to a."""
    fields = [FieldChoice(k, label, getattr(a, k), getattr(b, k)) for k, label in FIELDS.items()]
    counts = {}
    for table, column in references():
        n = db.session.scalar(sa.select(sa.func.count()).select_from(table).where(column == b.id))
        if n:
            counts[f"{table.name}.{column.name}"] = n
    return fields, counts


def unique_sets(table: sa.Table, column: sa.Column) -> list[list[sa.Column]]:
    """The other columns of each unique key (or primary key) the column is part of."""
    keys = [list(table.primary_key.columns)] + [
        list(c.columns) for c in table.constraints if isinstance(c, sa.UniqueConstraint)
    ]
    return [
        [c for c in cols if c is not column] for cols in keys if column in cols and len(cols) > 1
    ]


def merge_people(
    actor: User, survivor: Person, merged: Person, keep: dict[str, str], now: datetime
) -> Person:
    """Merge `merged` into `survivor`: keep[field] is "a" (the survivor's value, the default) or
    "b" (the merged record's). One transaction; audited; the merged record redirects."""
    require_coordinator(actor)
    if survivor.id == merged.id:
        raise DomainError("Choose two different records.")
    if merged.merged_into_id or survivor.merged_into_id:
        raise DomainError("One of these records was merged already.")
    before = {
        "survivor": audit.snapshot(survivor, tuple(FIELDS)),
        "merged": audit.snapshot(merged, tuple(FIELDS)),
    }
    values = {k: getattr(merged if keep.get(k) == "b" else survivor, k) for k in FIELDS}
    for key in UNIQUE_FIELDS:  # free the unique ids before the survivor takes one of them
        setattr(merged, key, None)
    db.session.flush()
    for key, value in values.items():
        setattr(survivor, key, value)
    moved = {}
    for table, column in references():
        for others in unique_sets(table, column):
            # Rows the survivor already has (the same contact, the same committee seat): the
            # merged record's copy goes rather than colliding.
            twin = table.alias("twin")
            match = [twin.c[column.name] == survivor.id] + [twin.c[c.name] == c for c in others]
            db.session.execute(table.delete().where(column == merged.id, sa.exists().where(*match)))
        result = db.session.execute(
            table.update().where(column == merged.id).values({column.name: survivor.id})
        )
        if result.rowcount:
            moved[f"{table.name}.{column.name}"] = result.rowcount
    if merged.last_contacted_at and (
        survivor.last_contacted_at is None or survivor.last_contacted_at < merged.last_contacted_at
    ):
        survivor.last_contacted_at = merged.last_contacted_at
        survivor.last_contacted_by_id = merged.last_contacted_by_id
    survivor.full_name = survivor.full_name or ""
    survivor.set_names()
    merged.merged_into_id = survivor.id
    merged.deleted_at = now
    audit.record(
        actor,
        "merge",
        survivor,
        before,
        {"kept": values, "moved": moved, "merged_id": merged.id},
        now,
    )
    audit.record(actor, "merged", merged, None, {"into": survivor.id}, now)
    db.session.commit()
    return survivor


def mark_not_duplicate(actor: User, person: Person, other_key: str, now: datetime) -> None:
    """Remember that an imported record (by its source key) is not this person."""
    require_coordinator(actor)
    exists = db.session.scalar(
        sa.select(NotDuplicate.id).where(
            NotDuplicate.person_id == person.id, NotDuplicate.other_key == other_key
        )
    )
    if not exists:
        db.session.add(
            NotDuplicate(
                person_id=person.id,
                other_key=other_key[:120],
                decided_by_id=actor.id,
                decided_at=now,
            )
        )
        audit.record(actor, "not duplicate", person, after={"other": other_key}, now=now)
        db.session.commit()


def not_duplicates() -> set[tuple[int, str]]:
    """(person id, other key) of every pair marked as not duplicates."""
    return set(db.session.execute(sa.select(NotDuplicate.person_id, NotDuplicate.other_key)))


def likely_duplicates(person: Person, limit: int = 5) -> list[Person]:
    """Others with the same last name in the same state (a start for a coordinator's choice)."""
    return list(
        db.session.scalars(
            sa.select(Person)
            .where(
                Person.id != person.id,
                Person.deleted_at.is_(None),
                sa.func.lower(Person.last_name) == (person.last_name or "").lower(),
                Person.state == person.state if person.state else sa.true(),
            )
            .order_by(Person.sort_name)
            .limit(limit)
        )
    )
