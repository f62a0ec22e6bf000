"""The contact log: logging, editing and deleting interactions, and what they touch."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm.attributes import set_committed_value

from crm import audit, authz, options
from crm.assignments.followups import complete_with_contact, create_follow_ups
from crm.assignments.services import queue_notices
from crm.cadence.services import answers_any, settle_answered
from crm.clock import utcnow
from crm.email import dispatch
from crm.errors import Conflict, DomainError, NotAllowed, no_lost_update
from crm.extensions import db
from crm.models import (
    INTERACTION_KINDS,
    Bill,
    Interaction,
    Issue,
    Organization,
    Person,
    StaffRole,
    User,
    interaction_bills,
    interaction_issues,
    interaction_members,
    interaction_people,
)
from crm.offices import office_group, office_ids, touch_due, touch_due_sql
from crm.policy.positions import PositionInput, Subject, add_position, check_stated

MAX_FUTURE = timedelta(hours=1)


@dataclass
class InteractionData:
    """A contact's fields as the quick log, the edit form or the API submits them."""

    people: list[int]
    occurred_at: datetime
    kind: str = "meeting"
    subject: str | None = None
    notes: str | None = None
    outcome: str | None = None
    private: bool = False
    members: list[int] = field(default_factory=list)
    issues: list[int] = field(default_factory=list)
    bills: list[int] = field(default_factory=list)
    source: str = "web"
    # Optional: positions stated, per person contacted x issue or bill discussed.
    positions: list[PositionInput] = field(default_factory=list)
    # Outreach (crm.assignments): follow-ups to create for the logger, and the logger's open
    # assignments this contact completes.
    follow_ups: list = field(default_factory=list)
    complete_assignments: list[int] = field(default_factory=list)
    # The organization contacted itself (an agency's office), with or without people named.
    organization_id: int | None = None


AUDITED = ("kind", "occurred_at", "subject", "notes", "outcome", "private", "organization_id")
NOBODY = "Choose at least one person you contacted, or an organization."
NO_ORGANIZATION = "That organization no longer exists."
LINKED = ("people", "members", "issues", "bills")  # audited as ids, shown as names


def load_related(data: InteractionData) -> tuple[list[Person], list[User], list[Issue], list[Bill]]:
    """The records named by ids, with an error naming the field when one does not exist."""
    ids = list(dict.fromkeys(data.people))
    if not ids and not data.organization_id:
        raise DomainError(NOBODY, field="people")
    if data.organization_id and not db.session.scalar(
        sa.select(Organization.id).where(
            Organization.id == data.organization_id, Organization.deleted_at.is_(None)
        )
    ):
        raise DomainError(NO_ORGANIZATION, field="organization_id")
    people = (
        list(
            db.session.scalars(
                sa.select(Person).where(Person.id.in_(ids), Person.deleted_at.is_(None))
            )
        )
        if ids
        else []
    )
    if len(people) != len(ids):
        raise DomainError("One of the people chosen no longer exists.", field="people")

    def fetch(model, wanted, name, extra=()):
        wanted = list(dict.fromkeys(wanted))
        if not wanted:
            return []
        rows = list(db.session.scalars(sa.select(model).where(model.id.in_(wanted), *extra)))
        if len(rows) != len(wanted):
            raise DomainError(f"One of the {name} chosen does not exist.", field=name)
        return rows

    members = fetch(User, data.members, "members", (User.is_active.is_(True),))
    issues = fetch(Issue, data.issues, "issues")
    bills = fetch(Bill, data.bills, "bills")
    return people, members, issues, bills


def check(data: InteractionData, now: datetime) -> None:
    """Raise DomainError on a bad kind, a time in the future or long past, or bad positions."""
    if data.kind not in INTERACTION_KINDS:
        raise DomainError("Choose a kind of contact.", field="kind")
    if data.occurred_at > now + MAX_FUTURE:
        raise DomainError(
            "That time is in the future. Log contacts after they happen.", field="occurred_at"
        )
    if data.occurred_at.year < 1990:
        raise DomainError("That date is too far in the past.", field="occurred_at")
    subjects = {Subject("issue", i) for i in data.issues} | {Subject("bill", b) for b in data.bills}
    check_stated(data.positions, set(data.people), subjects)


