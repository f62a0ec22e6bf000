"""What happened: a record's history, the admin audit log, and the trash of deleted records."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from crm import clock
from crm.errors import DomainError, NotAllowed
from crm.extensions import db
from crm.history.words import NOUNS, VERBS, Entry, describe
from crm.models import (
    Assignment,
    AuditEntry,
    Campaign,
    Interaction,
    Person,
    Position,
    User,
    interaction_people,
)

PER_PAGE = 50


# ---- who may read which rows ----


def visible_interaction_ids(viewer: User):
    """The ids of the contacts the viewer may see, as a select; None when they see them all
    (coordinators and admins, deleted ones included: they restore them)."""
    if viewer.is_coordinator:
        return None
    return Interaction.visible_to(viewer).with_only_columns(Interaction.id)


def visible_rows(viewer: User):
    """The audit rows the viewer may read: a private contact's rows, and those of positions
    stated in it, reach only its audience; deleted assignments only coordinators."""
    if viewer.is_coordinator:
        return sa.true()
    contacts = visible_interaction_ids(viewer)
    positions = sa.select(Position.id).where(Position.counts_for(viewer))
    assignments = sa.select(Assignment.id).where(
        Assignment.deleted_at.is_(None), Assignment.readable_by(viewer)
    )
    return sa.or_(
        AuditEntry.entity_type.not_in(("interactions", "positions", "assignments")),
        sa.and_(AuditEntry.entity_type == "interactions", AuditEntry.entity_id.in_(contacts)),
        sa.and_(AuditEntry.entity_type == "positions", AuditEntry.entity_id.in_(positions)),
        sa.and_(AuditEntry.entity_type == "assignments", AuditEntry.entity_id.in_(assignments)),
    )


def about(table: str, ids) -> sa.Select:
    """The ids of the audit rows of these records (read from the (entity_type, entity_id)
    index)."""
    return sa.select(AuditEntry.id).where(
        AuditEntry.entity_type == table, AuditEntry.entity_id.in_(ids)
    )


def rows_about(*parts: sa.Select) -> sa.Select:
    """Audit rows of several sets of records. A UNION of index lookups, not an OR: with OR,
    PostgreSQL reads every row of each kind of record and filters them."""
    return sa.select(AuditEntry).where(AuditEntry.id.in_(sa.union_all(*parts)))


# ---- a record's history ----


@dataclass
class Page:
    """One page of history entries, and whether there are pages after and before it."""

    entries: list[Entry]
    page: int
    has_next: bool

    @property
    def has_prev(self) -> bool:
        """True when there is a page before this one."""
        return self.page > 1


def read_page(stmt, viewer: User, page: int, per_page: int = PER_PAGE) -> Page:
    """Newest first, one page (one row more tells whether there is a next page)."""
    rows = list(
        db.session.scalars(
            stmt.where(visible_rows(viewer))
            .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
            .limit(per_page + 1)
            .offset((page - 1) * per_page)
        )
    )
    entries = describe(
        rows[:per_page], tz=viewer.timezone, visible_interactions=visible_interaction_ids(viewer)
    )
    return Page(entries, page, len(rows) > per_page)


def person_history(person: Person, viewer: User, page: int = 1) -> Page:
    """Changes to the person, and to the contacts, positions and assignments about them."""
    contacts = sa.select(interaction_people.c.interaction_id).where(
        interaction_people.c.person_id == person.id
    )
    stmt = rows_about(
        about("people", [person.id]),
        about("interactions", contacts),
        about("positions", sa.select(Position.id).where(Position.person_id == person.id)),
        about("assignments", sa.select(Assignment.id).where(Assignment.person_id == person.id)),
    )
    return read_page(stmt, viewer, page)


def interaction_history(interaction: Interaction, viewer: User, page: int = 1) -> Page:
    """Changes to the contact, to the positions stated in it and to the follow-ups it made."""
    stated = sa.select(Position.id).where(Position.interaction_id == interaction.id)
    follow_ups = sa.select(Assignment.id).where(Assignment.from_interaction_id == interaction.id)
    stmt = rows_about(
        about("interactions", [interaction.id]),
        about("positions", stated),
        about("assignments", follow_ups),
    )
    return read_page(stmt, viewer, page)


def assignment_history(assignment: Assignment, viewer: User, page: int = 1) -> Page:
    """Who changed the assignment and how."""
    stmt = sa.select(AuditEntry).where(
        AuditEntry.entity_type == "assignments", AuditEntry.entity_id == assignment.id
    )
    return read_page(stmt, viewer, page)


# ---- the admin audit log ----

FIRST_YEAR, LAST_YEAR = 1990, 2100
SYSTEM = 0  # the actor filter's value for rows no member made (jobs, imports)
ACTIONS = {k: v[:1].upper() + v[1:] for k, v in VERBS.items()}
KINDS = {table: plural for table, (_, plural) in NOUNS.items()}


@dataclass
class AuditFilter:
    """The admin page's filters, parsed from the query string; bad values are reported."""

    actor: int | None = None
    kind: str | None = None
    action: str | None = None
    start: date | None = None
    end: date | None = None
    record: int | None = None
    errors: dict[str, str] = field(default_factory=dict)
    raw: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_args(cls, args) -> AuditFilter:
        """The filter from the history page's query, with an error per field it could not read."""
        names = ("actor", "kind", "action", "start", "end", "record")
        raw = {k: (args.get(k) or "").strip()[:40] for k in names}
        flt = cls(raw=raw)
        for key in ("actor", "record"):
            if raw[key]:
                if raw[key].isascii() and raw[key].isdigit() and len(raw[key]) < 10:
                    setattr(flt, key, int(raw[key]))
                else:
                    flt.errors[key] = "Give a whole number."
        if raw["kind"]:
            if raw["kind"] in KINDS:
                flt.kind = raw["kind"]
            else:
                flt.errors["kind"] = "Choose a kind of record from the list."
        if raw["action"]:
            if raw["action"] in ACTIONS:
                flt.action = raw["action"]
            else:
                flt.errors["action"] = "Choose an action from the list."
        for key in ("start", "end"):
            if raw[key]:
                try:
                    day = date.fromisoformat(raw[key])
                except ValueError:
                    flt.errors[key] = "Give a date like 2026-11-30."
                    continue
                # Far-off years would overflow when turned into local midnights.
                if not FIRST_YEAR <= day.year <= LAST_YEAR:
                    flt.errors[key] = f"Give a date between {FIRST_YEAR} and {LAST_YEAR}."
                else:
                    setattr(flt, key, day)
        if flt.start and flt.end and flt.start > flt.end:
            flt.errors["end"] = "The end date is before the start date."
        if flt.record is not None and flt.kind is None:
            flt.errors["record"] = "Choose the kind of record too."
        return flt

    def where(self, tz: str) -> list[sa.ColumnElement[bool]]:
        """The conditions on audit entries; dates are the viewer's days in this time zone."""
        out = []
        if self.actor == SYSTEM:
            out.append(AuditEntry.actor_id.is_(None))
        elif self.actor is not None:
            out.append(AuditEntry.actor_id == self.actor)
        if self.kind:
            out.append(AuditEntry.entity_type == self.kind)
        if self.action:
            out.append(AuditEntry.action == self.action)
        if self.record is not None:
            out.append(AuditEntry.entity_id == self.record)
        # Dates are the viewer's days: from local midnight to the next local midnight.
        if self.start:
            out.append(AuditEntry.at >= clock.from_local(datetime.combine(self.start, time()), tz))
        if self.end:
            day_after = datetime.combine(self.end + timedelta(days=1), time())
            out.append(AuditEntry.at < clock.from_local(day_after, tz))
        return out


