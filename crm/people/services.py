"""Directory use cases: list and export people, a person's page, create and edit."""

from __future__ import annotations

import csv
import functools
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased, joinedload, selectinload

from crm import audit, options
from crm.assignments.listing import OpenWork, open_work, open_work_select
from crm.contact import InvalidContact, normalize_email, normalize_phone, normalize_url
from crm.errors import Conflict, DomainError, NotAllowed, no_lost_update
from crm.extensions import db
from crm.forms import US_STATES, strip_filter
from crm.interactions.services import (
    FEED_COLUMNS,
    FeedItem,
    LastContact,
    Ref,
    feed_union,
    read_feed,
)
from crm.models import (
    CHAMBERS,
    BoundViewer,
    Committee,
    CommitteeMembership,
    Interaction,
    Issue,
    Organization,
    Person,
    SavedList,
    StaffRole,
    Tag,
    User,
    interaction_people,
    seat_of,
)
from crm.models.base import UTCDateTime
from crm.offices import current_employer, touch_due
from crm.pagination import Page, clamp_page
from crm.people.filters import DirectoryFilter
from crm.policy.positions import (
    PositionHistory,
    person_position_selects,
    position_histories,
    subject_choices,
    subject_selects,
)
from crm.search.services import dialect, find_people
from crm.tags.services import TagRow


@dataclass(slots=True)
class DirectoryRow:
    """One row of the directory: the columns it shows, with the seat worked out once."""

    id: int
    full_name: str
    kind: str
    party: str | None
    party_label: str | None
    in_office: bool
    deleted_at: datetime | None
    tier: str
    seat: str
    holder_name: str | None
    last_contacted_at: datetime | None
    last_by_name: str | None

    @property
    def party_letter(self) -> str:
        """The first letter of the person's party ("?" when unknown)."""
        return (self.party or "?")[0]


HOLDER = aliased(User, name="holder")
LAST_BY = aliased(User, name="last_by")
DIRECTORY_COLUMNS = (
    Person.id,
    Person.full_name,
    Person.kind,
    Person.party,
    Person.party_label,
    Person.in_office,
    Person.deleted_at,
    Person.tier,
    Person.level,
    Person.chamber,
    Person.state,
    Person.district,
    Person.title,
    HOLDER.name.label("holder_name"),
    Person.last_contacted_at,
    LAST_BY.name.label("last_by_name"),
)


def directory_row(r: sa.Row) -> DirectoryRow:
    """A directory query's row (DIRECTORY_COLUMNS, then anything) as a DirectoryRow, its seat
    worked out. Unpacked by position: fifty rows a page, and a named lookup costs more."""
    (id_, name, kind, party, label, in_office, deleted_at, tier, level, chamber, state) = r[:11]
    district, title, holder_name, last_contacted_at, last_by_name = r[11:16]
    seat = seat_of(kind, level, chamber, state, district, title)
    return DirectoryRow(
        id_,
        name,
        kind,
        party,
        label,
        in_office,
        deleted_at,
        tier,
        seat,
        holder_name,
        last_contacted_at,
        last_by_name,
    )


def directory_statements(
    flt: DirectoryFilter, values: dict, viewer: User | None
) -> tuple[sa.Select, sa.Select]:
    """The directory's page of rows (DIRECTORY_COLUMNS, the total as a scalar subquery beside
    them; `limit` and `offset` bound) and its count, for the filters compared with `values`."""
    where = flt.conditions(values, viewer)
    total_q = sa.select(sa.func.count()).select_from(sa.select(Person.id).where(*where).subquery())
    rows_q = (
        flt.order(sa.select(*DIRECTORY_COLUMNS).where(*where))
        .outerjoin(HOLDER, HOLDER.id == Person.holder_id)
        .outerjoin(LAST_BY, LAST_BY.id == Person.last_contacted_by_id)
        .add_columns(total_q.scalar_subquery())
        .limit(sa.bindparam("limit", type_=sa.Integer))
        .offset(sa.bindparam("offset", type_=sa.Integer))
    )
    return rows_q, total_q