def log_interaction(
    actor: User, data: InteractionData, now: datetime, submission_key: str | None = None
) -> Interaction:
    """Record a contact. A repeated submission_key returns the first interaction, not a copy."""
    found = load_for_log(data, submission_key)
    if found.duplicate_id is not None:
        return db.session.get(Interaction, found.duplicate_id)
    check(data, now)
    found.raise_missing()
    try:
        interaction, notices = record_interaction(actor, data, now, submission_key, found)
        summary = Logged(interaction.id, interaction.kind, contacted_names(interaction, found))
        db.session.commit()
    except sa.exc.IntegrityError:
        # The same form was submitted twice at once and the other request won: its INSERT of the
        # unique key made ours fail, at an autoflush or at the commit. Return its row.
        db.session.rollback()
        existing = with_submission_key(submission_key)
        if existing is None:
            raise
        return existing
    dispatch(notices)
    # Kept beside the mapped attributes, which the commit expired: the page after it names the
    # contact without reloading it and its people.
    interaction.logged = summary
    return interaction


@dataclass
class Related:
    """The records a new contact links, as load_for_log found them: the people (loaded), the
    ids of members, issues and bills, how many of each exist, and the organization's name."""

    people: list[Person]
    wanted_people: int
    member_ids: list[int]
    issue_ids: list[int]
    bill_ids: list[int]
    found: dict[str, int] = field(default_factory=dict)
    duplicate_id: int | None = None
    organization_id: int | None = None
    organization_name: str | None = None

    def raise_missing(self) -> None:
        """load_related's errors, in its order."""
        if not self.wanted_people and not self.organization_id:
            raise DomainError(NOBODY, field="people")
        if self.organization_id and self.organization_name is None:
            raise DomainError(NO_ORGANIZATION, field="organization_id")
        if len(self.people) != self.wanted_people:
            raise DomainError("One of the people chosen no longer exists.", field="people")
        for name, ids in (
            ("members", self.member_ids),
            ("issues", self.issue_ids),
            ("bills", self.bill_ids),
        ):
            if self.found.get(name, 0) != len(ids):
                raise DomainError(f"One of the {name} chosen does not exist.", field=name)


def load_for_log(data: InteractionData, submission_key: str | None) -> Related:
    """In one statement: the people named (rows), how many of the members, issues and bills
    named exist, the organization's name, and the contact already logged with this key."""
    ids = list(dict.fromkeys(data.people))
    related = Related(
        [],
        len(ids),
        list(dict.fromkeys(data.members)),
        list(dict.fromkeys(data.issues)),
        list(dict.fromkeys(data.bills)),
        organization_id=data.organization_id or None,
    )
    if not ids and not related.organization_id:
        existing = with_submission_key(submission_key)
        related.duplicate_id = existing.id if existing is not None else None
        return related

    params = {
        "ids": ids,
        "members": related.member_ids,
        "issues": related.issue_ids,
        "bills": related.bill_ids,
        "key": submission_key,
        "organization": related.organization_id,
    }
    result = db.session.execute(
        log_checks_select(**{name: bool(value) for name, value in params.items()}), params
    )
    if ids:
        rows = result.all()
        related.people = [row[0] for row in rows]
        checked = rows[0][1:] if rows else None
    else:  # an organization alone: the checks without people to read them beside
        checked = result.one()
    if checked is None:  # nobody left to read the counts beside: the key alone
        existing = with_submission_key(submission_key)
        related.duplicate_id = existing.id if existing is not None else None
        return related
    related.duplicate_id, members, issues, bills, related.organization_name = checked
    related.found = {"members": members, "issues": issues, "bills": bills}
    return related


