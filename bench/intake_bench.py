"""Time the import of a coalition's contact history: a 5,000-row CSV matched against an
8,000-person directory (some names misspelt, so fuzzy candidates are searched), planned and then
written in one transaction (aim: under 10 s).

    python bench/intake_bench.py [--rows 5000] [--people 8000] [--db sqlite:///...]
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

FIRST = ["Ana", "Ben", "Cara", "Dev", "Elena", "Femi", "Gus", "Hana", "Ivan", "Jo", "Kemal", "Lia"]
LAST = [
    "Marsh",
    "Villarreal",
    "Okafor",
    "Nguyen",
    "Schmidt",
    "Haddad",
    "Kowalski",
    "Brennan",
    "Alvarez",
    "Osei",
    "Tanaka",
    "Moreau",
    "Petrov",
    "Singh",
    "Dubois",
    "Larsen",
]
STATES = ["TX", "NY", "FL", "CA", "TN", "WI", "OH", "MI", "PA", "GA"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--people", type=int, default=8000)
    parser.add_argument("--db", default=None)
    args = parser.parse_args()
    url = args.db or f"sqlite:///{tempfile.mkdtemp(prefix='crm-intake-bench-')}/bench.sqlite"
    os.environ.setdefault("CRM_ENV", "testing")

    from crm import create_app
    from crm.extensions import db
    from crm.intake import services
    from crm.intake.mapping import guess_mapping
    from crm.intake.reader import read_table
    from crm.models import Interaction, Person, User

    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url)
    rng = random.Random(7)
    with app.app_context():
        db.drop_all()
        db.create_all()
        users = [
            User(email=f"m{n}@example.org", name=f"Member {n}", role="member", password_hash="x")
            for n in range(20)
        ]
        db.session.add_all(users)
        people = []
        for n in range(args.people):
            p = Person(
                kind="legislator",
                first_name=rng.choice(FIRST),
                last_name=f"{rng.choice(LAST)}{n}",
                state=rng.choice(STATES),
                level="state",
                chamber="lower",
                full_name="",
                sort_name="",
                search_name="",
            )
            p.set_names()
            people.append(p)
        db.session.add_all(people)
        db.session.commit()
        out = io.StringIO()
        w = csv.writer(out)
        w.writerow(["Date", "Kind", "Who was met", "Members", "Subject"])
        start = datetime(2025, 1, 6, tzinfo=UTC)
        for n in range(args.rows):
            person = rng.choice(people)
            name = person.full_name
            if n % 10 == 0:  # one row in ten misspelt: matched by the fuzzy search, or refused
                name = name[:-2] + name[-1] + name[-2]
            w.writerow(
                [
                    (start + timedelta(hours=n)).strftime("%Y-%m-%d %H:%M"),
                    "meeting",
                    name,
                    rng.choice(users).email,
                    f"Visit {n}",
                ]
            )
        data = out.getvalue().encode()
        t0 = time.perf_counter()
        table = read_table(data, "history.csv")
        mapping = guess_mapping("history", table.headers)
        plan = services.plan_history(
            table.rows, mapping, "America/New_York", datetime(2026, 12, 1, tzinfo=UTC)
        )
        t_plan = time.perf_counter() - t0
        good = services.Plan("history", [r for r in plan.rows if r.action == "create"])
        t1 = time.perf_counter()
        services.apply_plan(users[0], good, datetime(2026, 12, 1, tzinfo=UTC))
        t_apply = time.perf_counter() - t1
        written = db.session.scalar(db.select(db.func.count()).select_from(Interaction))
    print(
        f"{args.rows:,} rows against {args.people:,} people ({url.split(':')[0]}): "
        f"read + match + plan {t_plan:.2f} s, write {t_apply:.2f} s, "
        f"total {t_plan + t_apply:.2f} s; {plan.count('create'):,} rows clear, "
        f"{plan.count('error'):,} refused (misspelt names), {written:,} contacts written"
    )


if __name__ == "__main__":
    main()
