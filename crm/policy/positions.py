"""Positions: what each person told the coalition about an issue or a bill.

Positions are append-only. The current-position rule has ONE definition, `current_positions()`:
for each (person, issue or bill), the latest row by (recorded_at, id) among the rows that count
for the viewer. A row counts unless the interaction it came from is soft-deleted (restoring the
interaction brings it back) or is a private contact outside the viewer's audience
(Position.counts_for): for that viewer the current position is the latest one they may see. The
whip board, the directory's "position on an issue" filter, the person page, the digests and the
campaigns' target builder all read it from here, each with its viewer.

A position stated in a logged contact is dated when the contact happened, so a meeting logged
late never overrides a newer stance; a position recorded directly is dated when it is recorded.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import aliased, joinedload
from sqlalchemy.sql import Select
from sqlalchemy.sql.selectable import Subquery

from crm import audit
from crm.errors import DomainError, NotAllowed
from crm.extensions import db
from crm.ids import parse_id
from crm.models import STANCES, Bill, Interaction, Issue, Person, Position, User

COMMITMENT_STATUSES = {"pending": "Pending", "kept": "Kept", "broken": "Not kept"}
AUDITED = (
    "person_id",
    "issue_id",
    "bill_id",
    "stance",
    "commitment",
    "commitment_status",
    "notes",
    "interaction_id",
    "recorded_at",
)


@dataclass(frozen=True)
class Subject:
    """What a position is about: an issue or a bill."""

    kind: str  # "issue" or "bill"
    id: int

    @classmethod
    def parse(cls, token: str | None) -> Subject | None:
        """ "i12" is issue 12, "b3" is bill 3 (the form and URL encoding)."""
        token = (token or "").strip()
        number = parse_id(token[1:]) if token[:1] in ("i", "b") else None
        if number is None:  # "i²" is not an issue: its digit is not ASCII
            return None
        return cls("issue" if token[0] == "i" else "bill", number)

    @property
    def token(self) -> str:
        """The subject as a short token, e.g. "i12" or "b3"."""
        return f"{self.kind[0]}{self.id}"

    @property
    def column(self):
        """The Position column that points at this kind of subject."""
        return Position.issue_id if self.kind == "issue" else Position.bill_id

    def load(self) -> Issue | Bill | None:
        """The issue or bill, or None when it does not exist."""
        return db.session.get(Issue if self.kind == "issue" else Bill, self.id)


def stated_order(descending: bool = True) -> tuple:
    """The order that decides which position is the latest: when stated, then row id."""
    if descending:
        return Position.recorded_at.desc(), Position.id.desc()
    return Position.recorded_at.asc(), Position.id.asc()


def counting(stmt: Select, viewer: User | None) -> Select:
    """Restrict a select over positions to the rows that count for the viewer (not from a
    deleted contact, nor from a private one outside the viewer's audience)."""
    return stmt.where(Position.counts_for(viewer))


def current_positions(
    subject: Subject | None = None,
    person_ids=None,
    as_of: datetime | None = None,
    *,
    viewer: User | None,
) -> Subquery:
    """The current position per (person, issue or bill) for the viewer: one row each, as a
    subquery.

    `person_ids` may be a list or a select of ids (e.g. the whip board's targets); `as_of` gives
    the positions as they stood then. Works on SQLite (3.25+) and PostgreSQL: a row_number()
    window over the counting rows.
    """
    rank = sa.func.row_number().over(
        partition_by=(Position.person_id, Position.issue_id, Position.bill_id),
        order_by=stated_order(),
    )
    ranked = counting(
        sa.select(
            Position.id,
            Position.person_id,
            Position.issue_id,
            Position.bill_id,
            Position.stance,
            Position.commitment,
            Position.commitment_status,
            Position.recorded_at,
            Position.recorded_by_id,
            Position.interaction_id,
            rank.label("rank"),
        ),
        viewer,
    )
    if subject is not None:
        ranked = ranked.where(subject.column == subject.id)
    if person_ids is not None:
        ranked = ranked.where(Position.person_id.in_(person_ids))
    if as_of is not None:
        ranked = ranked.where(Position.recorded_at <= as_of)
    ranked = ranked.subquery("ranked_positions")
    columns = [c for c in ranked.c if c.key != "rank"]
    return sa.select(*columns).where(ranked.c.rank == 1).subquery("current_positions")


def stance_changes(
    subject: Subject, person_ids, since: datetime | None = None, *, viewer: User | None
) -> list[sa.Row]:
    """The counting positions of these people on the subject that changed their stance (a first
    position counts as a change), oldest first, after `since` if given: what the whip board's
    weekly chart replays on top of current_positions(as_of=since)."""
    previous = sa.func.lag(Position.stance).over(
        partition_by=Position.person_id, order_by=stated_order(descending=False)
    )
    inner = counting(
        sa.select(
            Position.person_id,
            Position.recorded_at,
            Position.stance,
            previous.label("previous"),
            Position.id,
        ).where(subject.column == subject.id, Position.person_id.in_(person_ids)),
        viewer,
    ).subquery("changes")
    stmt = (
        sa.select(inner.c.person_id, inner.c.recorded_at, inner.c.stance)
        .where(sa.or_(inner.c.previous.is_(None), inner.c.previous != inner.c.stance))
        .order_by(inner.c.recorded_at, inner.c.id)
    )
    if since is not None:
        stmt = stmt.where(inner.c.recorded_at > since)
    return list(db.session.execute(stmt))


# ---- recording ----


@dataclass
class PositionInput:
    """One stated position, as the quick log or the person page sends it."""

    person_id: int
    subject: Subject
    stance: str
    commitment: str | None = None
    notes: str | None = None


def add_position(
    actor: User, entry: PositionInput, now: datetime, interaction: Interaction | None = None
) -> Position:
    """Append a position to the current transaction (the caller commits)."""
    if entry.stance not in STANCES:
        raise DomainError("Choose a position.", field="stance")
    commitment = (entry.commitment or "").strip() or None
    if commitment and len(commitment) > 200:
        raise DomainError("Keep the commitment under 200 characters.", field="commitment")
    if interaction is not None:
        discussed = {Subject("issue", i.id) for i in interaction.issues} | {
            Subject("bill", b.id) for b in interaction.bills
        }
        check_stated([entry], {p.id for p in interaction.people}, discussed)
    else:
        if entry.subject.load() is None:
            raise DomainError("Choose an issue or bill.", field="subject")
        person = db.session.get(Person, entry.person_id)
        if person is None or person.deleted_at is not None:
            raise DomainError("That person no longer exists.", field="person")
    position = Position(
        person_id=entry.person_id,
        stance=entry.stance,
        commitment=commitment,
        commitment_status="pending" if commitment else None,
        notes=(entry.notes or "").strip() or None,
        recorded_by_id=actor.id,
        recorded_at=interaction.occurred_at if interaction is not None else now,
    )
    if interaction is not None:
        if interaction.id is None:
            db.session.flush()
        position.interaction_id = interaction.id
    setattr(position, f"{entry.subject.kind}_id", entry.subject.id)
    db.session.add(position)
    audit.record(actor, "create", position, after=audit.snapshot(position, AUDITED), now=now)
    return position


def record_position(actor: User, entry: PositionInput, now: datetime) -> Position:
    """Record a position directly (from the person page), not tied to a logged contact."""
    position = add_position(actor, entry, now)
    db.session.commit()
    return position


def mark_commitment(actor: User, position_id: int, status: str, now: datetime) -> Position:
    """A coordinator marks a commitment kept or not kept (or pending again).

    The one field of a position that changes after it is recorded; the change is audited.
    """
    if not actor.is_coordinator:
        raise NotAllowed("Only coordinators can mark commitments.")
    if status not in COMMITMENT_STATUSES:
        raise DomainError("Choose kept, not kept or pending.", field="status")
    position = db.session.get(Position, position_id)
    if position is None:
        raise LookupError(position_id)
    if not position.commitment:
        raise DomainError("This position has no commitment to mark.", field="status")
    before = {"commitment_status": position.commitment_status}
    position.commitment_status = status
    audit.record(actor, "update", position, before, {"commitment_status": status}, now)
    db.session.commit()
    return position


# ---- reading ----


@dataclass(slots=True)
class SubjectRef:
    """An issue or bill as a person's positions name it: the id its link needs, the issue's
    name or the bill's label, and what the page sorts by (subject_ref)."""

    id: int
    name: str
    label: str
    sort_label: str


@dataclass(slots=True)
class PositionRow:
    """A position as the person page and the brief show it: the columns read, not the ORM
    object; `person` is the person the page is about (a commitment form names them)."""

    id: int
    person: Person
    subject: SubjectRef
    stance: str
    commitment: str | None
    commitment_status: str | None
    notes: str | None
    recorded_by_name: str | None
    recorded_at: datetime
    interaction_id: int | None
    is_current: bool


@dataclass
class PositionHistory:
    """One issue or bill on a person's page: the current position first, then the older ones."""

    subject: SubjectRef
    kind: str
    rows: list[PositionRow] = field(default_factory=list)

    @property
    def current(self) -> PositionRow | None:
        """The position that stands now, or None."""
        return self.rows[0] if self.rows and self.rows[0].is_current else None


def person_position_selects(person_id: int, viewer: User | None) -> list[sa.Select]:
    """A person's positions the viewer may see (counting), as rows (kind, id, subject_id,
    subject_name, jurisdiction, session, subject_title, stance, commitment, commitment_status,
    notes, recorded_by_name, recorded_at, interaction_id, rank): kind "issue" or "bill", the
    subject's name (an issue's) or number (a bill's), and rank 1 for the latest of each subject
    in stated_order, the one current_positions() picks. For position_histories, or a UNION ALL
    with more of a page's rows."""
    by = aliased(User)
    none = sa.cast(sa.null(), sa.String)
    rank = sa.func.row_number().over(
        partition_by=(Position.issue_id, Position.bill_id), order_by=stated_order()
    )

    def part(kind, model, subject_id, name, jurisdiction, session, title):
        return counting(
            sa.select(
                sa.literal(kind).label("kind"),
                Position.id,
                subject_id.label("subject_id"),
                name.label("subject_name"),
                jurisdiction.label("jurisdiction"),
                session.label("session"),
                title.label("subject_title"),
                Position.stance,
                Position.commitment,
                Position.commitment_status,
                Position.notes,
                by.name.label("recorded_by_name"),
                Position.recorded_at,
                Position.interaction_id,
                rank.label("rank"),
            )
            .join(model, model.id == subject_id)
            .outerjoin(by, by.id == Position.recorded_by_id)
            .where(Position.person_id == person_id),
            viewer,
        )

    return [
        part("issue", Issue, Position.issue_id, Issue.name, none, none, none),
        part(
            "bill", Bill, Position.bill_id, Bill.number, Bill.jurisdiction, Bill.session, Bill.title
        ),
    ]


def position_histories(rows, person) -> list[PositionHistory]:
    """person_position_selects() rows, in any order, grouped by issue or bill (issues first,
    then by subject_ref's sort label), each newest first; `person` is who they are of."""
    groups: dict[tuple[str, int], PositionHistory] = {}
    for row in sorted(rows, key=lambda r: r[-1]):
        kind, id_, subject_id, name, jurisdiction, session, title, *shown, rank = row
        key = (kind, subject_id)
        if key not in groups:
            subject = subject_ref(kind, subject_id, name, jurisdiction, session, title)
            groups[key] = PositionHistory(subject, kind)
        groups[key].rows.append(PositionRow(id_, person, groups[key].subject, *shown, rank == 1))
    return sorted(groups.values(), key=lambda g: (g.kind != "issue", g.subject.sort_label))


def person_positions(person_id: int, viewer: User | None) -> list[PositionHistory]:
    """A person's positions the viewer may see, grouped by issue or bill, each newest first:
    one query, and the person's unless loaded (person_position_selects; the person page reads
    them inside its own statement)."""
    rows = db.session.execute(sa.union_all(*person_position_selects(person_id, viewer)))
    return position_histories(rows, db.session.get(Person, person_id))


def interaction_positions(interaction_id: int, viewer: User) -> list[Position]:
    """The positions stated in one contact (its page lists them), if the viewer may see it."""
    return list(
        db.session.scalars(
            Position.visible_to(viewer)
            .where(Position.interaction_id == interaction_id)
            .options(
                joinedload(Position.person), joinedload(Position.issue), joinedload(Position.bill)
            )
            .order_by(Position.id)
        )
    )


def subject_ref(kind: str, id_: int, name: str, jurisdiction, session, title) -> SubjectRef:
    """A position's subject: an issue by its name, a bill (name its number) by its label,
    sorted by the issue's name or the bill's label and title."""
    if kind == "issue":
        return SubjectRef(id_, name, name, name)
    label = Bill.label_of(jurisdiction, name, session)
    return SubjectRef(id_, name, label, f"{label}: {title}")


# The position forms' order: issues by name, then U.S. bills before the states', the newest
# session first (a UNION ALL of subject_selects() with more rows of other k keeps it).
SUBJECT_ORDER = "k, not_us, session DESC, name"


def subject_selects() -> list[sa.Select]:
    """Active issues and the bills as rows (k, id, name, jurisdiction, session, not_us, flag):
    k 0 for an issue, 1 for a bill, flag false; for subject_choices, or a UNION ALL (ordered by
    SUBJECT_ORDER) with more of a page's lists under other k."""
    none = sa.cast(sa.null(), sa.String)
    issues = sa.select(
        sa.literal(0).label("k"),
        Issue.id,
        Issue.name.label("name"),
        none.label("jurisdiction"),
        none.label("session"),
        sa.literal(False).label("not_us"),
        sa.literal(False).label("flag"),
    ).where(Issue.active.is_(True))
    bills = sa.select(
        sa.literal(1),
        Bill.id,
        Bill.number,
        Bill.jurisdiction,
        Bill.session,
        Bill.jurisdiction != "US",
        sa.literal(False),
    )
    return [issues, bills]


def subject_choices(rows=None) -> list[tuple[str, str]]:
    """Active issues, then bills, as (token, label) for the position forms: one query, or from
    `rows` of subject_selects() read in SUBJECT_ORDER with other lists (other k are skipped)."""
    if rows is None:
        rows = db.session.execute(sa.union_all(*subject_selects()).order_by(sa.text(SUBJECT_ORDER)))
    return [
        (f"i{id_}", name) if k == 0 else (f"b{id_}", Bill.label_of(jurisdiction, name, session))
        for k, id_, name, jurisdiction, session, _not_us, _flag in rows
        if k in (0, 1)
    ]


def has_position_on_issue(issue_id: int, stances, viewer: User | None) -> sa.ColumnElement[bool]:
    """A condition on Person: their current position on the issue, as the viewer may see it,
    is one of `stances`.

    Someone with no position row, or whose every row came from deleted contacts (or private ones
    the viewer may not see), is "unknown".
    """
    stances = [s for s in stances if s in STANCES]
    current = current_positions(Subject("issue", issue_id), viewer=viewer)
    clause = Person.id.in_(sa.select(current.c.person_id).where(current.c.stance.in_(stances)))
    if "unknown" in stances:
        clause = sa.or_(clause, Person.id.not_in(sa.select(current.c.person_id)))
    return clause


def check_stated(entries: list[PositionInput], people: set[int], subjects: set[Subject]) -> None:
    """Positions stated in a contact must be of someone contacted, on something discussed."""
    for entry in entries:
        if entry.stance not in STANCES:
            raise DomainError("Choose a position from the list.", field="positions")
        if entry.person_id not in people:
            raise DomainError(
                "A position can only be recorded for someone you contacted.", field="positions"
            )
        if entry.subject not in subjects:
            raise DomainError(
                "Tick the issue or bill as discussed to record a position on it.", field="positions"
            )
        if entry.commitment and len(entry.commitment) > 200:
            raise DomainError("Keep each commitment under 200 characters.", field="positions")
