"""Time the advocacy-day scheduler: 12 members, 30 offices, one day (aim: under a second).

    python bench/schedule_bench.py [--rounds 20] [--members 12] [--offices 30]

Prints the median and the worst of the rounds, and checks each proposal has no conflict.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from crm.events.schedule import Member, Office, conflicts, propose  # noqa: E402

BUILDINGS = ["Rayburn", "Longworth", "Cannon", "Russell", "Dirksen", "Hart"]
STATES = ["TX", "NY", "FL", "CA", "TN", "WI", "OH", "MI", "PA", "GA", "NC", "MN", "AZ", "WA"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--members", type=int, default=12)
    parser.add_argument("--offices", type=int, default=30)
    args = parser.parse_args()
    start = datetime(2027, 3, 10, 13, 0, tzinfo=UTC)
    times, placed = [], []
    for seed in range(args.rounds):
        rng = random.Random(seed)
        members = [Member(i, rng.choice(STATES)) for i in range(args.members)]
        offices = [
            Office(1000 + n, rng.choice(STATES), rng.choice(BUILDINGS)) for n in range(args.offices)
        ]
        t0 = time.perf_counter()
        plan = propose(offices, members, start, start + timedelta(hours=8), 30, 10)
        times.append(time.perf_counter() - t0)
        assert conflicts(plan.meetings, 10) == [], "a proposal has a conflict"
        placed.append(len(plan.meetings))
    print(
        f"{args.members} members, {args.offices} offices, {args.rounds} rounds: "
        f"median {statistics.median(times) * 1000:.1f} ms, worst {max(times) * 1000:.1f} ms; "
        f"offices placed: median {statistics.median(placed):.0f} of {args.offices}"
    )


if __name__ == "__main__":
    main()