@functools.lru_cache(maxsize=512)
def bound_directory_statements(dialect: str, shape: tuple) -> tuple[sa.Select, sa.Select]:
    """directory_statements for a shape of filter (DirectoryFilter.shape) on a dialect (the
    name search is written per engine), its values bound by name: built once per shape, as
    building them and their cache keys took a fifth of the page's CPU."""
    names, include_out_of_office, never_contacted, sort = shape
    flt = DirectoryFilter(
        include_out_of_office=include_out_of_office, never_contacted=never_contacted, sort=sort
    )
    return directory_statements(flt, {name: sa.bindparam(name) for name in names}, None)


def directory_select(
    flt: DirectoryFilter, now: datetime, viewer: User
) -> tuple[sa.Select, sa.Select, dict]:
    """The directory's rows and count statements (directory_statements) and their values."""
    values = flt.values(now)
    shape = flt.shape(values)
    if shape is None:
        return *directory_statements(flt, values, viewer), values
    return *bound_directory_statements(dialect(), shape), values


def list_people(
    flt: DirectoryFilter, *, page: int, per_page: int, now: datetime, viewer: User
) -> Page:
    """One page of the directory in one statement: the rows as the columns shown (not Person
    objects with their relationships), and the total as a scalar subquery beside them. An empty
    first page has a total of 0 without a count; a page past the end (no rows) costs a count
    and a second read of the last page."""
    rows_q, total_q, values = directory_select(flt, now, viewer)
    page = max(page, 1)

    def read(page: int) -> list:
        return list(
            db.session.execute(
                rows_q, {**values, "limit": per_page, "offset": (page - 1) * per_page}
            )
        )

    result = read(page)
    if result:
        total = result[0][-1]
    elif page == 1:  # nothing matches: no page to clamp to, and nothing to count
        total = 0
    else:
        total = db.session.scalar(total_q, values)
        clamped = clamp_page(page, total, per_page)
        if clamped != page and total:
            result = read(clamped)
        page = clamped
    items = [directory_row(r) for r in result]
    return Page(items, total, page, per_page)


CSV_COLUMNS = [
    ("Name", lambda p: p.full_name),
    ("Kind", lambda p: p.kind),
    ("Title", lambda p: p.title),
    ("Organization", lambda p: p.organization.name if p.organization else ""),
    ("Level", lambda p: p.level),
    ("Chamber", lambda p: p.chamber),
    ("State", lambda p: p.state),
    ("District", lambda p: p.district),
    ("Party", lambda p: p.party),
    ("Email", lambda p: p.email),
    ("Phone", lambda p: p.phone),
    ("Website", lambda p: p.website),
    ("Tier", lambda p: p.tier),
    ("Relationship holder", lambda p: p.holder.name if p.holder else ""),
    (
        "Last contacted",
        lambda p: p.last_contacted_at.date().isoformat() if p.last_contacted_at else "",
    ),
    ("Bioguide", lambda p: p.bioguide_id),
    ("Open States", lambda p: p.openstates_id),
    ("Tags", lambda p: "; ".join(t.name for t in p.tags)),
]


def safe_cell(value) -> str:
    """Neutralise spreadsheet formulas: a cell starting with = + - @ (or tab/CR) gets a quote."""
    text = "" if value is None else str(value)
    if text and text[0] in "=+-@\t\r":
        return "'" + text
    return text


def csv_rows(header: list[str], rows: Iterator[list]) -> Iterator[str]:
    """UTF-8 CSV with a byte-order mark (Excel opens it correctly), streamed line by line."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    yield "\ufeff"
    for row in [header, *([safe_cell(v) for v in r] for r in rows)]:
        writer.writerow(row)
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()


def export_people(flt: DirectoryFilter, now: datetime, viewer: User) -> Iterator[str]:
    """The directory as the viewer sees it, as CSV lines read in batches while the response
    streams.

    The lines are produced after the view returned, when the request's session is already
    closed, so they read through a session of their own (closed when the stream ends). The
    statement, viewer included, is built now."""
    stmt = flt.order(flt.apply(sa.select(Person), now, viewer=viewer)).options(
        joinedload(Person.holder), joinedload(Person.organization), selectinload(Person.tags)
    )

    def lines() -> Iterator[str]:
        with Session(db.engine) as session:
            people = session.scalars(stmt.execution_options(yield_per=1000))
            header = [c for c, _ in CSV_COLUMNS]
            yield from csv_rows(header, ([f(p) for _, f in CSV_COLUMNS] for p in people))

    return lines()


def search_people(q: str, limit: int = 12) -> list[Person]:
    """Autocomplete: people by any name form (the search index), in-office people first."""
    return find_people(strip_filter(q or "")[:100], limit)


@functools.cache
def person_select() -> sa.Select:
    """get_person's statement with the holder, organization and offices the page shows, built
    once (its loader options cost more to build per request than the read), the person bound as
    `person_id`."""
    return (
        sa.select(Person)
        .where(Person.id == sa.bindparam("person_id", type_=sa.Integer))
        .options(
            joinedload(Person.holder),
            joinedload(Person.organization),
            joinedload(Person.offices),
        )
    )


def get_person(person_id: int, viewer: User) -> Person:
    """The person; LookupError if missing, or deleted (not merged) and the viewer no coordinator."""
    person = db.session.execute(person_select(), {"person_id": person_id}).unique().scalar()
    if person is None or (
        person.deleted_at is not None and not viewer.is_coordinator and not person.merged_into_id
    ):
        raise LookupError(person_id)
    return person


# The timeline's count stops here ("200+ contacts"): counting what a viewer may see means reading
# every row, and the busiest offices have thousands; that would cost more than the whole page.
TIMELINE_COUNT_CAP = 200


@dataclass(slots=True)
class CommitteeRef:
    """A committee as a person's page links it: id and display name."""

    id: int
    display_name: str


