"""The public record beside the whip board: who sponsored or cosponsored a bill (and who
withdrew), which targets the coalition met about it, and how many offices cosponsored soon after
a meeting.

The record is a second source, shown beside the position an office told us and never folded into
it: an office can cosponsor while telling us it is undecided, and the board shows both. Meetings
are read through the one visibility rule (Interaction.visible_to): a private meeting counts only
for its audience, in the filters and in the conversion figure alike. Two statements for any
number of targets.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa

from crm.extensions import db
from crm.models import BillSponsor, Interaction, StaffRole, User, interaction_bills
from crm.models.interaction import interaction_people

MEETING_KINDS = ("meeting", "virtual_meeting")
WINDOWS = (30, 60, 90)  # days from a meeting to a cosponsorship that the figure counts
RECORD_FILTERS = {
    "cosponsor_not_met": "Cosponsor, not yet met",
    "met_not_cosponsor": "Met, not cosponsor",
}


@dataclass(frozen=True)
class PublicRecord:
    """A target's standing in the official record of one bill."""

    role: str  # sponsor, cosponsor
    since: date | None
    withdrawn_on: date | None
    original: bool = False

    @property
    def current(self) -> bool:
        """Sponsor or cosponsor now (not withdrawn)."""
        return self.withdrawn_on is None

    @property
    def label(self) -> str:
        """ "Sponsor", "Cosponsor since Mar 4, 2025", "Withdrew May 3, 2025"."""
        if self.withdrawn_on:
            return f"Withdrew {day(self.withdrawn_on)}"
        if self.role == "sponsor":
            return "Sponsor"
        if self.since:
            return (
                f"{'Original cosponsor' if self.original else 'Cosponsor'} since {day(self.since)}"
            )
        return "Cosponsor"


def day(d: date) -> str:
    """The date as "Mar 4, 2026"."""
    return f"{d:%b} {d.day}, {d.year}"


@dataclass(frozen=True)
class Meeting:
    """A visible meeting about the bill with a target's office (the target or their staff)."""

    interaction_id: int
    occurred_at: datetime
    subject: str | None
    office_id: int  # the target whose office was met


@dataclass
class Conversion:
    """Offices that cosponsored within N days after a logged meeting on the bill."""

    met: int = 0  # target offices met about the bill (visible meetings)
    within: dict[int, int] = field(default_factory=lambda: {n: 0 for n in WINDOWS})
    # office id -> (the last meeting before it cosponsored, days from it to cosponsoring)
    converted: dict[int, tuple[Meeting, int]] = field(default_factory=dict)


def public_records(bill_id: int, bioguide_of: dict[int, str]) -> dict[int, PublicRecord]:
    """Target person id -> their record on the bill (sponsor wins over a cosponsor row), in
    one statement."""
    by_bioguide = {b: pid for pid, b in bioguide_of.items() if b}
    if not by_bioguide:
        return {}
    rows = db.session.execute(
        sa.select(
            BillSponsor.bioguide_id,
            BillSponsor.role,
            BillSponsor.sponsored_on,
            BillSponsor.withdrawn_on,
            BillSponsor.original,
        ).where(BillSponsor.bill_id == bill_id, BillSponsor.bioguide_id.in_(list(by_bioguide)))
    ).all()
    out: dict[int, PublicRecord] = {}
    for bioguide, role, since, withdrawn, original in sorted(rows, key=lambda r: r[1] != "sponsor"):
        out.setdefault(by_bioguide[bioguide], PublicRecord(role, since, withdrawn, original))
    return out


def bill_meetings(bill_id: int, target_ids: list[int], viewer: User | None) -> dict[int, list]:
    """Target id -> the meetings about the bill with their office that the viewer may see,
    oldest first, in one statement. A meeting with a current staffer is a meeting with the
    legislator's office."""
    if not target_ids:
        return {}
    targets = list(target_ids)
    staff = (
        sa.select(StaffRole.staff_id, StaffRole.employer_id)
        .where(StaffRole.end_date.is_(None), StaffRole.employer_id.in_(targets))
        .subquery()
    )
    office = sa.func.coalesce(staff.c.employer_id, interaction_people.c.person_id)
    # Read from the bill's links (its index), not from the log: a bill is discussed in a few
    # thousand contacts of hundreds of thousands.
    stmt = (
        Interaction.visible_to(viewer)
        .with_only_columns(Interaction.id, Interaction.occurred_at, Interaction.subject, office)
        .select_from(interaction_bills)
        .join(Interaction, Interaction.id == interaction_bills.c.interaction_id)
        .join(interaction_people, interaction_people.c.interaction_id == Interaction.id)
        .outerjoin(staff, staff.c.staff_id == interaction_people.c.person_id)
        .where(
            interaction_bills.c.bill_id == bill_id,
            Interaction.kind.in_(MEETING_KINDS),
            sa.or_(interaction_people.c.person_id.in_(targets), staff.c.employer_id.is_not(None)),
        )
        .order_by(Interaction.occurred_at, Interaction.id)
        .distinct()
    )
    out: dict[int, list[Meeting]] = {}
    for iid, at, subject, office_id in db.session.execute(stmt):
        meetings = out.setdefault(office_id, [])
        if not meetings or meetings[-1].interaction_id != iid:
            meetings.append(Meeting(iid, at, subject, office_id))
    return out


def conversion(
    records: dict[int, PublicRecord], meetings: dict[int, list[Meeting]], tz=None
) -> Conversion:
    """Of the offices met about the bill, those that cosponsored within 30, 60 and 90 days
    after a meeting (the last meeting before the cosponsorship; withdrawn ones count, they did
    cosponsor then). Dates are compared as days: the record has no time of day."""
    out = Conversion(met=len(meetings))
    for office_id, held in meetings.items():
        rec = records.get(office_id)
        if rec is None or rec.role != "cosponsor" or rec.since is None:
            continue
        before = [m for m in held if local_day(m.occurred_at, tz) <= rec.since]
        if not before:
            continue
        last = before[-1]
        days = (rec.since - local_day(last.occurred_at, tz)).days
        if days <= WINDOWS[-1]:
            out.converted[office_id] = (last, days)
            for n in WINDOWS:
                if days <= n:
                    out.within[n] += 1
    return out


def local_day(at: datetime, tz) -> date:
    """The date of this moment in the time zone (UTC when none)."""
    return at.astimezone(tz).date() if tz else at.date()