def audit_log(viewer: User, flt: AuditFilter, page: int = 1) -> Page:
    """Every audit row (admins), filtered, newest first."""
    if not viewer.is_admin:
        raise NotAllowed("Only admins read the audit log.")
    stmt = sa.select(AuditEntry).where(*flt.where(viewer.timezone))
    return read_page(stmt, viewer, page)


def actor_choices() -> list[tuple[int, str]]:
    """(id, name) of every account, by name, for the history page's "who" filter."""
    return list(db.session.execute(sa.select(User.id, User.name).order_by(User.name)).tuples())


# ---- the trash ----

TRASHED = {
    "people": Person,
    "interactions": Interaction,
    "assignments": Assignment,
    "campaigns": Campaign,
}
TRASH_LIMIT = 200


@dataclass
class Trashed:
    """One deleted record in the trash: what it was, and when and by whom it was deleted."""

    kind: str
    id: int
    label: str
    detail: str
    deleted_at: datetime
    deleted_by: str


@dataclass
class TrashSection:
    """The trash's deleted records of one kind (some of them), and how many there are."""

    kind: str
    title: str
    items: list[Trashed]
    total: int


def trashed_label(kind: str, row) -> tuple[str, str]:
    """What a deleted record is called, and one line about it."""
    if kind == "people":
        return row.full_name, row.title or row.seat or ""
    if kind == "interactions":
        from crm.models import INTERACTION_KINDS

        kind_label = INTERACTION_KINDS.get(row.kind, "Contact")
        when = f"{kind_label} of {row.occurred_at:%b %-d, %Y}"
        who = ", ".join(p.full_name for p in row.people)
        detail = when + (f" with {who}" if who else "") + (" · private" if row.private else "")
        return row.subject or when, detail
    if kind == "assignments":
        return row.title, f"for {row.assignee.name}" if row.assignee else ""
    return row.name, ""