@dataclass(slots=True)
class CommitteeSeat:
    """A committee the person sits on, as the page shows it."""

    committee_id: int
    committee: CommitteeRef
    role: str


@dataclass(slots=True)
class RoleRow:
    """A staff role as the page shows it: the staffer, the employer (a person or an
    organization), title, portfolio and end."""

    staff: Ref | None
    employer: Ref | None
    organization: Ref | None
    title: str | None
    portfolio: str | None
    start_date: date | None
    end_date: date | None
    id: int | None = None  # the StaffRole's, for its End and Move links

    @property
    def is_current(self) -> bool:
        """True while the role has no end date."""
        return self.end_date is None


@dataclass
class PersonPage:
    """Everything a person's page shows."""

    person: Person
    committees: list[CommitteeSeat]
    staff: list[RoleRow]
    employers: list[RoleRow]
    timeline: list[FeedItem]
    timeline_total: int
    positions: list[PositionHistory]
    position_subjects: list[tuple[str, str]]
    last: LastContact | None = None
    tags: list[TagRow] = field(default_factory=list)
    open_work: list[OpenWork] = field(default_factory=list)

    @property
    def timeline_count(self) -> str:
        """e.g. "12" or "200+"."""
        if self.timeline_total > TIMELINE_COUNT_CAP:
            return f"{TIMELINE_COUNT_CAP:,}+"
        return f"{self.timeline_total:,}"


# The person page's rows: every part of its one UNION ALL has these columns (the name, and the
# type of a NULL in it). `at` is UTCDateTime in every part: a NULL cast to a zoned timestamp
# would make PostgreSQL convert the stored naive UTC values through the session's time zone.
TEXT, DAY, INT = sa.String(), sa.Date(), sa.Integer()
PAGE_ROW = (
    ("what", TEXT),
    ("ref_id", INT),
    ("name", TEXT),
    ("other_id", INT),
    ("other_name", TEXT),
    ("role", TEXT),
    ("title", TEXT),
    ("portfolio", TEXT),
    ("start_date", DAY),
    ("end_date", DAY),
    ("at", UTCDateTime()),
    ("role_id", INT),
    ("rank", INT),
    ("text1", TEXT),
    ("text2", TEXT),
    ("text3", TEXT),
    ("text4", TEXT),
)
PAGE_INDEX = {name: k for k, (name, _type) in enumerate(PAGE_ROW)}

# Where the page puts the rows of the policy and assignments selects: their columns in order,
# each into the PAGE_ROW column named here.
POSITION_SLOTS = (
    "what",  # kind: "issue" or "bill"
    "ref_id",
    "other_id",  # subject_id
    "name",  # subject_name
    "text2",  # jurisdiction
    "text3",  # session
    "text4",  # subject_title
    "role",  # stance
    "title",  # commitment
    "text1",  # commitment_status
    "portfolio",  # notes
    "other_name",  # recorded_by_name
    "at",  # recorded_at
    "role_id",  # interaction_id
    "rank",
)
WORK_SLOTS = (
    "ref_id",
    "name",  # title
    "title",  # assignee_name
    "other_id",  # person_id
    "other_name",  # person_name
    "start_date",  # due_on
    "role",  # status
    "rank",
)


