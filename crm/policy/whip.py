"""The whip board: every target's current position on an issue or bill, counts, and movement.

Targets are a DirectoryFilter (the directory's own definition of "legislators of this chamber,
state, party, committee"); positions come from crm.policy.positions.current_positions, as the
viewer may see them (a position stated in a private contact counts only for its audience). The
board runs a fixed number of statements whatever the number of targets.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import aliased, joinedload, load_only

from crm import charts
from crm.extensions import db
from crm.forms import US_STATES
from crm.models import CHAMBERS, LEVELS, STANCES, Bill, Committee, Issue, Person, Position, User
from crm.people.filters import DirectoryFilter
from crm.policy.positions import Subject, counting, current_positions, stance_changes
from crm.policy.record import (
    RECORD_FILTERS,
    Conversion,
    Meeting,
    PublicRecord,
    bill_meetings,
    conversion,
    public_records,
)

# What the board, its sorts and its CSV read of each target (no notes, JSON columns, ...).
BOARD_COLUMNS = (
    Person.id,
    Person.kind,
    Person.full_name,
    Person.sort_name,
    Person.title,
    Person.level,
    Person.chamber,
    Person.state,
    Person.district,
    Person.party,
    Person.party_label,
    Person.last_contacted_at,
    Person.last_contacted_by_id,
    Person.version,
    Person.bioguide_id,
)
# A stated position that the public record contradicts (shown side by side, never merged).
DIFFERS_WHEN_COSPONSOR = ("undecided", "lean_oppose", "oppose")
DIFFERS_WHEN_WITHDRAWN = ("support", "lean_support")

SORTS = {
    "state": lambda r: (r.person.state or "", r.person.chamber or "", r.person.sort_name),
    "name": lambda r: r.person.sort_name,
    "position": lambda r: (list(STANCES).index(r.stance), r.person.sort_name),
    "recorded": lambda r: (
        r.recorded_at is not None,
        r.recorded_at or datetime.min,
        r.person.sort_name,
    ),
    "last_contact": lambda r: (
        r.person.last_contacted_at is not None,
        r.person.last_contacted_at or datetime.min,
        r.person.sort_name,
    ),
}
SORT_LABELS = {
    "state": "State",
    "name": "Name",
    "position": "Position",
    "recorded": "Oldest position first",
    "last_contact": "Longest without contact",
}


@dataclass
class WhipOptions:
    """Who the board lists and how: chamber "" means both chambers."""

    level: str = "federal"
    chamber: str = ""
    state: str = ""
    party: str = ""
    committee: int | None = None
    stale_days: int = 90
    weeks: int = 12
    sort: str = "state"
    record: str = ""  # a RECORD_FILTERS key: targets by public record and meetings

    @classmethod
    def defaults_for(cls, subject: Issue | Bill) -> WhipOptions:
        """A bill's targets are the legislators of its chamber and jurisdiction; an issue's are
        all members of Congress."""
        if isinstance(subject, Bill):
            if subject.jurisdiction == "US":
                return cls(level="federal", chamber=subject.chamber or "")
            return cls(level="state", chamber=subject.chamber or "", state=subject.jurisdiction)
        return cls()

    @classmethod
    def from_args(cls, args, subject: Issue | Bill) -> WhipOptions:
        """The defaults, overridden by query arguments that are valid ("any" clears a default)."""
        opts = cls.defaults_for(subject)
        if "level" in args:
            opts.level = args.get("level") if args.get("level") in LEVELS else opts.level
        if "chamber" in args:
            value = args.get("chamber") or ""
            opts.chamber = value if value in CHAMBERS else ""
        if "state" in args:
            value = (args.get("state") or "").strip().upper()
            opts.state = value if value in US_STATES else ""
        if "party" in args:
            opts.party = (args.get("party") or "").strip()[:40]
        opts.committee = positive(args.get("committee"), 10**9)
        opts.stale_days = positive(args.get("stale_days"), 3650) or opts.stale_days
        opts.weeks = min(positive(args.get("weeks"), 104) or opts.weeks, 104)
        opts.sort = args.get("sort") if args.get("sort") in SORTS else opts.sort
        opts.record = args.get("record") if args.get("record") in RECORD_FILTERS else ""
        return opts

    def directory_filter(self) -> DirectoryFilter:
        """The directory filter for the legislators the board lists."""
        return DirectoryFilter(
            kind="legislator",
            level=self.level,
            chamber=self.chamber,
            state=self.state,
            party=self.party,
            committee=self.committee,
        )

    def to_args(self) -> dict:
        """Query arguments that reproduce these options (links, CSV)."""
        return {
            "level": self.level,
            "chamber": self.chamber or "any",
            "state": self.state,
            "party": self.party,
            "committee": self.committee or "",
            "stale_days": self.stale_days,
            "weeks": self.weeks,
            "sort": self.sort,
            "record": self.record,
        }


def positive(value, high: int) -> int | None:
    """The value as a whole number from 1 to `high`, or None."""
    try:
        number = int(value or "")
    except ValueError:
        return None
    return number if 1 <= number <= high else None


@dataclass
class WhipRow:
    """One target on a whip board: their stance, commitment, last contact and public record."""

    person: Person
    stance: str
    position_id: int | None
    recorded_at: datetime | None
    recorded_by: str | None
    interaction_id: int | None
    commitment: str | None
    commitment_status: str | None
    last_contact_by: str | None
    stale: bool
    record: PublicRecord | None = None  # the official record of the bill, a source apart
    meetings: list[Meeting] = field(default_factory=list)  # visible meetings on the bill

    @property
    def cosponsoring(self) -> bool:
        """True when the official record shows them a current cosponsor."""
        return self.record is not None and self.record.current

    @property
    def record_differs(self) -> bool:
        """The record says otherwise than the position we were told (both stay shown)."""
        if self.record is None:
            return False
        if self.record.current:
            return self.stance in DIFFERS_WHEN_COSPONSOR
        return self.stance in DIFFERS_WHEN_WITHDRAWN

    def matches(self, record_filter: str) -> bool:
        """True when the row passes the public-record filter."""
        if record_filter == "cosponsor_not_met":
            return self.cosponsoring and not self.meetings
        if record_filter == "met_not_cosponsor":
            return bool(self.meetings) and not self.cosponsoring
        return True


@dataclass
class WhipBoard:
    """A whip board: where each target stands on an issue or bill, and how it moved."""

    subject: Issue | Bill
    token: str
    options: WhipOptions
    rows: list[WhipRow]
    counts: dict[str, int]
    weekly: list[tuple[datetime, dict[str, int]]]
    now: datetime
    commitments: list[Position] = field(default_factory=list)
    choices: dict = field(default_factory=dict)
    has_record: bool = False  # a bill of Congress: the public record is shown
    conversion: Conversion | None = None

    @property
    def total(self) -> int:
        """How many targets the board counts."""
        return len(self.rows)

    @property
    def shown(self) -> list[WhipRow]:
        """The targets listed: all of them, or those the public-record filter picks."""
        if not (self.has_record and self.options.record):
            return self.rows
        return [r for r in self.rows if r.matches(self.options.record)]

    @property
    def record_counts(self) -> dict[str, int]:
        """Among the targets: sponsors and cosponsors now, withdrawn, and the two filters."""
        return {
            "cosponsoring": sum(r.cosponsoring for r in self.rows),
            "withdrawn": sum(1 for r in self.rows if r.record and not r.record.current),
            "differs": sum(r.record_differs for r in self.rows),
            **{k: sum(r.matches(k) for r in self.rows) for k in RECORD_FILTERS},
        }

    @property
    def converted_rows(self) -> list[tuple[WhipRow, Meeting, int]]:
        """Offices that cosponsored within the longest window after a meeting, soonest first."""
        if not self.conversion:
            return []
        by_id = {r.person.id: r for r in self.rows}
        out = [
            (by_id[pid], meeting, days)
            for pid, (meeting, days) in self.conversion.converted.items()
            if pid in by_id
        ]
        return sorted(out, key=lambda t: (t[2], t[0].person.sort_name))

    @property
    def kind(self) -> str:
        """Either "issue" or "bill"."""
        return "issue" if isinstance(self.subject, Issue) else "bill"

    @property
    def title(self) -> str:
        """The issue's name, or the bill's label and title."""
        if isinstance(self.subject, Issue):
            return self.subject.name
        return f"{self.subject.label}: {self.subject.title}"

    @property
    def targets_label(self) -> str:
        """e.g. "U.S. Senate, Republican, TX, committee filter" in words."""
        o = self.options
        if o.level == "federal":
            where = {"upper": "U.S. Senate", "lower": "U.S. House"}.get(o.chamber, "Congress")
        else:
            chamber = {"upper": "state senators", "lower": "state representatives"}.get(
                o.chamber, "state legislators"
            )
            where = chamber
        parts = [where]
        if o.state:
            parts.append(US_STATES.get(o.state, o.state))
        if o.party:
            parts.append(o.party)
        if o.committee:
            name = next(
                (c.name for c in self.choices.get("committees", []) if c.id == o.committee),
                "one committee",
            )
            parts.append(name)
        return ", ".join(parts)

    def csv_url_args(self) -> dict:
        """The URL arguments of the board's CSV downloads (its subject and options)."""
        return {f"{self.kind}_id": self.subject.id, **self.options.to_args()}

    @property
    def change(self) -> dict[str, int]:
        """How each count moved over the weeks shown."""
        if not self.weekly:
            return {k: 0 for k in STANCES}
        first = self.weekly[0][1]
        return {k: self.counts[k] - first.get(k, 0) for k in STANCES}

    @property
    def counts_text(self) -> str:
        """The counts per stance in words, e.g. "Support 12, Lean support 4, ..."."""
        return ", ".join(f"{label} {self.counts[k]}" for k, label in STANCES.items())

    @property
    def count_bar(self) -> list[charts.Rect]:
        """The stacked bar of the counts per stance."""
        return charts.stacked_bar(
            [(k, v, self.counts[k]) for k, v in STANCES.items()], charts.STANCE_FILLS
        )

    @property
    def weekly_chart(self) -> charts.ColumnChart:
        """The chart of the counts per stance, week by week."""
        series = [(f"{at:%b} {at.day}", counts) for at, counts in self.weekly]
        return charts.stacked_columns(series, list(STANCES.items()), charts.STANCE_FILLS)