@functools.cache
def log_checks_select(
    ids: bool, members: bool, issues: bool, bills: bool, key: bool, organization: bool
) -> sa.Select:
    """load_for_log's statement for the lists a form named (each flag: that one is not empty),
    built once per shape: the people bound as `ids`, the members, issues and bills by those
    names, the submission key as `key` and the organization as `organization`."""

    def how_many(model, name, wanted, *extra):
        if not wanted:
            return sa.literal(0)
        return (
            sa.select(sa.func.count())
            .select_from(model)
            .where(model.id.in_(sa.bindparam(name, expanding=True)), *extra)
            .scalar_subquery()
        )

    duplicate = (
        sa.select(Interaction.id).where(
            Interaction.submission_key == sa.bindparam("key", type_=sa.String)
        )
        if key
        else sa.select(sa.cast(sa.null(), sa.Integer))
    ).scalar_subquery()
    named = (
        sa.select(Organization.name).where(
            Organization.id == sa.bindparam("organization", type_=sa.Integer),
            Organization.deleted_at.is_(None),
        )
        if organization
        else sa.select(sa.cast(sa.null(), sa.String))
    ).scalar_subquery()
    checks = (
        duplicate,
        how_many(User, "members", members, User.is_active.is_(True)),
        how_many(Issue, "issues", issues),
        how_many(Bill, "bills", bills),
        named,
    )
    if not ids:
        return sa.select(*checks)
    return sa.select(Person, *checks).where(
        Person.id.in_(sa.bindparam("ids", expanding=True)), Person.deleted_at.is_(None)
    )


@dataclass(frozen=True)
class Logged:
    """What was just logged, as the confirmation says it."""

    id: int
    kind: str
    names: str


def contacted_names(interaction: Interaction, related: Related | None = None) -> str:
    """Who a contact was with, as a confirmation says it: the people, then the organization."""
    names = [p.full_name for p in interaction.people]
    if interaction.organization_id:
        if related is not None and related.organization_name is not None:
            names.append(related.organization_name)
        else:
            names.append(interaction.organization.name)
    return ", ".join(names)


def logged_summary(interaction: Interaction) -> Logged:
    """The confirmation of a logged contact (read back when it was a repeated submission)."""
    logged = getattr(interaction, "logged", None)
    if logged is None:
        logged = Logged(interaction.id, interaction.kind, contacted_names(interaction))
    return logged


def with_submission_key(submission_key: str | None) -> Interaction | None:
    """The contact already recorded under this form's submission key (a double submit), or None."""
    if not submission_key:
        return None
    return db.session.scalar(
        sa.select(Interaction).where(Interaction.submission_key == submission_key)
    )


def record_interaction(
    actor: User,
    data: InteractionData,
    now: datetime,
    submission_key: str | None,
    related: Related | None = None,
) -> tuple[Interaction, list]:
    """The writes of log_interaction, uncommitted; returns the interaction and its notices."""
    if related is None:
        people, members, issues, bills = load_related(data)
        related = Related(
            people,
            len(people),
            [m.id for m in members],
            [i.id for i in issues],
            [b.id for b in bills],
            organization_id=data.organization_id or None,
        )
    people = related.people
    interaction = Interaction(
        kind=data.kind,
        occurred_at=data.occurred_at,
        subject=data.subject,
        notes=data.notes,
        outcome=data.outcome,
        private=data.private,
        logged_by_id=actor.id,
        organization_id=related.organization_id,
        source=data.source,
        submission_key=submission_key,
    )
    db.session.add(interaction)
    db.session.flush()
    # The links inserted with their values (the people's and members' with the contact's time),
    # one statement a table; the ORM is told the people are linked.
    at, iid = data.occurred_at, interaction.id
    conn = db.session.connection()
    for table, key, ids, timed in (
        (interaction_people, "person_id", [p.id for p in people], True),
        (interaction_members, "user_id", related.member_ids, True),
        (interaction_issues, "issue_id", related.issue_ids, False),
        (interaction_bills, "bill_id", related.bill_ids, False),
    ):
        if ids:
            extra = {"occurred_at": at} if timed else {}
            conn.execute(sa.insert(table), [{"interaction_id": iid, key: i, **extra} for i in ids])
    set_committed_value(interaction, "people", people)
    # A contact with an organization alone touches nobody's last contact.
    office, answering = (
        touch_people([p.id for p in people], data.occurred_at, interaction.named_author_id)
        if people
        else ([], [])
    )
    after = audit.snapshot(interaction, (*AUDITED, "people"))
    after |= {
        "members": sorted(related.member_ids),
        "issues": sorted(related.issue_ids),
        "bills": sorted(related.bill_ids),
    }
    audit.record(actor, "create", interaction, after=after, now=now)
    # What a logged contact affects, in this order and in this transaction: the positions
    # stated, the logger's assignments it did, the keep-in-touch follow-ups it answered, and the
    # follow-ups asked for. Those features are called from here and never import back.
    for entry in data.positions:
        add_position(actor, entry, now, interaction)
    try:
        complete_with_contact(actor, interaction, data.complete_assignments, now)
        if office:  # keep-in-touch follow-ups are about people: none to settle without
            settle_answered(actor, interaction, now, office, answering)
        created = create_follow_ups(actor, interaction, data.follow_ups, now)
        notices = queue_notices(actor, created, now) if created else []
    except DomainError:
        db.session.rollback()
        raise
    return interaction, notices


