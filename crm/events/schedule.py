"""Propose a day's schedule: which members meet which office when, with no one double-booked,
constituents first (a member meets their own delegation), and time to walk between buildings.

Pure functions over plain values, so the rules are tested and timed without a database."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

HOUSE_BUILDINGS = ("Rayburn", "Longworth", "Cannon")
SENATE_BUILDINGS = ("Russell", "Dirksen", "Hart")
BUILDING = re.compile(r"\b(Rayburn|Longworth|Cannon|Russell|Dirksen|Hart)\b", re.I)
ROOM = re.compile(r"^\s*(?:Room\s+)?([A-Z]?-?\d{1,4}[A-Z]?)\b", re.I)
# Minutes to walk between two offices: the same building, the same side of the Capitol, across.
WALK = {"same": 5, "side": 10, "across": 20}


def place_of(address: str | None) -> tuple[str | None, str | None]:
    """(building, room) from a Capitol Hill address: "2301 Rayburn House Office Building"."""
    if not address:
        return None, None
    building = BUILDING.search(address)
    room = ROOM.search(address)
    return (building.group(1).title() if building else None), (room.group(1) if room else None)


def side(building: str | None) -> str | None:
    """ "house" or "senate" for a Capitol Hill office building, else None."""
    if building in HOUSE_BUILDINGS:
        return "house"
    if building in SENATE_BUILDINGS:
        return "senate"
    return None


def walk_minutes(a: str | None, b: str | None, min_gap: int) -> int:
    """Time to allow between a meeting in building a and one in building b."""
    if a is None or b is None:
        return min_gap
    if a == b:
        return max(min_gap, WALK["same"])
    if side(a) and side(a) == side(b):
        return max(min_gap, WALK["side"])
    return max(min_gap, WALK["across"])


@dataclass
class Office:
    """An office to meet (a person's id), with its state and where it is."""

    id: int
    state: str | None
    building: str | None = None
    room: str | None = None


@dataclass
class Member:
    """A coalition member attending the day, with their home state."""

    id: int
    state: str | None


@dataclass
class Slot:
    """One meeting: the office, when, who attends and who leads."""

    office: Office
    starts: datetime
    ends: datetime
    members: list[int]
    lead: int


@dataclass
class Proposal:
    """A proposed schedule: the meetings placed, and the offices no slot could be found for."""

    meetings: list[Slot] = field(default_factory=list)
    unplaced: list[Office] = field(default_factory=list)


def attendees(office: Office, members: list[Member], load: dict[int, int]) -> list[int]:
    """Constituents of the office's state; else the two least-booked members."""
    own = [m.id for m in members if m.state and m.state == office.state]
    if own:
        return own
    return sorted((m.id for m in members), key=lambda i: (load[i], i))[:2]


def propose(
    offices: list[Office],
    members: list[Member],
    day_start: datetime,
    day_end: datetime,
    meeting_minutes: int = 30,
    min_gap: int = 10,
    step_minutes: int = 15,
) -> Proposal:
    """Greedy: offices with constituents first (most constituents first), each at the earliest
    start where every attendee is free, with the walk from their previous meeting and to their
    next one respected. What cannot be placed is returned as unplaced."""
    out = Proposal()
    if not members:
        out.unplaced = list(offices)
        return out
    load = {m.id: 0 for m in members}
    booked: dict[int, list[Slot]] = {m.id: [] for m in members}
    length = timedelta(minutes=meeting_minutes)
    step = timedelta(minutes=step_minutes)

    def count_own(o: Office) -> int:
        return sum(1 for m in members if m.state and m.state == o.state)

    order = sorted(offices, key=lambda o: (-count_own(o), o.state or "", o.id))
    for office in order:
        who = attendees(office, members, load)
        start = day_start
        placed = None
        while start + length <= day_end:
            if all(free(booked[m], office, start, start + length, min_gap) for m in who):
                placed = Slot(office, start, start + length, who, who[0])
                break
            start += step
        if placed is None:
            out.unplaced.append(office)
            continue
        out.meetings.append(placed)
        for m in who:
            booked[m].append(placed)
            load[m] += 1
    out.meetings.sort(key=lambda s: (s.starts, s.office.id))
    return out


def free(slots: list[Slot], office: Office, starts: datetime, ends: datetime, min_gap: int) -> bool:
    """The member can be at this office from starts to ends, walking time included."""
    for s in slots:
        before = timedelta(minutes=walk_minutes(s.office.building, office.building, min_gap))
        if starts < s.ends + before and s.starts < ends + before:
            return False
    return True


def conflicts(meetings: list[Slot], min_gap: int) -> list[tuple[int, Slot, Slot, str]]:
    """What is wrong with a schedule (hand-made or edited): a member in two places at once, or
    without the time to walk between buildings."""
    problems = []
    by_member: dict[int, list[Slot]] = {}
    for s in meetings:
        for m in s.members:
            by_member.setdefault(m, []).append(s)
    for member, slots in by_member.items():
        slots.sort(key=lambda s: s.starts)
        for a, b in zip(slots, slots[1:], strict=False):
            gap = timedelta(minutes=walk_minutes(a.office.building, b.office.building, min_gap))
            if b.starts < a.ends:
                problems.append((member, a, b, "double-booked"))
            elif b.starts < a.ends + gap:
                problems.append((member, a, b, "no time to walk"))
    return problems