def load_subject(subject: Subject) -> Issue | Bill:
    """The issue or bill; LookupError when it does not exist."""
    found = subject.load()
    if found is None:
        raise LookupError(subject)
    return found


def whip_board(
    subject: Subject, options: WhipOptions, now: datetime, viewer: User | None
) -> WhipBoard:
    """Targets with current positions, counts by position, and the counts week by week, as
    the viewer may see them."""
    record = load_subject(subject)
    flt = options.directory_filter()
    last_by = aliased(User)
    people = db.session.execute(
        flt.apply(sa.select(Person, last_by.name), now, viewer=viewer)
        .outerjoin(last_by, last_by.id == Person.last_contacted_by_id)
        .options(load_only(*BOARD_COLUMNS))
    ).all()
    # The targets' ids, not their filter again, in the position queries: the planners then look
    # positions up by (person, issue) instead of re-running the filter. Statements stay 1 + 3.
    ids = [person.id for person, _ in people]
    current = current_positions(subject, person_ids=ids, viewer=viewer)
    positions = {
        row.person_id: row
        for row in db.session.execute(
            sa.select(current, User.name.label("recorder")).outerjoin(
                User, User.id == current.c.recorded_by_id
            )
        )
    }
    stale_before = now - timedelta(days=options.stale_days)
    has_record = isinstance(record, Bill) and record.jurisdiction == "US"
    records: dict[int, PublicRecord] = {}
    meetings: dict[int, list[Meeting]] = {}
    if has_record:  # two statements for any number of targets
        records = public_records(record.id, {p.id: p.bioguide_id for p, _ in people})
        meetings = bill_meetings(record.id, ids, viewer)
    rows = []
    for person, last_by_name in people:
        p = positions.get(person.id)
        rows.append(
            WhipRow(
                person=person,
                stance=p.stance if p else "unknown",
                position_id=p.id if p else None,
                recorded_at=p.recorded_at if p else None,
                recorded_by=p.recorder if p else None,
                interaction_id=p.interaction_id if p else None,
                commitment=p.commitment if p else None,
                commitment_status=p.commitment_status if p else None,
                last_contact_by=last_by_name,
                stale=p is None or p.recorded_at < stale_before,
                record=records.get(person.id),
                meetings=meetings.get(person.id, []),
            )
        )
    rows.sort(key=SORTS[options.sort])
    counts = Counter(r.stance for r in rows)
    first = week_points(now, options.weeks)[0]
    then = current_positions(subject, person_ids=ids, as_of=first, viewer=viewer)
    at_first = dict(db.session.execute(sa.select(then.c.person_id, then.c.stance)).all())
    weekly = weekly_counts(
        at_first,
        stance_changes(subject, ids, since=first, viewer=viewer),
        len(rows),
        now,
        options.weeks,
    )
    return WhipBoard(
        record,
        subject.token,
        options,
        rows,
        {k: counts.get(k, 0) for k in STANCES},
        weekly,
        now,
        commitments(subject, ids, viewer),
        whip_choices(options),
        has_record,
        conversion(records, meetings, viewer_zone(viewer)) if has_record else None,
    )


