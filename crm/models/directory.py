"""The policymaker directory: organizations, people, their offices, staff and committees."""

from __future__ import annotations

import unicodedata
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.extensions import db
from crm.models.base import SoftDelete, Timestamps, UTCDateTime, Versioned

PERSON_KINDS = {
    "legislator": "Legislator",
    "staff": "Staff",
    "official": "Agency official",
    "other": "Other",
}
LEVELS = {"federal": "Federal", "state": "State"}
CHAMBERS = {
    "upper": "Senate",
    "lower": "House / Assembly",
    "unicameral": "Unicameral legislature",
    "joint": "Joint",
}
TIERS = {
    "champion": "Champion",
    "ally": "Ally",
    "target": "Target",
    "neutral": "Neutral",
    "opponent": "Opponent",
    "unknown": "Unknown",
}
ORG_KINDS = {
    "legislative_office": "Legislator's office",
    "legislature": "Legislature",
    "federal_agency": "Federal agency",
    "agency_office": "Bureau or office",
    "state_agency": "State agency",
    "state_program": "State program",
    "medical_board": "State medical board",
    "hospital": "Hospital",
    "university": "University",
    "association": "Association",
    "other": "Other",
}
PARTIES = ("Democratic", "Republican", "Independent")
# States whose lower chamber is called the Assembly.
ASSEMBLY_STATES = frozenset({"NY", "WI", "CA", "NV", "NJ"})
# Jurisdictions with one legislative chamber (chamber "unicameral"; Open States says
# "legislature").
UNICAMERAL = frozenset({"NE", "DC"})


def fold(text: str | None) -> str:
    """Lower-case, accents removed: what name search compares ("Lujan" finds "Luján")."""
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


class Organization(Timestamps, SoftDelete, db.Model):
    """An agency, office, program or board; offices nest under their parent."""

    __tablename__ = "organizations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(255))
    kind: Mapped[str] = mapped_column(sa.String(40), index=True)
    jurisdiction: Mapped[str] = mapped_column(sa.String(2), default="US", index=True)
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organizations.id"))
    website: Mapped[str | None] = mapped_column(sa.String(500))
    phone: Mapped[str | None] = mapped_column(sa.String(32))
    email: Mapped[str | None] = mapped_column(sa.String(254))
    address: Mapped[str | None] = mapped_column(sa.Text)
    notes: Mapped[str | None] = mapped_column(sa.Text)
    external_id: Mapped[str | None] = mapped_column(sa.String(120), unique=True)
    # A retired organization (an office that closed, a program that ended) keeps its history
    # and its page but leaves lists and pickers.
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # For entries of the starter agency directory: when its name and website were last checked.
    checked_on: Mapped[date | None]

    parent: Mapped[Organization | None] = relationship(remote_side=[id])

    __table_args__ = (sa.Index("ix_organizations_parent", "parent_id"),)

    def __repr__(self) -> str:
        return f"<Organization {self.name}>"

    @classmethod
    def listed(cls) -> sa.Select:
        """Organizations that show in lists and pickers: not deleted, not retired."""
        return sa.select(cls).where(cls.deleted_at.is_(None), cls.retired_at.is_(None))


