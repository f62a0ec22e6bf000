"""Benchmark: build and render the weekly digests of every member at coalition scale.

    python bench/digests.py --db sqlite:////tmp/bench-digests.sqlite --generate
    python bench/digests.py --db postgresql+psycopg://postgres@127.0.0.1:5432/bench --generate
    python bench/digests.py --db sqlite:////tmp/bench-digests.sqlite      # reuse the data

--generate fills an empty database with bench/generate.py (8,000 policymakers, 20,000 staff,
500 members, 500,000 interactions; seed 42) and adds what the digest reads that the generator
does not make: about 12 open assignments per member (due from three weeks ago to three weeks
ahead) and a week of position changes. Then, as one worker would: for every active member
(500), build the digest (crm.digests.services.build_digest) and render its text and
HTML parts with CSS inlined (what the ledger stores). It reports the total time, the time per
digest, and the SQL statements per digest (the aim: under 10 s in total, and the same number
of statements for every member, whatever their data).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)  # a Monday: digest day for most members


def add_digest_load(now: datetime, seed: int = 42) -> dict:
    """Open assignments for every member and a week of position changes (deterministic)."""
    import sqlalchemy as sa

    from crm.extensions import db
    from crm.models import Assignment, Issue, Person, Position, User

    rnd = random.Random(seed)
    users = list(
        db.session.scalars(sa.select(User.id).where(User.is_active.is_(True)).order_by(User.id))
    )
    coordinators = list(
        db.session.scalars(
            sa.select(User.id).where(User.role.in_(("coordinator", "admin"))).order_by(User.id)
        )
    )
    people = list(
        db.session.scalars(
            sa.select(Person.id).where(Person.kind == "legislator").order_by(Person.id)
        )
    )
    issues = list(db.session.scalars(sa.select(Issue.id).order_by(Issue.id)))
    today = now.date()
    assignments = []
    for uid in users:
        for _ in range(rnd.randint(6, 18)):
            assignments.append(
                {
                    "assignee_id": uid,
                    "created_by_id": rnd.choice(coordinators),
                    "person_id": rnd.choice(people),
                    "issue_id": rnd.choice(issues),
                    "title": rnd.choice(
                        (
                            "Send the one-pager",
                            "Ask for a cosponsor decision",
                            "Follow up on the district visit",
                            "Thank the staffer",
                        )
                    ),
                    "due_on": today + timedelta(days=rnd.randint(-21, 21)),
                    "status": rnd.choice(("open", "open", "open", "in_progress", "done")),
                    "priority": "normal",
                    "source": "campaign",
                    "version": 1,
                    "created_at": now - timedelta(days=30),
                    "updated_at": now - timedelta(days=30),
                }
            )
    db.session.execute(sa.insert(Assignment), assignments)
    stances = ("support", "lean_support", "undecided", "lean_oppose", "oppose")
    positions = []
    for pid in rnd.sample(people, 1500):
        issue = rnd.choice(issues)
        positions.append(
            {
                "person_id": pid,
                "issue_id": issue,
                "stance": rnd.choice(stances),
                "recorded_at": now - timedelta(days=rnd.randint(20, 400)),
            }
        )
        if rnd.random() < 0.5:
            positions.append(
                {
                    "person_id": pid,
                    "issue_id": issue,
                    "stance": rnd.choice(stances),
                    "recorded_at": now - timedelta(hours=rnd.randint(1, 160)),
                }
            )
    db.session.execute(sa.insert(Position), positions)
    db.session.commit()
    return {"assignments": len(assignments), "positions": len(positions)}


def generate(now: datetime) -> None:
    from crm.extensions import db

    try:
        from bench.generate import Scale
        from bench.generate import generate as generate_coalition
    except ImportError:
        sys.exit(
            "bench/generate.py (the coalition-scale generator) is needed: merge the bench "
            "branch first."
        )
    db.create_all()
    started = time.perf_counter()
    summary = generate_coalition(Scale(), seed=42, now=now, log=lambda m: print("  " + m))
    extra = add_digest_load(now)
    print(f"generated in {time.perf_counter() - started:.0f} s: {summary.counts} + {extra}")


def measure(now: datetime) -> dict:
    """Build and render every member's digest; time it and count statements per digest."""
    import sqlalchemy as sa

    from crm.digests.services import Week, build_digest, digest_context
    from crm.email import render_email
    from crm.extensions import db
    from crm.models import User

    statements = []
    sa.event.listen(db.engine, "before_cursor_execute", lambda *args: statements.append(1))
    # Every active member, whether or not they chose to receive it (the preview builds it too).
    users = list(
        db.session.scalars(sa.select(User).where(User.is_active.is_(True)).order_by(User.id))
    )
    per_digest = {"member": [], "coordinator": []}
    queries = {"member": [], "coordinator": []}
    empty = 0
    started, cpu = time.perf_counter(), time.process_time()
    shared = Week(now)  # what one dispatch run shares across its digests
    shared_before = len(statements)
    shared.changes()
    shared_statements = len(statements) - shared_before
    for user in users:
        kind = "coordinator" if user.is_coordinator else "member"
        before, t0 = len(statements), time.perf_counter()
        digest = build_digest(user, now, shared=shared)
        if digest.empty:
            empty += 1
        else:
            render_email("digest", digest_context(digest))
        per_digest[kind].append(time.perf_counter() - t0)
        queries[kind].append(len(statements) - before)
    total, cpu = time.perf_counter() - started, time.process_time() - cpu
    return {
        "users": len(users),
        "empty": empty,
        "total": total,
        "cpu": cpu,
        "per_digest": per_digest,
        "queries": queries,
        "shared": shared_statements,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", required=True, help="SQLAlchemy URL of the benchmark database")
    parser.add_argument("--generate", action="store_true", help="fill the (empty) database first")
    parser.add_argument("--now", default=NOW.isoformat(), help="the digest time (UTC ISO)")
    args = parser.parse_args()
    now = datetime.fromisoformat(args.now)
    now = now if now.tzinfo else now.replace(tzinfo=UTC)

    from crm import create_app

    app = create_app("testing", SQLALCHEMY_DATABASE_URI=args.db)
    with app.app_context():
        if args.generate:
            generate(now)
        result = measure(now)
    ms = {k: [s * 1000 for s in v] for k, v in result["per_digest"].items()}
    print(
        f"digests built and rendered: {result['users']} users ({result['empty']} empty) in "
        f"{result['total']:.2f} s (this process's CPU: {result['cpu']:.2f} s) on "
        f"{args.db.split(':')[0]}; shared by the run: "
        f"{result['shared']} statement(s), and 3 more for the team on the first coordinator"
    )
    for kind in ("member", "coordinator"):
        if ms[kind]:
            q = result["queries"][kind]
            median = statistics.median(ms[kind])
            print(
                f"  {kind}s: {len(ms[kind])}, per digest median {median:.1f} "
                f"ms, p95 {sorted(ms[kind])[int(len(ms[kind]) * 0.95) - 1]:.1f} ms, max "
                f"{max(ms[kind]):.1f} ms; SQL statements per digest: {sorted(set(q))}"
            )


if __name__ == "__main__":
    main()