# What touch_people writes on the people of an office.
TOUCHED = ["last_contacted_at", "last_contacted_by_id", "next_touch_due", "updated_at"]


def touch_people(
    ids: list[int], when: datetime, by_user_id: int | None
) -> tuple[list[int], list[int]]:
    """Move last_contacted_at forward only, for the people contacted and their offices (the
    legislators their current staff roles work for, as office_group), with the next touch due
    (touch_due) of the rows it moves; returns the office's ids, sorted, and those of them with a
    keep-in-touch follow-up the contact answers (crm.cadence answers_any, after the move).

    One UPDATE (touch_update): the comparison is in it, so two members logging at once cannot
    regress it, and the rows this contact is not newer for keep their values, their updated_at
    included.
    """
    db.session.flush()
    rows = (
        db.session.connection()
        .execute(
            touch_update(),
            {
                "ids": ids,
                "when": when,
                "day": when.astimezone(UTC).date(),
                "by": by_user_id,
                "now": utcnow(),
            },
        )
        .all()
    )
    # Run on the connection, not through the ORM's bulk UPDATE (a third of the POST's time in
    # it): the people of the office this session holds have what it wrote expired instead.
    for row in rows:
        person = db.session.identity_map.get(db.session.identity_key(Person, row.id))
        if person is not None:
            db.session.expire(person, TOUCHED)
    return sorted(r.id for r in rows), sorted(r.id for r in rows if r.answers)


@functools.cache
def touch_update() -> sa.Update:
    """touch_people's UPDATE, built once: the people contacted bound as `ids`, the contact's
    time as `when` (its UTC day as `day`), its author as `by` and the time of the write as
    `now`."""
    when = sa.bindparam("when", type_=Person.last_contacted_at.type)
    moved = sa.or_(Person.last_contacted_at.is_(None), Person.last_contacted_at < when)
    return (
        sa.update(Person)
        .where(Person.id.in_(office_ids(sa.bindparam("ids", expanding=True))))
        .values(
            last_contacted_at=sa.case((moved, when), else_=Person.last_contacted_at),
            last_contacted_by_id=sa.case(
                (moved, sa.bindparam("by", type_=sa.Integer)), else_=Person.last_contacted_by_id
            ),
            next_touch_due=sa.case(
                (
                    sa.and_(moved, Person.cadence_days.is_not(None)),
                    touch_due_sql(sa.bindparam("day", type_=sa.Date), Person.cadence_days),
                ),
                else_=Person.next_touch_due,
            ),
            updated_at=sa.case(
                (moved, sa.bindparam("now", type_=Person.updated_at.type)),
                else_=Person.updated_at,
            ),
        )
        .returning(Person.id, answers_any().label("answers"))
    )


def set_contact_fields(person_id: int, **values) -> None:
    """Derived contact fields are written with a plain UPDATE: they are not an edit of the
    person, so they must not bump its version and make a coordinator's open form stale."""
    db.session.execute(
        sa.update(Person)
        .where(Person.id == person_id)
        .values(**values)
        .execution_options(synchronize_session="fetch")
    )