def shaped(stmt: sa.Select, what, slots: tuple[str, ...]) -> sa.Select:
    """A select as PAGE_ROW rows: its columns into the columns `slots` names, `what` (when
    given) as the what column, NULL in the others."""
    placed = dict(zip(slots, stmt.selected_columns, strict=True))
    if what is not None:
        placed["what"] = sa.literal(what)
    return stmt.with_only_columns(
        *(placed.get(name, sa.cast(sa.null(), type_)) for name, type_ in PAGE_ROW)
    )


def unshaped(row, slots: tuple[str, ...]) -> tuple:
    """A PAGE_ROW row back as the columns of the select `shaped` placed by `slots`."""
    return tuple(row[PAGE_INDEX[name]] for name in slots)


@functools.cache
def office_parts() -> tuple[sa.Select, ...]:
    """The person's committees, staff, employers and the office's last contact, and beside
    them the position form's subjects and the tags (each marked where it is on the person), as
    the selects of one UNION ALL of PAGE_ROW rows (what, ref_id, name, other_id, other_name,
    role, title, portfolio, start_date, end_date, at, role id; the rest NULL), for the person
    bound as `person_id`. Built once: its aliases cost more to make than the statement takes
    to run.

    The subjects and tags are subject_selects() rows (k, id, name, jurisdiction, session,
    not_us, flag) as (str(k), id, name, not_us, jurisdiction, -, session, ..., flag), in
    SUBJECT_ORDER (what, other_id, title DESC, name); the office's rows are sorted apart."""
    person_id = sa.bindparam("person_id", type_=sa.Integer)
    parent = aliased(Committee)
    staffer = aliased(Person)
    boss = aliased(Person)
    office = aliased(Person)
    text, day, at = TEXT, DAY, UTCDateTime()

    def null(type_):
        return sa.cast(sa.null(), type_)

    rest = tuple(null(type_) for _name, type_ in PAGE_ROW[PAGE_INDEX["rank"] :])

    committees = (
        sa.select(
            sa.literal("c").label("what"),
            Committee.id,
            Committee.name.label("name"),
            parent.id.label("other_id"),
            parent.name,
            CommitteeMembership.role,
            null(text).label("title"),
            null(text),
            null(day),
            null(day),
            null(at),
            null(sa.Integer()),
            *rest,
        )
        .join(Committee, Committee.id == CommitteeMembership.committee_id)
        .outerjoin(parent, parent.id == Committee.parent_id)
        .where(CommitteeMembership.person_id == person_id)
    )
    staff = (
        sa.select(
            sa.literal("s"),
            staffer.id,
            staffer.full_name,
            null(sa.Integer()),
            null(text),
            null(text),
            StaffRole.title,
            StaffRole.portfolio,
            StaffRole.start_date,
            StaffRole.end_date,
            null(at),
            StaffRole.id,
            *rest,
        )
        .join(staffer, staffer.id == StaffRole.staff_id)
        .where(StaffRole.employer_id == person_id)
    )
    employers = (
        sa.select(
            sa.literal("e"),
            boss.id,
            boss.full_name,
            Organization.id,
            Organization.name,
            null(text),
            StaffRole.title,
            StaffRole.portfolio,
            StaffRole.start_date,
            StaffRole.end_date,
            null(at),
            StaffRole.id,
            *rest,
        )
        .outerjoin(boss, boss.id == StaffRole.employer_id)
        .outerjoin(Organization, Organization.id == StaffRole.organization_id)
        .where(StaffRole.staff_id == person_id)
    )
    # The office: the person, or the legislator a staffer works for (last_contact_with_office).
    employer = current_employer(person_id)
    last = (
        sa.select(
            sa.literal("l"),
            office.id,
            office.full_name,
            User.id,
            User.name,
            null(text),
            null(text),
            null(text),
            null(day),
            null(day),
            office.last_contacted_at,
            null(sa.Integer()),
            *rest,
        )
        .select_from(office)
        .outerjoin(User, User.id == office.last_contacted_by_id)
        .where(office.id == sa.func.coalesce(employer, person_id))
    )
    # Listed tags as subject_selects() rows under k 2, by folded name.
    tags = (
        Tag.listed()
        .order_by(None)
        .with_only_columns(
            sa.literal(2),
            Tag.id,
            Tag.name_key,
            Tag.name,
            null(text),
            sa.literal(False),
            Tag.applied_to("person", person_id),
        )
    )
    subjects = []
    for part in (*subject_selects(), tags):
        k, id_, name, jurisdiction, session, not_us, flag = part.selected_columns
        subjects.append(
            part.with_only_columns(
                sa.cast(k, text),
                id_,
                name,
                sa.case((not_us, 1), else_=0),
                jurisdiction,
                null(text),
                session,
                null(text),
                null(day),
                null(day),
                null(at),
                sa.case((flag, 1), else_=0),
                *rest,
            )
        )
    return (committees, staff, employers, last, *subjects)