def trash(viewer: User) -> list[TrashSection]:
    """Soft-deleted people, contacts, assignments and campaigns, newest deletion first, with who
    deleted them (coordinators)."""
    if not viewer.is_coordinator:
        raise NotAllowed("Only coordinators see deleted records.")
    sections = []
    for kind, model in TRASHED.items():
        stmt = sa.select(model).where(model.deleted_at.is_not(None))
        if kind == "people":  # a merged duplicate is gone for good: its references moved
            stmt = stmt.where(Person.merged_into_id.is_(None))
        if kind == "assignments":
            stmt = stmt.options(joinedload(Assignment.assignee))
        if kind == "interactions":
            stmt = stmt.options(selectinload(Interaction.people))
        rows = list(
            db.session.scalars(stmt.order_by(model.deleted_at.desc(), model.id).limit(TRASH_LIMIT))
        )
        total = len(rows)
        if total == TRASH_LIMIT:
            total = db.session.scalar(stmt.with_only_columns(sa.func.count()).order_by(None))
        by = deleted_by(kind, [r.id for r in rows])
        items = []
        for r in rows:
            label, detail = trashed_label(kind, r)
            items.append(Trashed(kind, r.id, label, detail, r.deleted_at, by.get(r.id, "")))
        sections.append(TrashSection(kind, NOUNS[kind][1], items, total))
    return sections


def deleted_by(kind: str, ids: list[int]) -> dict[int, str]:
    """Who made the latest delete of each record (one statement)."""
    if not ids:
        return {}
    rows = db.session.execute(
        sa.select(AuditEntry.entity_id, User.name)
        .outerjoin(User, User.id == AuditEntry.actor_id)
        .where(
            AuditEntry.entity_type == kind,
            AuditEntry.entity_id.in_(ids),
            AuditEntry.action == "delete",
        )
        .order_by(AuditEntry.at, AuditEntry.id)
    )
    return {entity_id: name or "the CRM" for entity_id, name in rows}


def restore(actor: User, kind: str, record_id: int | None, now: datetime) -> str:
    """Bring back one deleted record through its own service (each audits it); returns its
    name."""
    if not actor.is_coordinator:
        raise NotAllowed("Only coordinators restore deleted records.")
    model = TRASHED.get(kind)
    row = db.session.get(model, record_id) if model and record_id else None
    if row is None or row.deleted_at is None or getattr(row, "merged_into_id", None):
        raise DomainError("That record is not in the trash (restored already?).")
    label = trashed_label(kind, row)[0]
    if kind == "people":
        from crm.people.services import restore_person

        restore_person(actor, row, now)
    elif kind == "interactions":
        from crm.interactions.services import restore_interaction

        restore_interaction(actor, row, now)
    elif kind == "assignments":
        from crm.assignments.services import restore_assignment

        restore_assignment(actor, row, now)
    else:
        from crm.campaigns.services import restore_campaign

        restore_campaign(actor, row, now)
    return label