def refresh_last_contact(person_ids: list[int]) -> None:
    """Recompute last contact from the log (after an edit or a delete moved or removed one): the
    latest non-deleted contact with the person or with one of their current staff, as
    touch_people would have left it."""
    for person_id in person_ids:
        staff = sa.select(StaffRole.staff_id).where(
            StaffRole.employer_id == person_id, StaffRole.end_date.is_(None)
        )
        row = db.session.execute(
            sa.select(Interaction.occurred_at, Interaction.logged_by_id, Interaction.private)
            .join(interaction_people, interaction_people.c.interaction_id == Interaction.id)
            .where(
                sa.or_(
                    interaction_people.c.person_id == person_id,
                    interaction_people.c.person_id.in_(staff),
                ),
                Interaction.deleted_at.is_(None),
            )
            .order_by(Interaction.occurred_at.desc(), Interaction.id)
            .limit(1)
        ).first()
        cadence = db.session.scalar(sa.select(Person.cadence_days).where(Person.id == person_id))
        last = row.occurred_at if row else None
        set_contact_fields(
            person_id,
            last_contacted_at=last,
            last_contacted_by_id=row.logged_by_id if row and not row.private else None,
            next_touch_due=touch_due(last, cadence),
        )


def get_interaction(interaction_id: int, viewer: User) -> Interaction:
    """The contact if the viewer may see it (coordinators also see deleted ones, to restore)."""
    interaction = db.session.scalar(
        Interaction.visible_to(viewer, include_deleted=viewer.is_coordinator).where(
            Interaction.id == interaction_id
        )
    )
    if interaction is None:
        raise LookupError(interaction_id)
    return interaction


def update_interaction(
    actor: User,
    interaction: Interaction,
    data: InteractionData,
    expected_version: int,
    now: datetime,
) -> Interaction:
    """Edit a contact (author or coordinator) at the version shown; audited, then commit."""
    if not authz.can_edit_interaction(actor, interaction):
        raise NotAllowed("Only the author or a coordinator can edit this contact.")
    if interaction.version != expected_version:
        raise Conflict()
    check(data, now)
    people, members, issues, bills = load_related(data)
    with no_lost_update():
        before = audit.snapshot(interaction, AUDITED + LINKED)
        affected = {p.id for p in interaction.people} | {p.id for p in people}
        for key in AUDITED:
            setattr(interaction, key, getattr(data, key))
        interaction.people, interaction.members = people, members
        interaction.issues, interaction.bills = issues, bills
        db.session.flush()
        refresh_last_contact(office_group([db.session.get(Person, i) for i in affected]))
        b, a = audit.changes(before, audit.snapshot(interaction, AUDITED + LINKED))
        audit.record(actor, "update", interaction, b, a, now)
        for entry in data.positions:  # positions are append-only: an edit can only add new ones
            add_position(actor, entry, now, interaction)
        db.session.commit()
    return interaction


def delete_interaction(actor: User, interaction: Interaction, now: datetime) -> None:
    """Soft-delete a contact (author or coordinator) and refresh its people's last contact."""
    if not authz.can_edit_interaction(actor, interaction):
        raise NotAllowed("Only the author or a coordinator can delete this contact.")
    interaction.deleted_at = now
    db.session.flush()
    refresh_last_contact(office_group(interaction.people))
    audit.record(actor, "delete", interaction, now=now)
    db.session.commit()


def restore_interaction(actor: User, interaction: Interaction, now: datetime) -> None:
    """Restore a deleted contact (coordinators) and refresh its people's last contact."""
    if not actor.is_coordinator:
        raise NotAllowed("Only coordinators can restore deleted contacts.")
    interaction.deleted_at = None
    db.session.flush()
    refresh_last_contact(office_group(interaction.people))
    audit.record(actor, "restore", interaction, now=now)
    db.session.commit()


@dataclass
class LastContact:
    """The last contact with a person's office: when, and by which member."""

    person: Person
    at: datetime | None
    by: User | None
    office_name: str


