"""Team reports: coverage of Congress by state, activity over time, members, not-contacted lists.

"Contacted" reads Person.last_contacted_at, which the contact log keeps up to date (a staffer
contacted counts for their legislator's office; deleting a contact recomputes it).
Each report runs a fixed number of grouped queries, whatever the size of the log.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa

from crm import charts, clock
from crm.extensions import db
from crm.forms import US_STATES
from crm.models import (
    CHAMBERS,
    INTERACTION_KINDS,
    Assignment,
    Committee,
    CommitteeMembership,
    Interaction,
    Person,
    User,
)


def delegation_filter(level: str = "federal"):
    """In-office legislators of a level: for "federal", the members of Congress."""
    return (
        Person.kind == "legislator",
        Person.level == level,
        Person.in_office.is_(True),
        Person.deleted_at.is_(None),
    )


# ---- coverage map ----


@dataclass
class StateCoverage:
    """One state's members of Congress and how many of them were contacted."""

    code: str
    name: str
    delegation: int
    contacted: int

    @property
    def share(self) -> float | None:
        """The share of the delegation contacted (0 to 1); None for no delegation."""
        return self.contacted / self.delegation if self.delegation else None

    @property
    def percent(self) -> str:
        """The share contacted as a percentage; a dash for no delegation."""
        return charts.percent(self.contacted, self.delegation) if self.delegation else "—"


@dataclass
class MapState:
    """One state's path on the coverage map, with its fill colour and title."""

    code: str
    name: str
    d: str
    fill: str
    title: str


@dataclass
class Coverage:
    """Members of Congress contacted per state over the last `days` days."""

    days: int
    states: list[StateCoverage]

    @property
    def delegation(self) -> int:
        """Members of Congress across all states."""
        return sum(s.delegation for s in self.states)

    @property
    def contacted(self) -> int:
        """Members of Congress contacted, across all states."""
        return sum(s.contacted for s in self.states)

    @property
    def map_states(self) -> list[MapState]:
        """One coloured path per state, titled with its numbers (the table repeats them)."""
        by_code = {s.code: s for s in self.states}
        out = []
        for code, shape in charts.us_states()["states"].items():
            s = by_code.get(code) or StateCoverage(code, shape["name"], 0, 0)
            if s.delegation:
                title = (
                    f"{shape['name']}: {s.contacted} of {s.delegation} members of Congress "
                    f"contacted in the last {self.days} days ({s.percent})"
                )
            else:
                title = f"{shape['name']}: no members of Congress in the directory"
            out.append(
                MapState(code, shape["name"], shape["d"], charts.coverage_fill(s.share), title)
            )
        return out


def coverage(now: datetime, days: int = 90) -> Coverage:
    """Each state's delegation (senators and representatives in office) and how many of them
    someone in the coalition contacted in the last `days` days: one grouped query."""
    cutoff = now - timedelta(days=days)
    rows = db.session.execute(
        sa.select(
            Person.state,
            sa.func.count(),
            sa.func.count().filter(Person.last_contacted_at >= cutoff),
        )
        .where(*delegation_filter(), Person.state.is_not(None))
        .group_by(Person.state)
    )
    counts = {state: (total, contacted) for state, total, contacted in rows}
    shapes = charts.us_states()["states"]
    codes = sorted(set(shapes) | set(counts), key=lambda c: US_STATES.get(c, c))
    states = [StateCoverage(c, US_STATES.get(c, c), *counts.get(c, (0, 0))) for c in codes]
    return Coverage(days, states)


COVERAGE_CSV = ["State", "Code", "Members of Congress", "Contacted", "Share"]


def coverage_csv_rows(report: Coverage):
    """The coverage report's CSV rows: state, code, delegation, contacted, percent."""
    for s in report.states:
        yield [s.name, s.code, s.delegation, s.contacted, s.percent]


# ---- activity ----


@dataclass
class Activity:
    """Contacts logged per week, by kind."""

    weeks: list[datetime]  # the local Monday each week starts
    counts: list[dict[str, int]]  # per week: kind -> interactions

    @property
    def kinds(self) -> list[tuple[str, str]]:
        """The kinds of contact logged in the period (meetings when there were none)."""
        used = {k for c in self.counts for k, v in c.items() if v}
        return [(k, v) for k, v in INTERACTION_KINDS.items() if k in used] or [
            ("meeting", INTERACTION_KINDS["meeting"])
        ]

    @property
    def total(self) -> int:
        """Contacts logged in the period."""
        return sum(sum(c.values()) for c in self.counts)

    @property
    def by_kind(self) -> list[tuple[str, str, int]]:
        """(kind, label, contacts over the whole period), most first."""
        totals = [(k, label, sum(c.get(k, 0) for c in self.counts)) for k, label in self.kinds]
        return sorted(totals, key=lambda t: -t[2])

    @property
    def legend(self) -> list[tuple[str, str]]:
        """The chart's legend: a colour and label per kind."""
        return [(charts.KIND_FILLS[k], label) for k, label in self.kinds]

    @property
    def chart(self) -> charts.ColumnChart:
        """The chart of contacts per week, stacked by kind."""
        series = [(f"{w:%b} {w.day}", c) for w, c in zip(self.weeks, self.counts, strict=True)]
        return charts.stacked_columns(series, self.kinds, charts.KIND_FILLS)