class Person(Timestamps, SoftDelete, Versioned, db.Model):
    """Someone in the directory: a legislator, staffer or official."""

    __tablename__ = "people"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(20), default="legislator")
    first_name: Mapped[str | None] = mapped_column(sa.String(100))
    middle_name: Mapped[str | None] = mapped_column(sa.String(100))
    last_name: Mapped[str] = mapped_column(sa.String(100))
    suffix: Mapped[str | None] = mapped_column(sa.String(20))
    nickname: Mapped[str | None] = mapped_column(sa.String(100))
    full_name: Mapped[str] = mapped_column(sa.String(255))
    sort_name: Mapped[str] = mapped_column(sa.String(255), index=True)
    search_name: Mapped[str] = mapped_column(sa.String(500))
    title: Mapped[str | None] = mapped_column(sa.String(200))
    organization_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organizations.id"), index=True
    )
    level: Mapped[str | None] = mapped_column(sa.String(10))
    chamber: Mapped[str | None] = mapped_column(sa.String(10))
    state: Mapped[str | None] = mapped_column(sa.String(2))
    district: Mapped[str | None] = mapped_column(sa.String(20))
    party: Mapped[str | None] = mapped_column(sa.String(40))
    party_label: Mapped[str | None] = mapped_column(sa.String(100))  # as the source says it
    caucus: Mapped[str | None] = mapped_column(sa.String(40))
    in_office: Mapped[bool] = mapped_column(default=True)
    term_start: Mapped[date | None]
    term_end: Mapped[date | None]
    email: Mapped[str | None] = mapped_column(sa.String(254))
    phone: Mapped[str | None] = mapped_column(sa.String(32))  # E.164
    website: Mapped[str | None] = mapped_column(sa.String(500))
    contact_form: Mapped[str | None] = mapped_column(sa.String(500))
    photo_url: Mapped[str | None] = mapped_column(sa.String(500))
    social: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    external_ids: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    bioguide_id: Mapped[str | None] = mapped_column(sa.String(16), unique=True)
    openstates_id: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    tier: Mapped[str] = mapped_column(sa.String(20), default="unknown")
    holder_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    cadence_days: Mapped[int | None]
    last_contacted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    last_contacted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    next_touch_due: Mapped[date | None] = mapped_column(index=True)
    notes: Mapped[str | None] = mapped_column(sa.Text)
    source: Mapped[str] = mapped_column(sa.String(20), default="web")
    source_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    # A record merged into another stays, deleted, as a redirect to the one that survived.
    merged_into_id: Mapped[int | None] = mapped_column(sa.ForeignKey("people.id"))
    organization: Mapped[Organization | None] = relationship()
    holder = relationship("User", foreign_keys=[holder_id])
    last_contacted_by = relationship("User", foreign_keys=[last_contacted_by_id])
    offices: Mapped[list[Office]] = relationship(
        back_populates="person", cascade="all, delete-orphan", order_by="Office.position"
    )
    # Listed tags only (a retired tag leaves records); read for the CSV export.
    tags = relationship(
        "Tag",
        secondary="person_tags",
        viewonly=True,
        order_by="Tag.name_key",
        secondaryjoin="and_(Tag.id == person_tags.c.tag_id, Tag.retired_at.is_(None))",
    )

    __table_args__ = (
        # These three cover the directory's commonest filters and their counts (level / chamber,
        # state in name order, kind; all of them with in_office and deleted_at), and the
        # dashboard's "legislators nobody has contacted", without reading the people rows.
        sa.Index("ix_people_directory", "level", "chamber", "state", "in_office", "deleted_at"),
        sa.Index("ix_people_state_name", "state", "sort_name", "id", "in_office", "deleted_at"),
        sa.Index("ix_people_kind_contact", "kind", "in_office", "deleted_at", "last_contacted_at"),
        sa.Index("ix_people_party", "party"),
        sa.Index("ix_people_tier", "tier"),
        sa.Index("ix_people_search_name", "search_name"),
        # "Last contact" order, never-contacted last, as the directory sorts (filters.SORTS):
        # PostgreSQL walks it instead of sorting every row the filters match. SQLite puts NULLs
        # last in a descending walk of last_contacted_at's own index already, and has no NULLS
        # LAST in an index.
        sa.Index(
            "ix_people_last_contact",
            sa.desc("last_contacted_at").nulls_last(),
            "id",
        ).ddl_if(dialect="postgresql"),
    )

    def __repr__(self) -> str:
        return f"<Person {self.full_name}>"

    def set_names(self) -> None:
        """Derive display, sort and search names from the name parts."""
        first = self.nickname or self.first_name
        parts = [first, self.last_name]
        self.full_name = Person.fit("full_name", self.full_name or " ".join(p for p in parts if p))
        self.sort_name = Person.fit(
            "sort_name", fold(f"{self.last_name}, {self.first_name or ''}").strip(", ")
        )
        names = dict.fromkeys(
            [self.full_name, self.first_name, self.middle_name, self.nickname, self.last_name]
        )
        self.search_name = Person.fit("search_name", fold(" ".join(n for n in names if n)))

    @classmethod
    def fit(cls, column: str, text: str) -> str:
        """Derived text cut to its column: the parts each fit theirs, but joined, or expanded by
        NFKD folding ("\ufdfd" is 18 letters), they can exceed it (PostgreSQL refuses)."""
        return text[: cls.__table__.c[column].type.length]

    @property
    def seat(self) -> str:
        """e.g. "Senator, TX", "Rep. CA-12", "TN House District 93"."""
        return seat_of(self.kind, self.level, self.chamber, self.state, self.district, self.title)

    @property
    def party_letter(self) -> str:
        """The first letter of the person's party ("?" when unknown)."""
        return (self.party or "?")[0]