def last_contact_with_office(person_id: int) -> LastContact | None:
    """'Last contact with this office': the office is the person, or the legislator a staffer
    works for. touch_people keeps the office's last contact (its staff included) on the office's
    row, so this is one indexed lookup however long the history is."""
    person = db.session.get(Person, person_id)
    if person is None or person.deleted_at is not None:
        return None
    employer = (
        sa.select(StaffRole.employer_id)
        .where(
            StaffRole.staff_id == person.id,
            StaffRole.end_date.is_(None),
            StaffRole.employer_id.is_not(None),
        )
        .order_by(StaffRole.id)
        .limit(1)
        .scalar_subquery()
    )
    office_name, at, by = db.session.execute(
        sa.select(Person.full_name, Person.last_contacted_at, User)
        .outerjoin(User, User.id == Person.last_contacted_by_id)
        .where(Person.id == sa.func.coalesce(employer, person.id))
    ).one()
    return LastContact(person, at, by, office_name)


@dataclass(slots=True)
class Ref:
    """A name shown in a feed item, and the id its link needs."""

    id: int
    full_name: str

    @property
    def name(self) -> str:
        """The name shown (the person's full name)."""
        return self.full_name


@dataclass(slots=True)
class FeedItem:
    """A contact as feeds and timelines show it: the columns shown, not the ORM object with
    its relationships (crm.templating.feed_html reads both alike)."""

    id: int
    kind: str
    occurred_at: datetime
    subject: str | None
    private: bool
    logged_by: Ref
    people: list[Ref] = field(default_factory=list)
    issues: list[Ref] = field(default_factory=list)
    organization: Ref | None = None


FEED_COLUMNS = (
    Interaction.id,
    Interaction.kind,
    Interaction.occurred_at,
    Interaction.subject,
    Interaction.private,
    Interaction.logged_by_id,
    User.name,
)


def feed_items(*selects: sa.Select) -> list[list[FeedItem]]:
    """Each select of contacts (FEED_COLUMNS, in its order, newest first: occurred_at, then id,
    descending) as FeedItems with the people contacted and the issues discussed: one statement
    for all of them (feed_rows)."""
    return [[item for item, _extra in rows] for rows in feed_rows(*selects)]


def feed_rows(*selects: sa.Select) -> list[list[tuple[FeedItem, object]]]:
    """Each select of contacts as (FeedItem, extra) pairs, newest first: its rows start with
    FEED_COLUMNS (occurred_at, then id, descending) and may have one more column, the extra
    (else None). One statement (feed_union)."""
    return read_feed(feed_union(*selects), len(selects))


def feed_union(*selects: sa.Select) -> sa.CompoundSelect:
    """feed_rows' statement: a UNION ALL of the selects (each a CTE with its own order and
    limit) and of the people, issues and organization of the contacts they return. Build it
    once for a page read often (its parameters bound at execution) and read it with read_feed."""
    ctes = [stmt.cte(f"feed_{k}") for k, stmt in enumerate(selects)]
    no_int = sa.cast(sa.null(), sa.Integer)
    no_at = sa.cast(sa.null(), Interaction.occurred_at.type)
    no_bool = sa.cast(sa.null(), sa.Boolean)
    parts = []
    for k, cte in enumerate(ctes):
        cols = list(cte.c)
        extra = cols[7] if len(cols) > 7 else no_int
        parts.append(sa.select(sa.literal(k).label("feed"), *cols[:7], extra.label("extra")))
    # Rows (-1, contact id, "p", "i" or "o", -, sort key, -, id, name, -) for the links.
    shown = sa.union_all(*(sa.select(cte.c[0]) for cte in ctes))
    ip, ii = interaction_people, interaction_issues
    parts.append(
        sa.select(
            sa.literal(-1),
            ip.c.interaction_id,
            sa.literal("p"),
            no_at,
            Person.sort_name,
            no_bool,
            Person.id,
            Person.full_name,
            no_int,
        )
        .join(Person, Person.id == ip.c.person_id)
        .where(ip.c.interaction_id.in_(shown))
    )
    parts.append(
        sa.select(
            sa.literal(-1),
            ii.c.interaction_id,
            sa.literal("i"),
            no_at,
            Issue.name,
            no_bool,
            Issue.id,
            Issue.name,
            no_int,
        )
        .join(Issue, Issue.id == ii.c.issue_id)
        .where(ii.c.interaction_id.in_(shown))
    )
    parts.append(  # "o": the organization a contact was logged against
        sa.select(
            sa.literal(-1),
            Interaction.id,
            sa.literal("o"),
            no_at,
            Organization.name,
            no_bool,
            Organization.id,
            Organization.name,
            no_int,
        )
        .join(Organization, Organization.id == Interaction.organization_id)
        .where(Interaction.id.in_(shown))
    )
    return sa.union_all(*parts)


