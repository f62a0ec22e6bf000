"""Where a page's time goes, in-process: statements (time and plan), then the Python profile.

    CRM_DATABASE_URL=sqlite:///bench/out/bench_crm_run.sqlite \\
        .venv/bin/python bench/pageprofile.py /people/?state=TX /people/HEAVY / /log?person=HEAVY

Signs in as the generated member (bench/generate.py), requests each URL a few times to warm up,
then once with every statement timed and EXPLAINed (slowest first), and once under cProfile.
HEAVY stands for the most contacted person. PROFILE_FILTER (a regular expression, default
crm/|templates/) picks the profile's rows, e.g. PROFILE_FILTER=sqlalchemy. Use a working copy,
not the pristine database: nothing here writes, but a GET is still a real request.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    sys.path.insert(0, str(ROOT))
    import sqlalchemy as sa

    from bench import BENCH_MEMBER, BENCH_PASSWORD
    from crm import create_app
    from crm.extensions import db

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("urls", nargs="+")
    ap.add_argument("--email", default=BENCH_MEMBER)
    ap.add_argument("--top", type=int, default=5, help="statements and functions to show")
    args = ap.parse_args()
    if not os.environ.get("CRM_DATABASE_URL"):
        raise SystemExit("set CRM_DATABASE_URL to the database to profile")
    app = create_app("development", WTF_CSRF_ENABLED=False)
    client = app.test_client()
    resp = client.post("/login", data={"email": args.email, "password": BENCH_PASSWORD})
    if resp.status_code != 302:
        raise SystemExit(f"could not sign in as {args.email}")
    timed: list[list] = []

    def before(conn, cursor, statement, params, context, executemany):
        timed.append([statement, params, time.perf_counter()])

    def after(conn, cursor, statement, params, context, executemany):
        timed[-1][2] = time.perf_counter() - timed[-1][2]

    with app.app_context():
        engine = db.engine
        heavy = db.session.scalar(
            sa.text(
                "SELECT person_id FROM interaction_people GROUP BY person_id "
                "ORDER BY count(*) DESC LIMIT 1"
            )
        )
    explain = "EXPLAIN QUERY PLAN " if engine.dialect.name == "sqlite" else "EXPLAIN "
    for url in args.urls:
        url = url.replace("HEAVY", str(heavy))
        for _ in range(3):
            client.get(url)
        sa.event.listen(engine, "before_cursor_execute", before)
        sa.event.listen(engine, "after_cursor_execute", after)
        t = time.perf_counter()
        resp = client.get(url)
        total = time.perf_counter() - t
        sa.event.remove(engine, "before_cursor_execute", before)
        sa.event.remove(engine, "after_cursor_execute", after)
        sql = sum(d for _, _, d in timed)
        print(
            f"\n== {url}: HTTP {resp.status_code}, {total * 1000:.1f} ms, {len(timed)} statements "
            f"taking {sql * 1000:.1f} ms"
        )
        with engine.connect() as conn:
            for statement, params, seconds in sorted(timed, key=lambda s: -s[2])[: args.top]:
                print(f"  {seconds * 1000:7.2f} ms  {' '.join(statement.split())[:150]}")
                if statement.lstrip().upper().startswith("SELECT"):
                    plan = conn.exec_driver_sql(explain + statement, params).all()
                    for row in plan:
                        print(f"              {row[-1]}")
        timed.clear()
        profile = cProfile.Profile()
        profile.enable()
        client.get(url)
        profile.disable()
        stats = pstats.Stats(profile)
        stats.sort_stats("cumulative").print_stats(
            os.environ.get("PROFILE_FILTER", r"crm/|templates/"), args.top
        )


if __name__ == "__main__":
    main()