def seat_of(
    kind: str | None,
    level: str | None,
    chamber: str | None,
    state: str | None,
    district: str | None,
    title: str | None,
) -> str:
    """A person's seat from its columns (Person.seat; lists that read rows, not objects)."""
    if kind != "legislator" or not state:
        return title or ""
    if not chamber:  # entered by hand with the chamber left blank: no "District None"
        return f"{title or 'Legislator'}, {state}"
    if level == "federal":
        if chamber == "upper":
            return f"U.S. Senator, {state}"
        if not district:
            return f"U.S. Rep. {state}"
        return f"U.S. Rep. {state}-{'AL' if district == '0' else district}"
    house = {"upper": "Senate", "unicameral": "Legislature"}.get(chamber, "House")
    if chamber == "lower" and state in ASSEMBLY_STATES:
        house = "Assembly"
    if not district:
        return f"{state} {house}"
    return f"{state} {house} District {district}"


class Office(db.Model):
    """A postal office of a person: Capitol, district, or mailing address."""

    __tablename__ = "offices"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(20), default="district")  # capitol, district, mail
    label: Mapped[str | None] = mapped_column(sa.String(120))
    address: Mapped[str | None] = mapped_column(sa.Text)
    phone: Mapped[str | None] = mapped_column(sa.String(32))
    fax: Mapped[str | None] = mapped_column(sa.String(32))
    external_id: Mapped[str | None] = mapped_column(sa.String(120))
    position: Mapped[int] = mapped_column(default=0)

    person: Mapped[Person] = relationship(back_populates="offices")


class StaffRole(db.Model):
    """A staffer works for a legislator or an office; a move ends one role and starts another."""

    __tablename__ = "staff_roles"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id"), index=True)
    employer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("people.id"), index=True)
    organization_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organizations.id"), index=True
    )
    title: Mapped[str | None] = mapped_column(sa.String(200))
    portfolio: Mapped[str | None] = mapped_column(sa.String(200))  # e.g. "health, immigration"
    start_date: Mapped[date | None]
    end_date: Mapped[date | None]

    staff: Mapped[Person] = relationship(foreign_keys=[staff_id])
    employer: Mapped[Person | None] = relationship(foreign_keys=[employer_id])
    organization: Mapped[Organization | None] = relationship()

    @property
    def is_current(self) -> bool:
        """True while the role has no end date."""
        return self.end_date is None


class Committee(Timestamps, db.Model):
    """A committee or subcommittee of a legislature, federal or state."""

    __tablename__ = "committees"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(255))
    level: Mapped[str] = mapped_column(sa.String(10))
    jurisdiction: Mapped[str] = mapped_column(sa.String(2))  # US or a state code
    chamber: Mapped[str] = mapped_column(sa.String(10))  # upper, lower, joint
    code: Mapped[str | None] = mapped_column(sa.String(20), unique=True)  # e.g. SSJU04
    external_id: Mapped[str | None] = mapped_column(sa.String(120), unique=True)
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("committees.id"), index=True)
    url: Mapped[str | None] = mapped_column(sa.String(500))
    phone: Mapped[str | None] = mapped_column(sa.String(32))
    address: Mapped[str | None] = mapped_column(sa.Text)
    active: Mapped[bool] = mapped_column(default=True)

    parent: Mapped[Committee | None] = relationship(remote_side=[id])
    memberships: Mapped[list[CommitteeMembership]] = relationship(back_populates="committee")

    __table_args__ = (sa.Index("ix_committees_jurisdiction", "jurisdiction", "chamber"),)

    @property
    def display_name(self) -> str:
        """The name, after its parent committee's for a subcommittee."""
        if self.parent_id and self.parent:
            return f"{self.parent.name}: {self.name}"
        return self.name


class CommitteeMembership(db.Model):
    """A person's seat on a committee: role, rank and side."""

    __tablename__ = "committee_memberships"

    id: Mapped[int] = mapped_column(primary_key=True)
    committee_id: Mapped[int] = mapped_column(sa.ForeignKey("committees.id"))
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id"), index=True)
    role: Mapped[str] = mapped_column(sa.String(40), default="member")  # chair, ranking member, ...
    title: Mapped[str | None] = mapped_column(sa.String(80))  # as the source says it
    rank: Mapped[int | None]
    side: Mapped[str | None] = mapped_column(sa.String(10))  # majority / minority

    committee: Mapped[Committee] = relationship(back_populates="memberships")
    person: Mapped[Person] = relationship()

    __table_args__ = (sa.UniqueConstraint("committee_id", "person_id"),)


class NotDuplicate(db.Model):
    """A coordinator said an imported record (by its source key) is not this person: imports
    stop offering them as possible duplicates."""

    __tablename__ = "not_duplicates"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id"))
    other_key: Mapped[str] = mapped_column(sa.String(120))
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (sa.UniqueConstraint("person_id", "other_key"),)