def read_feed(
    stmt: sa.CompoundSelect, count: int, params: dict | None = None
) -> list[list[tuple[FeedItem, object]]]:
    """The rows of a feed_union of `count` selects as feed_rows returns them."""
    rows = db.session.execute(stmt, params or {}).all()
    lists: list[list[tuple[FeedItem, object]]] = [[] for _ in range(count)]
    by_id: dict[int, list[FeedItem]] = {}
    # A union's rows come in no set order: each feed's newest first again, as its select.
    feeds = sorted((r for r in rows if r[0] >= 0), key=lambda r: (r[3], r[1]), reverse=True)
    for row in feeds:
        item = feed_item(row[1:])
        lists[row[0]].append((item, row[8]))
        by_id.setdefault(item.id, []).append(item)
    # The order the ORM relationships use: people by sort name, issues by name.
    links = sorted((r for r in rows if r[0] < 0), key=lambda r: (r[4], r[6]))
    for _, interaction_id, what, _at, _key, _private, ref_id, name, _extra in links:
        ref = Ref(ref_id, name)
        for item in by_id.get(interaction_id, ()):
            if what == "o":
                item.organization = ref
            else:
                (item.people if what == "p" else item.issues).append(ref)
    return lists


def feed_item(row) -> FeedItem:
    """A row that starts with FEED_COLUMNS as a FeedItem (columns after them are ignored)."""
    id_, kind, at, subject, private, by_id, by_name = row[:7]
    return FeedItem(id_, kind, at, subject, private, Ref(by_id, by_name))


def feed_select(stmt: sa.Select) -> sa.Select:
    """A select of contacts narrowed to the columns a feed shows, with the author's name."""
    return stmt.with_only_columns(*FEED_COLUMNS).join(User, User.id == Interaction.logged_by_id)


def recent_feed(viewer: User, *, limit: int = 20, mine: bool = False) -> list[FeedItem]:
    """The activity feed (or my own contacts), newest first."""
    (items,) = feed_items(recent_feed_select(viewer, limit=limit, mine=mine))
    return items


def recent_feed_select(viewer: User, *, limit: int = 20, mine: bool = False) -> sa.Select:
    """recent_feed as a select for feed_items (the dashboard reads two feeds' links at once)."""
    newest = (Interaction.occurred_at.desc(), Interaction.id.desc())
    if mine:
        # The newest I logged and the newest I was present at, each read newest first from its
        # own index ((logged_by_id, occurred_at), (user_id, occurred_at)): the cost is `limit`
        # rows, not my history, nor everyone's (an OR over both walked the whole log).
        alive = Interaction.deleted_at.is_(None)
        logged = (
            sa.select(Interaction.id)
            .where(Interaction.logged_by_id == viewer.id, alive)
            .order_by(*newest)
            .limit(limit)
            .subquery()
        )
        link = interaction_members
        present = (
            sa.select(Interaction.id)
            .join(link, link.c.interaction_id == Interaction.id)
            .where(link.c.user_id == viewer.id, alive)
            .order_by(link.c.occurred_at.desc(), link.c.interaction_id.desc())
            .limit(limit)
            .subquery()
        )
        stmt = sa.select(Interaction).where(
            Interaction.id.in_(sa.union(sa.select(logged.c.id), sa.select(present.c.id)))
        )
    else:
        stmt = Interaction.visible_to(viewer)
    return feed_select(stmt).order_by(*newest).limit(limit)


def picked_names() -> dict:
    """How a conflict names the ids the log form's pickers hold (people, members, subjects)."""

    def namer(label, key):
        def names(ids: list[int]) -> str:
            if not ids:
                return ""
            found = dict(db.session.execute(sa.select(key, label).where(key.in_(ids))).all())
            return ", ".join(str(found.get(i, i)) for i in ids)

        return names

    return {
        "people": namer(Person.full_name, Person.id),
        "members": namer(User.name, User.id),
        "issues": namer(Issue.name, Issue.id),
        "bills": namer(Bill.number, Bill.id),
    }