def week_starts(now: datetime, tz: str, weeks: int) -> list[datetime]:
    """The last `weeks` local Mondays at midnight (as aware UTC), oldest first, plus the next."""
    today = clock.local_today(now, tz)
    monday = today - timedelta(days=today.weekday())
    days = [monday - timedelta(weeks=k) for k in range(weeks - 1, -2, -1)]
    return [clock.from_local(datetime(d.year, d.month, d.day), tz) for d in days]


def activity(now: datetime, tz: str, weeks: int = 26, *, viewer: User | None) -> Activity:
    """Interactions per week by kind (not deleted) that the viewer may see, weeks starting
    Monday in `tz`: one query."""
    weeks = max(weeks, 2)
    bounds = week_starts(now, tz, weeks)
    bucket = sa.case(
        *[(Interaction.occurred_at < b, i) for i, b in enumerate(bounds[1:-1])], else_=weeks - 1
    ).label("week")
    rows = db.session.execute(
        sa.select(bucket, Interaction.kind, sa.func.count())
        .where(
            Interaction.deleted_at.is_(None),
            Interaction.in_audience(viewer),
            Interaction.occurred_at >= bounds[0],
            Interaction.occurred_at < bounds[-1],
        )
        .group_by(bucket, Interaction.kind)
    )
    counts = [dict.fromkeys(INTERACTION_KINDS, 0) for _ in range(weeks)]
    for week, kind, n in rows:
        counts[int(week)][kind] = counts[int(week)].get(kind, 0) + n
    return Activity([clock.local(b, tz) for b in bounds[:-1]], counts)


def activity_csv_rows(report: Activity):
    """The activity report's CSV rows: week start, a count per kind, total."""
    for week, counts in zip(report.weeks, report.counts, strict=True):
        yield [
            week.date().isoformat(),
            *[counts.get(k, 0) for k, _ in report.kinds],
            sum(counts.values()),
        ]


def activity_kind_rows(report: Activity):
    """The activity report's rows by kind: label, contacts, share of the total."""
    for _kind, label, n in report.by_kind:
        yield [label, n, charts.percent(n, report.total)]


# ---- members ----


@dataclass
class MemberRow:
    """One member's contacts logged and their assignments done, open and overdue."""

    user: User
    contacts: int
    done: int
    overdue: int
    open: int


def members_table(now: datetime, tz: str, days: int = 90) -> list[MemberRow]:
    """Per active member: contacts logged and assignments done in the last `days` days, and
    assignments open and overdue today: four queries."""
    since = now - timedelta(days=days)
    today = clock.local_today(now, tz)
    users = list(
        db.session.scalars(sa.select(User).where(User.is_active.is_(True)).order_by(User.name))
    )
    contacts = dict(
        db.session.execute(
            sa.select(Interaction.logged_by_id, sa.func.count())
            .where(Interaction.deleted_at.is_(None), Interaction.occurred_at >= since)
            .group_by(Interaction.logged_by_id)
        ).all()
    )
    done = dict(
        db.session.execute(
            sa.select(Assignment.assignee_id, sa.func.count())
            .where(
                Assignment.deleted_at.is_(None),
                Assignment.status == "done",
                Assignment.completed_at >= since,
            )
            .group_by(Assignment.assignee_id)
        ).all()
    )
    pending = {
        uid: (n, late)
        for uid, n, late in db.session.execute(
            sa.select(
                Assignment.assignee_id,
                sa.func.count(),
                sa.func.count().filter(Assignment.is_overdue(today)),
            )
            .where(Assignment.active())
            .group_by(Assignment.assignee_id)
        )
    }
    return [
        MemberRow(
            u,
            contacts.get(u.id, 0),
            done.get(u.id, 0),
            pending.get(u.id, (0, 0))[1],
            pending.get(u.id, (0, 0))[0],
        )
        for u in users
    ]


MEMBERS_CSV = [
    "Member",
    "Email",
    "Role",
    "Home state",
    "Contacts logged",
    "Assignments done",
    "Open assignments",
    "Overdue",
]


