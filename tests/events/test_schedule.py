"""Proposing an advocacy day's schedule: 12 members, 30 offices, one day. No member is
double-booked, every member meets their own delegation where it is a target, and the walk
between buildings is respected; what cannot fit is reported, never squeezed in."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from crm.events.schedule import (
    Member,
    Office,
    conflicts,
    place_of,
    propose,
    walk_minutes,
)

BUILDINGS = ["Rayburn", "Longworth", "Cannon", "Russell", "Dirksen", "Hart"]
START = datetime(2027, 3, 10, 13, 0, tzinfo=UTC)  # 9:00 in Washington
END = START + timedelta(hours=8)
STATES = ["TX", "NY", "FL", "CA", "TN", "WI", "OH", "MI", "PA", "GA", "NC", "MN"]


def day(seed: int = 1):
    rng = random.Random(seed)
    members = [Member(i, STATES[i % len(STATES)] if i < 10 else None) for i in range(12)]
    offices = [
        Office(100 + n, rng.choice(STATES + ["AZ", "CO", "WA"]), rng.choice(BUILDINGS), str(n))
        for n in range(30)
    ]
    return members, offices


def test_addresses_give_building_and_room():
    assert place_of("2301 Rayburn House Office Building Washington DC 20515") == ("Rayburn", "2301")
    assert place_of("511 HART SENATE OFFICE BUILDING WASHINGTON DC 20510") == ("Hart", "511")
    assert place_of(None) == (None, None)
    assert walk_minutes("Hart", "Hart", 0) == 5
    assert walk_minutes("Hart", "Russell", 0) == 10
    assert walk_minutes("Hart", "Rayburn", 0) == 20
    assert walk_minutes("Hart", "Rayburn", 30) == 30  # the configured minimum gap wins


def test_no_double_booking_constituents_first_and_walks_respected():
    for seed in range(5):
        members, offices = day(seed)
        plan = propose(offices, members, START, END, meeting_minutes=30, min_gap=10)
        assert conflicts(plan.meetings, 10) == []
        placed = {s.office.id for s in plan.meetings}
        assert len(placed) == len(plan.meetings)  # each office once
        assert placed | {o.id for o in plan.unplaced} == {o.id for o in offices}
        for slot in plan.meetings:
            assert START <= slot.starts and slot.ends <= END
            own = [m.id for m in members if m.state == slot.office.state]
            if own:  # every member meets their own delegation
                assert set(own) <= set(slot.members)
                assert slot.lead in own
            assert slot.members
        for m in members:  # and nobody is anywhere twice at once
            mine = sorted((s for s in plan.meetings if m.id in s.members), key=lambda s: s.starts)
            for a, b in zip(mine, mine[1:], strict=False):
                gap = walk_minutes(a.office.building, b.office.building, 10)
                assert b.starts >= a.ends + timedelta(minutes=gap)


def test_what_does_not_fit_is_reported():
    members = [Member(1, "TX")]
    offices = [Office(n, "TX", "Hart") for n in range(40)]
    plan = propose(offices, members, START, START + timedelta(hours=2), 30, 10)
    assert len(plan.meetings) == 3 and len(plan.unplaced) == 37
    assert conflicts(plan.meetings, 10) == []


def test_conflicts_of_a_hand_made_schedule():
    from crm.events.schedule import Slot

    a = Slot(Office(1, "TX", "Hart"), START, START + timedelta(minutes=30), [7], 7)
    b = Slot(
        Office(2, "TX", "Rayburn"),
        START + timedelta(minutes=40),
        START + timedelta(minutes=70),
        [7],
        7,
    )
    c = Slot(
        Office(3, "TX", "Hart"),
        START + timedelta(minutes=60),
        START + timedelta(minutes=90),
        [7],
        7,
    )
    kinds = [k for _m, _a, _b, k in conflicts([a, b, c], 10)]
    assert kinds == ["no time to walk", "double-booked"]