def viewer_zone(viewer: User | None):
    """The viewer's time zone: a meeting's day is the day it was where they work."""
    try:
        return ZoneInfo(viewer.timezone) if viewer and viewer.timezone else None
    except (KeyError, ValueError):
        return None


def commitments(subject: Subject, targets, viewer: User | None, limit: int = 200) -> list[Position]:
    """Commitments the targets made on the subject (pending first) that the viewer may see, for
    coordinators to mark."""
    stmt = (
        counting(
            sa.select(Position).where(
                subject.column == subject.id,
                Position.commitment.is_not(None),
                Position.person_id.in_(targets),
            ),
            viewer,
        )
        .order_by(Position.commitment_status != "pending", Position.recorded_at.desc())
        .options(joinedload(Position.person), joinedload(Position.recorded_by))
        .limit(limit)
    )
    return list(db.session.scalars(stmt))


def week_points(now: datetime, weeks: int) -> list[datetime]:
    """The moments the weekly chart shows: now, and each week back."""
    return [now - timedelta(days=7 * k) for k in range(weeks - 1, -1, -1)]


def weekly_counts(
    start: dict[int, str], changes, total: int, now: datetime, weeks: int
) -> list[tuple[datetime, dict]]:
    """The counts at each week point: the positions at the first point (`start`, person ->
    stance), then the later stance changes replayed in order."""
    state = dict(start)
    out, i = [], 0
    for point in week_points(now, weeks):
        while i < len(changes) and changes[i].recorded_at <= point:
            state[changes[i].person_id] = changes[i].stance
            i += 1
        counts = Counter(state.values())
        counts["unknown"] += total - len(state)
        out.append((point, {k: counts.get(k, 0) for k in STANCES}))
    return out