@functools.cache
def person_page_select(is_coordinator: bool) -> sa.CompoundSelect:
    """The one statement of the person's page besides the person and the timeline: the office
    parts, and the positions (person_position_selects) and open work (open_work_select) the
    viewer may see, as PAGE_ROW rows; the open work under what "w". For the person bound as
    `person_id` and the viewer as `viewer_id`; built once per kind of viewer (building it took
    more CPU than the rest of the page's reads together)."""
    viewer = BoundViewer(is_coordinator)
    person_id = sa.bindparam("person_id", type_=sa.Integer)
    positions = [
        shaped(s, None, POSITION_SLOTS) for s in person_position_selects(person_id, viewer)
    ]
    work = shaped(open_work_select(person_id, viewer), "w", WORK_SLOTS)
    return sa.union_all(*office_parts(), *positions, work).order_by(
        sa.text("what, other_id, title DESC, name")
    )


def read_page(person: Person, viewer: User):
    """person_page_select's rows as the page's committees, staff, employers and last contact,
    the position form's subjects (subject_choices), the tags (TagRow), the positions
    (position_histories) and the open work (OpenWork)."""
    committees, staff, employers, last, subjects = [], [], [], None, []
    positions, work = [], []
    rows = db.session.execute(
        person_page_select(viewer.is_coordinator), {"person_id": person.id, "viewer_id": viewer.id}
    )
    for row in rows:
        what, ref_id, name, other_id, other_name, role, title, portfolio = row[:8]
        start, end, at, role_id = row[8:12]
        if what in ("issue", "bill"):
            positions.append(unshaped(row, POSITION_SLOTS))
        elif what == "w":
            work.append(unshaped(row, WORK_SLOTS))
        elif what in ("0", "1", "2"):  # back to subject_selects() rows, in their order
            subjects.append((int(what), ref_id, name, other_name, title, other_id, role_id))
        elif what == "c":
            shown = f"{other_name}: {name}" if other_id else name
            committees.append(
                (
                    (other_id is not None, name),
                    CommitteeSeat(ref_id, CommitteeRef(ref_id, shown), role),
                )
            )
        elif what == "l":
            by = Ref(other_id, other_name) if other_id else None
            last = LastContact(person, at, by, name)
        else:
            ref = Ref(ref_id, name) if ref_id else None
            row = RoleRow(
                ref if what == "s" else Ref(person.id, person.full_name),
                ref if what == "e" else Ref(person.id, person.full_name),
                Ref(other_id, other_name) if what == "e" and other_id else None,
                title,
                portfolio,
                start,
                end,
                role_id,
            )
            (staff if what == "s" else employers).append(row)
    # The orders the page always had: committees before subcommittees, by name; current
    # roles first, the latest start first.
    committees.sort(key=lambda kv: kv[0])
    roles = lambda r: (r.end_date is not None, -(r.start_date.toordinal() if r.start_date else 0))  # noqa: E731
    tags = [TagRow(id_, name, bool(on)) for k, id_, _key, name, _, _, on in subjects if k == 2]
    return (
        [c for _, c in committees],
        sorted(staff, key=roles),
        sorted(employers, key=roles),
        last,
        subject_choices(subjects),
        tags,
        position_histories(positions, person),
        open_work(work),
    )


