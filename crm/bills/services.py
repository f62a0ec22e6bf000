"""A bill's page from the official record: actions, committees and their members, sponsors and
cosponsors over time, related bills, and the coalition's contacts about it."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from crm import audit, charts
from crm.errors import NotAllowed
from crm.extensions import db
from crm.models import (
    Bill,
    BillAction,
    BillChange,
    BillCommittee,
    BillSponsor,
    CommitteeMembership,
    Interaction,
    Person,
    User,
    interaction_bills,
)

PARTIES = [("D", "Democrats"), ("R", "Republicans"), ("I", "Independents")]
PARTY_FILLS = {"D": "#2166ac", "R": "#b2182b", "I": "#6b7280"}


@dataclass
class SponsorRow:
    """A sponsor of the bill, with the directory's person when one matches."""

    sponsor: BillSponsor
    person_id: int | None  # the directory's person with this bioguide id, if any


@dataclass
class CommitteeRow:
    """A committee the bill was referred to, with its members."""

    referral: BillCommittee
    members: list[CommitteeMembership]


@dataclass
class BillPage:
    """Everything the bill page shows."""

    bill: Bill
    sponsors: list[SponsorRow]
    actions: list[BillAction]
    committees: list[CommitteeRow]
    chart: charts.ColumnChart | None
    chart_rows: list[tuple[str, dict[str, int]]]
    related: list[tuple[dict, Bill | None]]
    contacts: list[Interaction]
    changes: list[BillChange]

    @property
    def by_party(self) -> list[tuple[str, str]]:
        """e.g. [("R", "1 sponsor (R)"), ("R", "70 Republicans"), ("D", "2 Democrats")]."""
        current = [r.sponsor for r in self.sponsors if not r.sponsor.withdrawn_on]
        counts = Counter(
            s.party if s.party in PARTY_FILLS else "I" for s in current if s.role == "cosponsor"
        )
        out = [(s.party or "", f"Sponsor: {s.full_name}") for s in current if s.role == "sponsor"]
        for key, label in PARTIES:
            if counts[key]:
                out.append((key, f"{counts[key]} {label if counts[key] != 1 else label[:-1]}"))
        withdrawn = sum(1 for r in self.sponsors if r.sponsor.withdrawn_on)
        if withdrawn:
            out.append(("", f"{withdrawn} withdrew"))
        return out

    @property
    def cosponsor_count(self) -> int:
        """How many cosponsors the bill has now (withdrawn ones not counted)."""
        return sum(
            1 for r in self.sponsors if r.sponsor.role == "cosponsor" and not r.sponsor.withdrawn_on
        )


def bill_page(bill: Bill, viewer: User, *, contacts_limit: int = 25) -> BillPage:
    """Everything the bill page shows, in a fixed number of statements."""
    sponsor_rows = db.session.execute(
        sa.select(BillSponsor, Person.id)
        .outerjoin(
            Person,
            sa.and_(Person.bioguide_id == BillSponsor.bioguide_id, Person.deleted_at.is_(None)),
        )
        .where(BillSponsor.bill_id == bill.id)
        .order_by(
            BillSponsor.role.desc(),  # sponsor first
            BillSponsor.sponsored_on,
            BillSponsor.last_name,
        )
    ).all()
    sponsors = [SponsorRow(s, pid) for s, pid in sponsor_rows]
    actions = list(
        db.session.scalars(
            sa.select(BillAction)
            .where(BillAction.bill_id == bill.id)
            .order_by(BillAction.acted_on.desc(), BillAction.id.desc())
        )
    )
    referrals = list(
        db.session.scalars(
            sa.select(BillCommittee)
            .where(BillCommittee.bill_id == bill.id)
            .order_by(BillCommittee.chamber, BillCommittee.system_code)
        )
    )
    ids = [r.committee_id for r in referrals if r.committee_id]
    members: dict[int, list[CommitteeMembership]] = {}
    if ids:
        for m in db.session.scalars(
            sa.select(CommitteeMembership)
            .join(Person, Person.id == CommitteeMembership.person_id)
            .where(CommitteeMembership.committee_id.in_(ids), Person.deleted_at.is_(None))
            .options(joinedload(CommitteeMembership.person))
            .order_by(CommitteeMembership.rank.nulls_last(), Person.sort_name)
        ):
            members.setdefault(m.committee_id, []).append(m)
    related_refs = (bill.record or {}).get("related_bills") or []
    related = related_bills(related_refs)
    contacts = list(
        db.session.scalars(
            Interaction.visible_to(viewer)
            .where(
                sa.exists().where(
                    interaction_bills.c.interaction_id == Interaction.id,
                    interaction_bills.c.bill_id == bill.id,
                )
            )
            .options(joinedload(Interaction.logged_by), selectinload(Interaction.people))
            .order_by(Interaction.occurred_at.desc())
            .limit(contacts_limit)
        ).unique()
    )
    changes = list(
        db.session.scalars(
            sa.select(BillChange)
            .where(BillChange.bill_id == bill.id)
            .order_by(BillChange.happened_on.desc().nulls_last(), BillChange.id.desc())
            .limit(20)
        )
    )
    chart_rows = cosponsors_by_month([s.sponsor for s in sponsors])
    chart = (
        charts.stacked_columns(chart_rows, PARTIES, PARTY_FILLS) if len(chart_rows) > 1 else None
    )
    return BillPage(
        bill=bill,
        sponsors=sponsors,
        actions=unique_actions(actions),
        committees=[CommitteeRow(r, members.get(r.committee_id, [])) for r in referrals],
        chart=chart,
        chart_rows=chart_rows,
        related=related,
        contacts=contacts,
        changes=changes,
    )