def members_csv_rows(rows: list[MemberRow]):
    """The members report's CSV rows."""
    for r in rows:
        yield [
            r.user.name,
            r.user.email,
            r.user.role,
            r.user.home_state or "",
            r.contacts,
            r.done,
            r.open,
            r.overdue,
        ]


# ---- not contacted ----


@dataclass
class Group:
    """Officials not contacted within one group (a state, chamber or committee), out of its
    total."""

    key: str
    label: str
    total: int
    people: list[Person] = field(default_factory=list)

    @property
    def share(self) -> str:
        """The share of the group not contacted, as a percentage."""
        return charts.percent(len(self.people), self.total)


@dataclass
class NotContacted:
    """Officials at a level not contacted within `days` days, grouped by state, chamber and
    committee."""

    days: int
    level: str
    people: list[Person]
    by_state: list[Group]
    by_chamber: list[Group]
    by_committee: list[Group]
    committees_of: dict[int, list[str]]


def not_contacted(now: datetime, days: int = 90, level: str = "federal") -> NotContacted:
    """Legislators in office nobody contacted in `days` days, grouped by state, chamber and
    committee, each group with its size for scale: four queries."""
    cutoff = now - timedelta(days=days)
    lapsed = sa.or_(Person.last_contacted_at.is_(None), Person.last_contacted_at < cutoff)
    people = list(
        db.session.scalars(
            sa.select(Person)
            .where(*delegation_filter(level), lapsed)
            .order_by(Person.state, Person.chamber, Person.sort_name)
        )
    )
    totals = db.session.execute(
        sa.select(Person.state, Person.chamber, sa.func.count())
        .where(*delegation_filter(level))
        .group_by(Person.state, Person.chamber)
    ).all()
    members = db.session.execute(
        sa.select(
            CommitteeMembership.person_id,
            Committee.id,
            Committee.name,
            Committee.chamber,
            Committee.jurisdiction,
            lapsed,
        )
        .join(Committee, Committee.id == CommitteeMembership.committee_id)
        .join(Person, Person.id == CommitteeMembership.person_id)
        .where(*delegation_filter(level), Committee.parent_id.is_(None), Committee.active.is_(True))
        .order_by(Committee.jurisdiction, Committee.chamber, Committee.name)
    ).all()

    state_totals: dict[str, int] = defaultdict(int)
    chamber_totals: dict[str, int] = defaultdict(int)
    for state, chamber, n in totals:
        state_totals[state or "?"] += n
        chamber_totals[chamber or "?"] += n
    by_state = {s: Group(s, US_STATES.get(s, s), n) for s, n in state_totals.items()}
    by_chamber = {c: Group(c, CHAMBERS.get(c, c), n) for c, n in chamber_totals.items()}
    for p in people:
        by_state[p.state or "?"].people.append(p)
        by_chamber[p.chamber or "?"].people.append(p)
    people_by_id = {p.id: p for p in people}
    committees: dict[int, Group] = {}
    committees_of: dict[int, list[str]] = defaultdict(list)
    for person_id, cid, name, chamber, jurisdiction, is_lapsed in members:
        where = "" if jurisdiction == "US" else f"{jurisdiction} "
        label = f"{where}{CHAMBERS.get(chamber, chamber)}: {name}"
        group = committees.setdefault(cid, Group(str(cid), label, 0))
        group.total += 1
        if is_lapsed and person_id in people_by_id:
            group.people.append(people_by_id[person_id])
            committees_of[person_id].append(name)
    return NotContacted(
        days,
        level,
        people,
        sorted((g for g in by_state.values() if g.people), key=lambda g: g.label),
        sorted((g for g in by_chamber.values() if g.people), key=lambda g: g.label),
        sorted(
            (g for g in committees.values() if g.people), key=lambda g: (-len(g.people), g.label)
        ),
        committees_of,
    )


NOT_CONTACTED_PEOPLE_CSV = [
    "Name",
    "Seat",
    "State",
    "Chamber",
    "Party",
    "Last contacted",
    "Committees",
]
NOT_CONTACTED_GROUP_CSV = ["Group", "Not contacted", "Of", "Share", "Names"]


def not_contacted_people_rows(report: NotContacted):
    """The not-contacted report's CSV rows, one per official (last contact, or "never")."""
    for p in report.people:
        yield [
            p.full_name,
            p.seat,
            p.state,
            CHAMBERS.get(p.chamber or "", ""),
            p.party,
            p.last_contacted_at.date().isoformat() if p.last_contacted_at else "never",
            "; ".join(report.committees_of.get(p.id, [])),
        ]


def not_contacted_group_rows(groups: list[Group]):
    """The not-contacted report's CSV rows for one grouping: label, not contacted, total, share,
    names."""
    for g in groups:
        yield [g.label, len(g.people), g.total, g.share, "; ".join(p.full_name for p in g.people)]