@functools.cache
def timeline_select(is_coordinator: bool, limit: int) -> sa.CompoundSelect:
    """The person's timeline for feed_union: the newest `limit` contacts the viewer may see
    with the count of the first TIMELINE_COUNT_CAP + 1 of them (for "200+") beside each, and
    their people and issues. Walked newest first along the person's (person_id, occurred_at)
    index; built once per kind of viewer and page size, the person bound as `person_id` and
    the viewer as `viewer_id`."""
    link = interaction_people
    newest = (
        Interaction.visible_to(BoundViewer(is_coordinator))
        .join(link, link.c.interaction_id == Interaction.id)
        .where(link.c.person_id == sa.bindparam("person_id", type_=sa.Integer))
        .with_only_columns(Interaction.id, link.c.occurred_at)
        .order_by(link.c.occurred_at.desc(), link.c.interaction_id.desc())
        .limit(TIMELINE_COUNT_CAP + 1)
        .subquery()
    )
    page = (
        sa.select(newest.c.id, newest.c.occurred_at, sa.func.count().over().label("total"))
        .order_by(newest.c.occurred_at.desc(), newest.c.id.desc())
        .limit(limit)
        .subquery()
    )
    return feed_union(
        sa.select(*FEED_COLUMNS, page.c.total)
        .select_from(Interaction)
        .join(page, page.c.id == Interaction.id)
        .join(User, User.id == Interaction.logged_by_id)
        .order_by(page.c.occurred_at.desc(), page.c.id.desc())
    )


def person_page(person: Person, viewer: User, *, limit: int = 25) -> PersonPage:
    """Everything the person page shows, in two statements: the office (committees, staff,
    employers, last contact) with the position form's subjects, the tags, the positions and the
    open work the viewer may see in one, the timeline with its count and its people and issues
    in the other."""
    committees, staff, employers, last, subjects, tags, positions, work = read_page(person, viewer)
    if person.deleted_at is not None:
        last = None
    (rows,) = read_feed(
        timeline_select(viewer.is_coordinator, limit),
        1,
        {"person_id": person.id, "viewer_id": viewer.id},
    )
    total = rows[0][1] if rows else 0
    timeline = [item for item, _total in rows]
    return PersonPage(
        person,
        committees,
        staff,
        employers,
        timeline,
        total,
        positions,
        subjects,
        last,
        tags,
        work,
    )


# ---- create and edit (coordinators) ----

EDITABLE = (
    "kind",
    "first_name",
    "middle_name",
    "last_name",
    "suffix",
    "nickname",
    "title",
    "organization_id",
    "level",
    "chamber",
    "state",
    "district",
    "party",
    "in_office",
    "email",
    "phone",
    "website",
    "contact_form",
    "tier",
    "holder_id",
    "cadence_days",
    "notes",
)


def clean_person_data(data: dict) -> dict:
    """Normalise contact fields; raise DomainError naming the field that is wrong."""
    out = dict(data)
    try:
        out["email"] = normalize_email(data.get("email"))
    except InvalidContact as e:
        raise DomainError(str(e), field="email") from None
    try:
        out["phone"] = normalize_phone(data.get("phone"))
    except InvalidContact as e:
        raise DomainError(str(e), field="phone") from None
    for f in ("website", "contact_form"):
        try:
            out[f] = normalize_url(data.get(f))
        except InvalidContact as e:
            raise DomainError(str(e), field=f) from None
    state = (data.get("state") or "").upper() or None
    if state and state not in US_STATES:
        raise DomainError("Unknown state code.", field="state")
    out["state"] = state
    if out.get("organization_id") and db.session.get(Organization, out["organization_id"]) is None:
        raise DomainError("Unknown organization.", field="organization_id")
    if out.get("holder_id") and db.session.get(User, out["holder_id"]) is None:
        raise DomainError("Unknown member.", field="holder_id")
    for key in ("organization_id", "holder_id", "cadence_days"):
        out[key] = out.get(key) or None
    for key, value in list(out.items()):
        if isinstance(value, str) and value == "":
            out[key] = None
    out["last_name"] = (data.get("last_name") or "").strip()
    if not out["last_name"]:
        raise DomainError("A last name is required.", field="last_name")
    return out


def require_coordinator(actor: User) -> None:
    """Raise NotAllowed unless the actor is a coordinator."""
    if not actor.is_coordinator:
        raise NotAllowed("Only coordinators can change the directory.")


def create_person(actor: User, data: dict, now: datetime) -> Person:
    """Add a person to the directory (coordinators; audited), and commit."""
    require_coordinator(actor)
    values = clean_person_data(data)
    person = Person(**{k: values.get(k) for k in EDITABLE if k in values}, source="web")
    person.tier = person.tier or "unknown"
    person.in_office = values.get("in_office", True) is not False
    person.full_name = ""
    person.set_names()
    db.session.add(person)
    db.session.flush()
    audit.record(actor, "create", person, after=audit.snapshot(person, EDITABLE), now=now)
    db.session.commit()
    return person