def whip_choices(options: WhipOptions) -> dict:
    """Committees and parties for the filter bar: two queries."""
    committees = list(
        db.session.execute(
            sa.select(Committee.id, Committee.name, Committee.chamber, Committee.parent_id)
            .where(Committee.active.is_(True), Committee.level == options.level)
            .order_by(Committee.chamber, Committee.parent_id.is_not(None), Committee.name)
        )
    )
    parties = [
        p
        for (p,) in db.session.execute(
            sa.select(Person.party)
            .where(Person.party.is_not(None), Person.kind == "legislator")
            .distinct()
            .order_by(Person.party)
        )
    ]
    return {"committees": committees, "parties": parties}


WHIP_CSV = [
    "Name",
    "Seat",
    "State",
    "Party",
    "Position",
    "Recorded",
    "Recorded by",
    "Stale",
    "Commitment",
    "Commitment status",
    "Last contact",
    "Last contact by",
    "Public record",
    "Record since",
    "Withdrawn",
    "Meetings on the bill",
]


def whip_csv_rows(board: WhipBoard):
    """The listed targets as CSV rows."""
    for r in board.shown:
        rec = r.record
        yield [
            r.person.full_name,
            r.person.seat,
            r.person.state,
            r.person.party,
            STANCES[r.stance],
            r.recorded_at.date().isoformat() if r.recorded_at else "",
            r.recorded_by or "",
            "yes" if r.stale else "no",
            r.commitment or "",
            r.commitment_status or "",
            r.person.last_contacted_at.date().isoformat() if r.person.last_contacted_at else "",
            r.last_contact_by or "",
            (("withdrawn " if not rec.current else "") + rec.role) if rec else "",
            rec.since.isoformat() if rec and rec.since else "",
            rec.withdrawn_on.isoformat() if rec and rec.withdrawn_on else "",
            len(r.meetings) if board.has_record else "",
        ]


CONVERSION_CSV = ["Name", "Seat", "Meeting", "Meeting subject", "Cosponsored", "Days after"]


def conversion_csv_rows(board: WhipBoard):
    """The offices that cosponsored after a meeting, as CSV rows."""
    for r, meeting, days in board.converted_rows:
        yield [
            r.person.full_name,
            r.person.seat,
            meeting.occurred_at.date().isoformat(),
            meeting.subject or "",
            r.record.since.isoformat(),
            days,
        ]


def counts_csv_rows(board: WhipBoard):
    """The counts per stance with share and change, as CSV rows."""
    change = board.change
    for key, label in STANCES.items():
        yield [
            label,
            board.counts[key],
            charts.percent(board.counts[key], board.total),
            change[key],
        ]


def weekly_csv_rows(board: WhipBoard):
    """The counts per stance week by week, as CSV rows."""
    for at, counts in board.weekly:
        yield [at.date().isoformat(), *[counts[k] for k in STANCES]]


def commitments_csv_rows(board: WhipBoard):
    """The commitments made on the subject, as CSV rows."""
    for c in board.commitments:
        yield [
            c.person.full_name,
            c.person.seat,
            c.commitment,
            STANCES.get(c.stance, c.stance),
            c.recorded_at.date().isoformat(),
            c.recorded_by.name if c.recorded_by else "",
            c.commitment_status or "",
        ]
