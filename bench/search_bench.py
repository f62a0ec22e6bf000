"""Time the search box on coalition-scale data: p50/p99 of a mix of queries (names in every
form, misspellings, words from notes, organization names), as a plain member (aim: p99 < 50 ms).

    flask --app wsgi db upgrade && python -m bench.generate      # once, into CRM_DATABASE_URL
    python bench/search_bench.py [--rounds 5] [--seed 1]

Run with CRM_DATABASE_URL pointing at the generated database. Each query is also checked: a
name form finds its person, a misspelling finds the name it came from.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def misspell(rnd: random.Random, word: str) -> str:
    """One edit inside the word (a letter doubled or dropped), never its first letter."""
    k = rnd.randrange(1, len(word) - 1)
    return word[:k] + word[k] + word[k:] if rnd.random() < 0.5 else word[:k] + word[k + 1 :]


def build_queries(rnd: random.Random, n: int) -> list[tuple[str, str, int | None]]:
    """(category, query, the person it must find or None)."""
    import sqlalchemy as sa

    from bench.generate import WORDS
    from crm.extensions import db
    from crm.models import Organization, Person

    people = db.session.execute(
        sa.select(Person.id, Person.first_name, Person.last_name, Person.chamber, Person.kind)
        .where(Person.deleted_at.is_(None), Person.kind == "legislator")
        .order_by(Person.id)
    ).all()
    orgs = list(db.session.scalars(sa.select(Organization.name).order_by(Organization.id)))
    words = sorted({w.strip(";,.").lower() for w in WORDS if len(w.strip(";,.")) > 3})
    out = []
    for _ in range(n):
        p = rnd.choice(people)
        out += [
            ("name: last", p.last_name, p.id),
            ("name: Last, First", f"{p.last_name}, {p.first_name}", p.id),
            ("name: First Last", f"{p.first_name} {p.last_name}", p.id),
            (
                "name: Sen./Rep. Last",
                f"{'Sen.' if p.chamber == 'upper' else 'Rep.'} {p.last_name} {p.first_name[:3]}",
                p.id,
            ),
            ("name: typo", misspell(rnd, p.last_name) + " " + p.first_name, None),
            ("note words", " ".join(rnd.sample(words, rnd.choice((1, 2)))), None),
            ("organization", " ".join(rnd.choice(orgs).split()[:3]), None),
            ("nothing", f"zq{rnd.randrange(10**6)}", None),
        ]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="times each query runs")
    parser.add_argument("--queries", type=int, default=40, help="people drawn (8 queries each)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    import sqlalchemy as sa

    from bench import BENCH_MEMBER
    from crm import create_app
    from crm.extensions import db
    from crm.models import User
    from crm.search.services import search

    app = create_app()
    with app.app_context():
        engine = db.engine.dialect.name
        member = db.session.scalar(sa.select(User).where(User.email == BENCH_MEMBER))
        queries = build_queries(random.Random(args.seed), args.queries)
        for _, q, _ in queries[:20]:  # warm the caches, as a running server's are
            search(member, q)
        times: dict[str, list[float]] = {}
        # This process's CPU time: on a shared, loaded machine wall time mostly measures the
        # wait for a core. With SQLite (in-process) it is the whole cost of a query; with
        # PostgreSQL the server's share is not in it.
        cpu: dict[str, list[float]] = {}
        misses = []
        for _ in range(args.rounds):
            for category, q, person_id in queries:
                t0, c0 = time.perf_counter(), time.process_time()
                found = search(member, q)
                times.setdefault(category, []).append((time.perf_counter() - t0) * 1000)
                cpu.setdefault(category, []).append((time.process_time() - c0) * 1000)
                # A common last name alone lists many; the other forms name one person.
                shown = {p.id for p in found.groups[0].items}
                if person_id and category != "name: last" and person_id not in shown:
                    misses.append((category, q))
                if category in ("name: typo", "name: last") and not found.groups[0].count:
                    misses.append((category, q))
                db.session.rollback()

        def pct(values, p):
            values = sorted(values)
            return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]

        every = [t for ts in times.values() for t in ts]
        print(f"engine: {engine}; load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
        print(
            f"{'queries':24} {'n':>5} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}"
            f" {'cpu p50':>8} {'cpu p99':>8}"
        )
        rows = [*times.items(), ("all", every)]
        cpu["all"] = [t for ts in cpu.values() for t in ts]
        for category, ts in rows:
            c = cpu[category]
            print(
                f"{category:24} {len(ts):5} {pct(ts, 50):8.1f} {pct(ts, 99):8.1f} {max(ts):8.1f}"
                f" {pct(c, 50):8.1f} {pct(c, 99):8.1f}"
            )
        print(f"mean {statistics.mean(every):.1f} ms")
        print(f"not found as expected: {len(set(misses))}", sorted(set(misses))[:10])


if __name__ == "__main__":
    main()