def update_person(
    actor: User, person: Person, data: dict, expected_version: int, now: datetime
) -> Person:
    """Apply an edit unless someone else saved the person since the form was loaded."""
    require_coordinator(actor)
    if person.version != expected_version:
        raise Conflict()
    values = clean_person_data(data)
    with no_lost_update():
        before = audit.snapshot(person, EDITABLE)
        for key in EDITABLE:
            if key in values:
                setattr(person, key, values[key])
        person.full_name = ""
        person.set_names()
        person.next_touch_due = touch_due(person.last_contacted_at, person.cadence_days)
        changed_before, changed_after = audit.changes(before, audit.snapshot(person, EDITABLE))
        if changed_after:
            audit.record(actor, "update", person, changed_before, changed_after, now)
        db.session.commit()
    return person


def delete_person(actor: User, person: Person, now: datetime) -> None:
    """Soft-delete a person (coordinators; audited; restorable), and commit."""
    require_coordinator(actor)
    person.deleted_at = now
    audit.record(actor, "delete", person, now=now)
    db.session.commit()


def restore_person(actor: User, person: Person, now: datetime) -> None:
    """Restore a deleted person (coordinators; audited), and commit."""
    require_coordinator(actor)
    person.deleted_at = None
    audit.record(actor, "restore", person, now=now)
    db.session.commit()


@dataclass
class FilterChoices:
    """Options of the filter bar, and the viewer's saved lists beside it. Committees and members
    are crm.options lists, rendered once per process while their rows are unchanged: hundreds of
    <option>s cost a page milliseconds each time. The saved lists are SavedList objects not in
    the session (id, name, shared, owner_id; enough to link, export and delete them)."""

    committees: options.Choices
    members: options.Choices
    parties: list[str]
    issues: list[tuple[int, str]]
    tags: list[tuple[int, str]]
    lists: list[SavedList]


def committees_listed() -> tuple[sa.ColumnElement[bool], ...]:
    """The filter bar's committees: the active ones of the jurisdictions bound as
    `jurisdictions`, and the one bound as `committee`."""
    return (
        Committee.active.is_(True),
        sa.or_(
            Committee.jurisdiction.in_(sa.bindparam("jurisdictions", expanding=True)),
            Committee.id == sa.bindparam("committee", type_=sa.Integer),
        ),
    )


@functools.cache
def filter_choices_select() -> sa.CompoundSelect:
    """filter_choices' one statement, built once: the versions of the committees listed
    (committees_listed) and of the active members, the parties, issues and tags, and the lists
    of the viewer bound as `viewer_id` (SavedList.visible_to)."""
    text = sa.String()
    none = sa.cast(sa.null(), text)
    no_int = sa.cast(sa.null(), sa.Integer)

    def version(what, model, *where):  # (what, count, latest updated_at, ..., sum of ids, ...)
        count, ids, latest = options.version_columns(model)
        return sa.select(sa.literal(what), count, latest, none, none, ids, none).where(*where)

    committees = version("vc", Committee, *committees_listed())
    members = version("vm", User, User.is_active.is_(True))
    # The parties, one index probe each (a loose index scan: the smallest party, then the
    # smallest after it, ...): DISTINCT read all 7,600 legislators' entries of ix_people_party
    # on every directory page for three names (bench/README.md, fifth pass).
    first = sa.select(sa.func.min(Person.party).label("party")).where(Person.party.is_not(None))
    seen = first.cte("parties", recursive=True)
    after = sa.select(sa.func.min(Person.party)).where(Person.party > seen.c.party)
    seen = seen.union_all(sa.select(after.scalar_subquery()).where(seen.c.party.is_not(None)))
    parties = sa.select(sa.literal("p"), no_int, seen.c.party, none, none, no_int, none).where(
        seen.c.party.is_not(None)
    )
    issues = sa.select(sa.literal("i"), Issue.id, Issue.name, none, none, no_int, none).where(
        Issue.active.is_(True)
    )
    # Listed tags, by their folded name (Tag.listed's rule and order).
    tags = (
        Tag.listed()
        .order_by(None)
        .with_only_columns(sa.literal("t"), Tag.id, Tag.name, Tag.name_key, none, no_int, none)
    )
    # The viewer's lists and the shared ones, by name: the shared flag as "y" or "".
    lists = SavedList.visible_to(BoundViewer(is_coordinator=False)).with_only_columns(
        sa.literal("s"),
        SavedList.id,
        SavedList.name,
        sa.func.lower(SavedList.name),
        none,
        SavedList.owner_id,
        sa.case((SavedList.shared.is_(True), "y"), else_=""),
    )
    return sa.union_all(committees, members, parties, issues, tags, lists)