def picker_context(form, *, organizations: bool = False) -> dict:
    """What the log form shows: the chosen people as chips, members (crm.options checkboxes)
    and issues to pick from, and with `organizations` the organizations a contact can be
    logged against."""
    chosen = list(dict.fromkeys(form.people.data or []))[:50]
    people = (
        list(
            db.session.scalars(
                sa.select(Person).where(Person.id.in_(chosen), Person.deleted_at.is_(None))
            )
        )
        if chosen
        else []
    )
    people.sort(key=lambda p: chosen.index(p.id))
    # The members as checkboxes, rendered once per process while they are unchanged.
    members = options.cached(
        ("member checkboxes",),
        options.version(User, User.is_active.is_(True)),
        lambda: options.checkboxes(options.member_pairs(), "members", "m"),
    )
    chosen_org = form.organization_id.data if organizations else None
    issues, organization_choices = subject_and_organization_choices(chosen_org, organizations)
    bills = [
        (b.id, b.label, b.title)
        for b in db.session.scalars(
            sa.select(Bill).order_by(Bill.jurisdiction != "US", Bill.session.desc(), Bill.number)
        )
    ]
    return {
        "chosen_people": people,
        "organization_choices": organization_choices,
        "member_checkboxes": members,
        "issue_choices": issues,
        "bill_choices": bills,
        # Other forms reuse the people picker; only the log form records positions.
        "position_rows": position_rows(form, people, issues, bills)
        if hasattr(form, "issues")
        else [],
    }


def subject_and_organization_choices(chosen_org: int | None, organizations: bool):
    """The active issues by name, and (for the log form) the organizations a contact can be
    logged against, in one statement: those listed but legislators' offices (reached through
    their people), federal first, then by state and name, and always the one already chosen (a
    contact keeps a retired office)."""
    issues = sa.select(
        sa.literal("i").label("what"),
        Issue.id.label("id"),
        Issue.name.label("name"),
        sa.literal("").label("place"),
        sa.literal(0).label("state_first"),
    ).where(Issue.active.is_(True))
    if not organizations:
        rows = db.session.execute(issues.order_by(Issue.name)).all()
        return [(r.id, r.name) for r in rows], []
    listed = sa.and_(Organization.retired_at.is_(None), Organization.kind != "legislative_office")
    orgs = sa.select(
        sa.literal("o"),
        Organization.id,
        Organization.name,
        Organization.jurisdiction,
        sa.case((Organization.jurisdiction == "US", 0), else_=1),
    ).where(
        Organization.deleted_at.is_(None),
        sa.or_(listed, Organization.id == chosen_org) if chosen_org else listed,
    )
    both = sa.union_all(issues, orgs).subquery()
    rows = db.session.execute(
        sa.select(both).order_by(both.c.what, both.c.state_first, both.c.place, both.c.name)
    ).all()
    return (
        [(r.id, r.name) for r in rows if r.what == "i"],
        [(r.id, f"{r.name} ({r.place})") for r in rows if r.what == "o"],
    )


def position_rows(form, people: list[Person], issues: list, bills: list) -> list[dict]:
    """The quick log's optional positions grid: each person chosen x each issue or bill ticked,
    with what was typed (the grid is rebuilt in the browser as people and issues change)."""
    ticked_issues = set(form.issues.data or [])
    ticked_bills = set(form.bills.data or [])
    subjects = [(f"i{i}", name) for i, name in issues if i in ticked_issues] + [
        (f"b{b}", label) for b, label, _title in bills if b in ticked_bills
    ]
    values = getattr(form, "position_values", {})
    return [
        {
            "key": f"{p.id}-{token}",
            "person": p.full_name,
            "subject": label,
            "stance": values.get(f"position-{p.id}-{token}", ""),
            "commitment": values.get(f"commitment-{p.id}-{token}", ""),
        }
        for p in people
        for token, label in subjects
    ]
