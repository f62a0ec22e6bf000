"""Organizations: agencies, their bureaus and offices, state programs, boards, offices of
legislators, hospitals, associations. List, page, create, edit, move and retire."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from crm import audit
from crm.contact import InvalidContact, normalize_email, normalize_phone, normalize_url
from crm.errors import DomainError, NotAllowed
from crm.extensions import db
from crm.forms import US_STATES, strip_filter
from crm.ids import parse_id
from crm.models import (
    ORG_KINDS,
    Assignment,
    Interaction,
    Organization,
    Person,
    StaffRole,
    Tag,
    User,
    interaction_people,
)
from crm.models.directory import fold
from crm.pagination import Page, clamp_page

EDITABLE = (
    "name",
    "kind",
    "jurisdiction",
    "parent_id",
    "website",
    "phone",
    "email",
    "address",
    "notes",
)


def require_coordinator(actor: User) -> None:
    """Raise NotAllowed unless the actor is a coordinator."""
    if not actor.is_coordinator:
        raise NotAllowed("Only coordinators can change organizations.")


@dataclass
class OrgFilter:
    """The organizations list: words of the name, kind, jurisdiction, retired ones or not."""

    q: str = ""
    kind: str = ""
    jurisdiction: str = ""
    retired: bool = False
    tag: int | None = None

    @classmethod
    def from_args(cls, args) -> OrgFilter:
        """The filter from the organizations page's query, unknown values dropped."""
        kind = args.get("kind", "")
        jurisdiction = args.get("jurisdiction", "").upper()
        return cls(
            q=strip_filter(args.get("q", ""))[:100],  # no NUL: PostgreSQL refuses it
            kind=kind if kind in ORG_KINDS else "",
            jurisdiction=jurisdiction if jurisdiction in US_STATES or jurisdiction == "US" else "",
            retired=args.get("retired") == "1",
            tag=parse_id(args.get("tag")),
        )

    @classmethod
    def from_dict(cls, data: dict) -> OrgFilter:
        """The filter saved by to_dict (a campaign's organization targets)."""
        return cls.from_args({**data, "retired": "1" if data.get("retired") else ""})

    def to_dict(self) -> dict:
        """Only the filters in use (saved as a campaign's targets)."""
        return {k: v for k, v in vars(self).items() if v not in ("", None, False)}

    @property
    def active(self) -> bool:
        """True when any filter is in use."""
        return bool(self.to_dict())

    def query_args(self) -> list[tuple[str, str]]:
        """The filters in use as query-string pairs, for links and hidden fields."""
        return [(k, "1" if v is True else str(v)) for k, v in self.to_dict().items()]

    @staticmethod
    def order(stmt: sa.Select) -> sa.Select:
        """Federal before state, then by state and name (the list's order)."""
        return stmt.order_by(
            Organization.jurisdiction != "US",
            Organization.jurisdiction,
            Organization.name,
            Organization.id,
        )

    def apply(self, stmt: sa.Select) -> sa.Select:
        """The statement narrowed to the organizations this filter selects (not deleted)."""
        stmt = stmt.where(Organization.deleted_at.is_(None))
        if not self.retired:
            stmt = stmt.where(Organization.retired_at.is_(None))
        if self.kind:
            stmt = stmt.where(Organization.kind == self.kind)
        elif not self.tag:  # the 500-odd legislators' offices are reached from their people
            stmt = stmt.where(Organization.kind != "legislative_office")
        if self.jurisdiction:
            stmt = stmt.where(Organization.jurisdiction == self.jurisdiction)
        for word in fold(self.q).split():
            stmt = stmt.where(sa.func.lower(Organization.name).contains(word, autoescape=True))
        if self.tag:
            stmt = stmt.where(Organization.id.in_(Tag.tagged("organization", self.tag)))
        return stmt


def list_organizations(flt: OrgFilter, *, page: int, per_page: int = 50) -> Page:
    """One page of organizations, federal before state, then by name."""
    base = flt.apply(sa.select(Organization))
    total = db.session.scalar(sa.select(sa.func.count()).select_from(base.subquery()))
    page = clamp_page(page, total, per_page)
    stmt = (
        base.options(joinedload(Organization.parent))
        .order_by(Organization.jurisdiction != "US", Organization.jurisdiction, Organization.name)
        .limit(per_page)
        .offset((page - 1) * per_page)
    )
    return Page(list(db.session.scalars(stmt)), total, page, per_page)