@functools.cache
def long_choices_select() -> sa.CompoundSelect:
    """The rows behind the filter bar's long lists, read when their version is new to this
    process: the committees listed (committees_listed) and the active members."""
    none = sa.cast(sa.null(), sa.String())
    committees = sa.select(
        sa.literal("c").label("what"),
        Committee.id,
        Committee.name,
        Committee.jurisdiction,
        Committee.chamber,
        Committee.parent_id,
        Committee.code,
    ).where(*committees_listed())
    members = sa.select(
        sa.literal("m"), User.id, User.name, none, none, sa.cast(sa.null(), sa.Integer), none
    ).where(User.is_active.is_(True))
    return sa.union_all(committees, members)


def long_choices(params: dict) -> tuple[options.Choices, options.Choices]:
    """The committees (by jurisdiction, chamber and name) and members (by name) as options."""
    committees, members = [], []
    for what, id_, name, jurisdiction, chamber, parent_id, code in sorted(
        db.session.execute(long_choices_select(), params),
        key=lambda r: (r[0], r[3] or "", r[4] or "", r[2], r[1]),
    ):
        if what == "c":
            sub = " · sub" if parent_id else ""
            suffix = f" ({code})" if code else ""
            label = f"{jurisdiction} {CHAMBERS.get(chamber, chamber)}{sub}: {name}{suffix}"
            committees.append((id_, label))
        else:
            members.append((id_, name))
    return options.option_tags(committees), options.option_tags(members)


def filter_choices(flt: DirectoryFilter, viewer: User) -> FilterChoices:
    """Options for the filter bar (committees, members, parties, issues, tags) and the saved
    lists the viewer may open (SavedList.visible_to), in one statement (two when the committees
    or members changed since this process last listed them).

    Committees are Congress's plus those of the state filtered on (and the one chosen): the
    legislatures together have about a thousand, too many to list, let alone render, each time.
    """
    jurisdictions = ["US", flt.state] if flt.state else ["US"]
    params = {"jurisdictions": jurisdictions, "committee": flt.committee}
    rows = db.session.execute(filter_choices_select(), {**params, "viewer_id": viewer.id})
    versions, parties, issues, tags, lists = {}, [], [], [], []

    # Sorted here, as the queries each sorted theirs: tags by folded name; lists by lower-case
    # name and id; the rest by name.
    def order(r):
        if r[0] == "s":
            return (r[0], r[3], "", "", r[1])
        return (r[0], r[3] or "", r[4] or "", r[2] or "", r[1] or 0)

    for what, id_, name, _key, _, parent_id, code in sorted(rows, key=order):
        if what in ("vc", "vm"):
            versions[what] = (id_, name, parent_id)
        elif what == "p":
            parties.append(name)
        elif what == "i":
            issues.append((id_, name))
        elif what == "t":
            tags.append((id_, name))
        else:
            lists.append(SavedList(id=id_, name=name, owner_id=parent_id, shared=code == "y"))
    read = functools.cache(lambda: long_choices(params))  # both lists, read at most once
    committees = options.cached(
        ("committees", *jurisdictions, flt.committee), versions["vc"], lambda: read()[0]
    )
    members = options.cached(("members",), versions["vm"], lambda: read()[1])
    return FilterChoices(committees, members, parties, issues, tags, lists)


def person_form_choices() -> tuple[list, list]:
    """Organizations and active members, for the person form's selects."""
    orgs = list(
        db.session.execute(
            sa.select(Organization.id, Organization.name)
            .where(Organization.deleted_at.is_(None))
            .order_by(Organization.name)
        )
    )
    users = list(
        db.session.execute(
            sa.select(User.id, User.name).where(User.is_active.is_(True)).order_by(User.name)
        )
    )
    return orgs, users
