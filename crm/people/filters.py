"""The directory's filters: one definition used by the people list, CSV export and campaigns."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.sql import Select

from crm.forms import US_STATES, strip_filter
from crm.ids import parse_id
from crm.models import (
    CHAMBERS,
    LEVELS,
    PERSON_KINDS,
    STANCES,
    TIERS,
    Committee,
    CommitteeMembership,
    Person,
    Tag,
    User,
)
from crm.models.search import query_words
from crm.policy.positions import has_position_on_issue
from crm.search.services import name_query, person_filter

SORTS = {
    "name": (Person.sort_name.asc(), Person.id.asc()),
    "state": (Person.state.asc(), Person.sort_name.asc(), Person.id.asc()),
    "last_contact": (Person.last_contacted_at.desc().nulls_last(), Person.id.asc()),
    "least_recent": (Person.last_contacted_at.asc().nulls_first(), Person.id.asc()),
}

# The filters compared with a value (DirectoryFilter.values), "not contacted in N days" aside.
VALUED = ("kind", "level", "chamber", "state", "party", "tier", "holder", "committee", "tag")


@dataclass
class DirectoryFilter:
    """The directory's filters and sort, as its query, saved lists and campaigns hold them."""

    q: str = ""
    kind: str = ""
    level: str = ""
    chamber: str = ""
    state: str = ""
    party: str = ""
    committee: int | None = None
    tier: str = ""
    holder: int | None = None
    not_contacted_days: int | None = None
    never_contacted: bool = False
    include_out_of_office: bool = False
    # "Position on an issue": the current position (crm.policy.positions) is one of these stances;
    # "unknown" includes people with no position at all.
    position_issue: int | None = None
    position_stance: tuple[str, ...] = ()
    tag: int | None = None
    sort: str = "name"

    @classmethod
    def from_args(cls, args) -> DirectoryFilter:
        """Read filters from query arguments, dropping values that are not allowed."""

        def text(name, allowed=None, limit=100):
            value = strip_filter(args.get(name) or "")[:limit]
            return value if allowed is None or value in allowed else ""

        def choices(name, allowed):
            values = args.getlist(name) if hasattr(args, "getlist") else [args.get(name) or ""]
            chosen = {part.strip() for v in values for part in str(v).split(",")}
            return tuple(k for k in allowed if k in chosen)

        def number(name, low=0, high=10**9):
            try:
                value = int(args.get(name) or "")
            except ValueError:
                return None
            return value if low <= value <= high else None

        state = text("state", limit=2).upper()
        return cls(
            q=text("q"),
            kind=text("kind", PERSON_KINDS),
            level=text("level", LEVELS),
            chamber=text("chamber", CHAMBERS),
            state=state if state in US_STATES else "",
            party=text("party", limit=40),
            committee=parse_id(args.get("committee")),
            tier=text("tier", TIERS),
            holder=parse_id(args.get("holder")),
            not_contacted_days=number("not_contacted_days", 1, 36500),
            never_contacted=(args.get("never_contacted") or "") in {"1", "on", "true", "y"},
            include_out_of_office=(args.get("include_out_of_office") or "")
            in {"1", "on", "true", "y"},
            sort=text("sort", SORTS) or "name",
            position_issue=parse_id(args.get("position_issue")),
            position_stance=choices("position_stance", STANCES),
            tag=parse_id(args.get("tag")),
        )

    def to_dict(self) -> dict:
        """Only the filters in use (for links, saved campaign filters and CSV names)."""
        default = DirectoryFilter()
        return {
            f.name: getattr(self, f.name)
            for f in fields(self)
            if getattr(self, f.name) != getattr(default, f.name)
        }

    @property
    def active_count(self) -> int:
        """How many filters are in use (sorting is not a filter)."""
        return len({k for k in self.to_dict() if k != "sort"})

    @property
    def active(self) -> bool:
        """True when at least one filter narrows the directory."""
        return self.active_count > 0

    def apply(self, stmt: Select, now: datetime | None, *, viewer: User | None) -> Select:
        """Add the WHERE clauses for these filters to a select over Person, as the viewer sees
        the directory (positions stated in private contacts count only for their audience)."""
        return stmt.where(*self.conditions(self.values(now), viewer))

    def values(self, now: datetime | None) -> dict:
        """What the conditions compare with, by name: the filters in use of VALUED, the name
        search's query (crm.search.services.name_query) and the cutoff of "not contacted in N
        days"."""
        values = {name: getattr(self, name) for name in VALUED if getattr(self, name)}
        words = query_words(self.q) if self.q else []
        if words:
            values["q"] = name_query(words)
        if self.not_contacted_days and not self.never_contacted:
            values["cutoff"] = now - timedelta(days=self.not_contacted_days)
        return values

    def shape(self, values: dict) -> tuple | None:
        """All a statement of these filters depends on besides their values(): one statement
        serves every filter of a shape, its values bound (crm.people.services.directory_select).
        None when the statement depends on more (a position filter's viewer) or matches
        nobody (a name search without a word to look for)."""
        if (self.q and "q" not in values) or (self.position_issue and self.position_stance):
            return None
        return tuple(values), self.include_out_of_office, self.never_contacted, self.sort

    def conditions(self, values: dict, viewer: User | None) -> list[sa.ColumnElement[bool]]:
        """The WHERE clauses of these filters, comparing with `values` (values(), or bind
        parameters of the same names)."""
        where = [Person.deleted_at.is_(None)]
        if not self.include_out_of_office:
            where.append(Person.in_office.is_(True))
        if "q" in values:  # every name form, from the search index (crm.search)
            where.append(person_filter(values["q"]))
        elif self.q:  # no word to look for
            where.append(sa.false())
        for name in ("kind", "level", "chamber", "party", "tier", "state"):
            if name in values:
                where.append(getattr(Person, name) == values[name])
        if "holder" in values:
            where.append(Person.holder_id == values["holder"])
        if "committee" in values:
            # A committee filter includes its subcommittees' members.
            committee = values["committee"]
            ids = sa.select(Committee.id).where(
                sa.or_(Committee.id == committee, Committee.parent_id == committee)
            )
            where.append(
                Person.id.in_(
                    sa.select(CommitteeMembership.person_id).where(
                        CommitteeMembership.committee_id.in_(ids)
                    )
                )
            )
        if self.never_contacted:
            where.append(Person.last_contacted_at.is_(None))
        elif "cutoff" in values:
            where.append(
                sa.or_(
                    Person.last_contacted_at.is_(None),
                    Person.last_contacted_at < values["cutoff"],
                )
            )
        if self.position_issue and self.position_stance:
            where.append(has_position_on_issue(self.position_issue, self.position_stance, viewer))
        if "tag" in values:
            where.append(Person.id.in_(Tag.tagged("person", values["tag"])))
        return where

    def query_args(self) -> list[tuple[str, str]]:
        """The filters in use as query-string pairs (lists repeat their key), for links."""
        pairs = []
        for key, value in self.to_dict().items():
            if key == "position_stance":
                pairs += [("position_stance", s) for s in value]
            else:
                pairs.append((key, "1" if value is True else str(value)))
        return pairs

    def order(self, stmt: Select) -> Select:
        """The statement ordered by the filter's sort."""
        return stmt.order_by(*SORTS[self.sort])


def filter_from_dict(data: dict) -> DirectoryFilter:
    """Rebuild a filter from to_dict() output (a saved campaign filter)."""

    def arg(value) -> str:
        if value is True:
            return "1"
        if isinstance(value, (list, tuple)):
            return ",".join(str(v) for v in value)
        return str(value)

    return DirectoryFilter.from_args({k: arg(v) for k, v in data.items()})