def get_organization(org_id: int, viewer: User) -> Organization:
    """The organization; LookupError if missing, or deleted and the viewer no coordinator."""
    org = db.session.get(Organization, org_id, options=[joinedload(Organization.parent)])
    if org is None or (org.deleted_at is not None and not viewer.is_coordinator):
        raise LookupError(org_id)
    return org


@dataclass
class OrgPage:
    """Everything the organization page shows."""

    organization: Organization
    ancestors: list[Organization]
    children: list[Organization]
    people: list[Person]
    staff: list[StaffRole]
    timeline: list[Interaction]
    open_work: list[Assignment]


def ancestors_of(org: Organization) -> list[Organization]:
    """The chain of parents, outermost first (one query per level; trees are shallow)."""
    chain: list[Organization] = []
    seen = {org.id}
    parent = org.parent
    while parent is not None and parent.id not in seen:
        chain.append(parent)
        seen.add(parent.id)
        parent = parent.parent
    return chain[::-1]


def organization_page(org: Organization, viewer: User, *, limit: int = 25) -> OrgPage:
    """Everything an organization's page shows: its place in the tree, its people and staff,
    contacts with it and with anyone there (as the viewer may see them) and open work."""
    children = list(
        db.session.scalars(
            Organization.listed()
            .where(Organization.parent_id == org.id)
            .order_by(Organization.name)
        )
    )
    people = list(
        db.session.scalars(
            sa.select(Person)
            .where(Person.organization_id == org.id, Person.deleted_at.is_(None))
            .order_by(Person.in_office.desc(), Person.sort_name)
        )
    )
    staff = list(
        db.session.scalars(
            sa.select(StaffRole)
            .join(Person, Person.id == StaffRole.staff_id)
            .where(StaffRole.organization_id == org.id, Person.deleted_at.is_(None))
            .options(joinedload(StaffRole.staff))
            .order_by(StaffRole.end_date.is_not(None), StaffRole.title, Person.sort_name)
        )
    )
    ids = {p.id for p in people} | {r.staff_id for r in staff if r.is_current}
    return OrgPage(
        org,
        ancestors_of(org),
        children,
        people,
        staff,
        organization_timeline(org, ids, viewer, limit=limit),
        open_work_at(org, ids, viewer),
    )


def organization_timeline(
    org: Organization, person_ids: set[int], viewer: User, *, limit: int = 25
) -> list[Interaction]:
    """Contacts logged against the organization itself and contacts with anyone there, newest
    first, as the viewer may see them (Interaction.visible_to)."""
    link = interaction_people
    with_people = (
        sa.exists().where(link.c.interaction_id == Interaction.id, link.c.person_id.in_(person_ids))
        if person_ids
        else sa.false()
    )
    return list(
        db.session.scalars(
            Interaction.visible_to(viewer)
            .where(sa.or_(Interaction.organization_id == org.id, with_people))
            .options(joinedload(Interaction.logged_by), joinedload(Interaction.organization))
            .order_by(Interaction.occurred_at.desc(), Interaction.id.desc())
            .limit(limit)
        ).unique()
    )


def open_work_at(org: Organization, person_ids: set[int], viewer: User) -> list[Assignment]:
    """Open assignments for the organization or anyone there, as the viewer may see them."""
    ids = person_ids
    return list(
        db.session.scalars(
            Assignment.visible_to(viewer)
            .where(
                Assignment.active(),
                sa.or_(
                    Assignment.organization_id == org.id,
                    Assignment.person_id.in_(ids) if ids else sa.false(),
                ),
            )
            .options(joinedload(Assignment.assignee), joinedload(Assignment.person))
            .order_by(Assignment.due_on.asc().nulls_last(), Assignment.id)
        )
    )