def unique_actions(actions: list[BillAction]) -> list[BillAction]:
    """One line per step: the record repeats a step once per reporting system."""
    seen, out = set(), []
    for a in actions:
        key = (a.acted_on, a.text.strip().rstrip(".").casefold())
        if key not in seen:
            seen.add(key)
            out.append(a)
    return out


def cosponsors_by_month(sponsors: list[BillSponsor]) -> list[tuple[str, dict[str, int]]]:
    """Cosponsors on the bill at the end of each month since the first, by party (withdrawn
    ones leave in the month they withdrew)."""
    events: list[tuple[date, str, int]] = []
    for s in sponsors:
        if s.role != "cosponsor" or s.sponsored_on is None:
            continue
        party = s.party if s.party in PARTY_FILLS else "I"
        events.append((s.sponsored_on, party, 1))
        if s.withdrawn_on:
            events.append((s.withdrawn_on, party, -1))
    if not events:
        return []
    events.sort()
    first, last = events[0][0], events[-1][0]
    months = []
    y, m = first.year, first.month
    while (y, m) <= (last.year, last.month) and len(months) < 48:
        months.append((y, m))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    running: Counter = Counter()
    rows, i = [], 0
    for y, m in months:
        while i < len(events) and (events[i][0].year, events[i][0].month) <= (y, m):
            running[events[i][1]] += events[i][2]
            i += 1
        rows.append((date(y, m, 1).strftime("%b %Y"), {k: running[k] for k, _ in PARTIES}))
    return rows


def related_bills(refs: list[dict]) -> list[tuple[dict, Bill | None]]:
    """Related bills as the record names them, with ours where we have them (one query)."""
    from crm.imports.billstatus import BILL_TYPES

    labels = {}
    for ref in refs:
        kind, number, congress = ref.get("type"), ref.get("number"), ref.get("congress")
        if kind in BILL_TYPES and number and congress:
            labels[(str(congress), f"{BILL_TYPES[kind]} {number}")] = ref
    ours = {}
    if labels:
        rows = db.session.scalars(
            sa.select(Bill).where(
                Bill.jurisdiction == "US",
                sa.tuple_(Bill.session, Bill.number).in_(list(labels)),
            )
        )
        ours = {(b.session, b.number): b for b in rows}
    return [
        (
            {**ref, "label": label},
            ours.get((session, label)),
        )
        for (session, label), ref in labels.items()
    ]


def set_tracked(actor: User, bill: Bill, tracked: bool, now: datetime) -> None:
    """Coordinators choose the bills the periodic refresh keeps up to date."""
    if not actor.is_coordinator:
        raise NotAllowed("Only coordinators choose which bills are tracked.")
    if bill.tracked != tracked:
        audit.record(actor, "update", bill, {"tracked": bill.tracked}, {"tracked": tracked}, now)
        bill.tracked = tracked
        db.session.commit()