def parent_choices(exclude: Organization | None = None) -> list[tuple[int, str]]:
    """Organizations a record can sit under: anything but legislators' offices, and never the
    record itself or one of its descendants (that would make a loop)."""
    rows = db.session.execute(
        sa.select(Organization.id, Organization.name, Organization.jurisdiction)
        .where(
            Organization.deleted_at.is_(None),
            Organization.retired_at.is_(None),
            Organization.kind != "legislative_office",
        )
        .order_by(Organization.jurisdiction != "US", Organization.jurisdiction, Organization.name)
    ).all()
    banned = descendant_ids(exclude.id) | {exclude.id} if exclude else set()
    return [(i, f"{name} ({j})") for i, name, j in rows if i not in banned]


def descendant_ids(org_id: int) -> set[int]:
    """Every organization below org_id, in one recursive query."""
    tree = (
        sa.select(Organization.id)
        .where(Organization.parent_id == org_id)
        .cte("tree", recursive=True)
    )
    tree = tree.union(sa.select(Organization.id).where(Organization.parent_id == tree.c.id))
    return set(db.session.scalars(sa.select(tree.c.id)))


def clean_org_data(data: dict, org: Organization | None = None) -> dict:
    """Normalise the editable fields; raise DomainError naming the field that is wrong."""
    out = {k: data.get(k) for k in EDITABLE}
    for key, value in list(out.items()):
        if isinstance(value, str):
            out[key] = value.strip() or None
    if not out["name"]:
        raise DomainError("Give the organization a name.", field="name")
    if out["kind"] not in ORG_KINDS:
        raise DomainError("Choose what kind of organization this is.", field="kind")
    jurisdiction = (out["jurisdiction"] or "US").upper()
    if jurisdiction != "US" and jurisdiction not in US_STATES:
        raise DomainError("Use US or a two-letter state code.", field="jurisdiction")
    out["jurisdiction"] = jurisdiction
    for key, normalize in (("email", normalize_email), ("phone", normalize_phone)):
        try:
            out[key] = normalize(out[key])
        except InvalidContact as e:
            raise DomainError(str(e), field=key) from None
    try:
        out["website"] = normalize_url(out["website"])
    except InvalidContact as e:
        raise DomainError(str(e), field="website") from None
    parent_id = out["parent_id"]
    if parent_id:
        parent = db.session.get(Organization, parent_id)
        if parent is None or parent.deleted_at is not None:
            raise DomainError("Unknown parent organization.", field="parent_id")
        if org is not None and (parent_id == org.id or parent_id in descendant_ids(org.id)):
            raise DomainError(
                "An organization cannot sit under itself or one of its own offices.",
                field="parent_id",
            )
    out["parent_id"] = parent_id or None
    return out


def create_organization(actor: User, data: dict, now: datetime) -> Organization:
    """Add an organization by hand."""
    require_coordinator(actor)
    org = Organization(**clean_org_data(data))
    db.session.add(org)
    db.session.flush()
    audit.record(actor, "create", org, after=audit.snapshot(org, EDITABLE), now=now)
    db.session.commit()
    return org


def update_organization(actor: User, org: Organization, data: dict, now: datetime) -> None:
    """Edit or move an organization (a new parent), audited field by field."""
    require_coordinator(actor)
    values = clean_org_data(data, org)
    before = audit.snapshot(org, EDITABLE)
    for key, value in values.items():
        setattr(org, key, value)
    changed_before, changed_after = audit.changes(before, audit.snapshot(org, EDITABLE))
    if changed_after:
        audit.record(actor, "update", org, changed_before, changed_after, now)
    db.session.commit()


def retire_organization(actor: User, org: Organization, now: datetime) -> None:
    """Take an organization out of lists and pickers; its page and history stay."""
    require_coordinator(actor)
    if org.retired_at is None:
        org.retired_at = now
        audit.record(actor, "retire", org, now=now)
        db.session.commit()


def reinstate_organization(actor: User, org: Organization, now: datetime) -> None:
    """Bring a retired organization back into lists and pickers."""
    require_coordinator(actor)
    if org.retired_at is not None:
        org.retired_at = None
        audit.record(actor, "reinstate", org, now=now)
        db.session.commit()
