"""Time the lobbying-contact report on coalition-scale data, and check its figures against a
direct SQL count (aim: a quarter in under 3 s).

    flask --app wsgi db upgrade && python -m bench.generate      # once, into CRM_DATABASE_URL
    python bench/lobbying_bench.py [--year 2026 --quarter 3] [--rounds 3]

Run with CRM_DATABASE_URL pointing at the generated database.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--year", type=int, default=None)
    parser.add_argument("--quarter", type=int, default=None)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    import sqlalchemy as sa

    from crm import create_app
    from crm.clock import from_local, utcnow
    from crm.extensions import db
    from crm.lobbying.services import (
        COVERED_KINDS,
        lobbying_report,
        quarter_dates,
        quarter_of,
    )
    from crm.models import Interaction, Person, User, interaction_people

    app = create_app()
    with app.app_context():
        tz = app.config["TIMEZONE"]
        year, quarter = quarter_of(utcnow().date())
        # The last full quarter by default.
        if args.year is None:
            year, quarter = (year, quarter - 1) if quarter > 1 else (year - 1, 4)
        else:
            year, quarter = args.year, args.quarter or 1
        start, end = quarter_dates(year, quarter)
        viewer = db.session.scalars(
            sa.select(User).where(User.role == "coordinator").order_by(User.id)
        ).first()
        times, report = [], None
        for _ in range(args.rounds):
            t0 = time.perf_counter()
            report = lobbying_report(viewer, start, end, tz, level="federal")
            times.append(time.perf_counter() - t0)
            db.session.rollback()
        from datetime import datetime, timedelta

        lo = from_local(datetime.combine(start, datetime.min.time()), tz)
        hi = from_local(datetime.combine(end + timedelta(days=1), datetime.min.time()), tz)
        direct, rows = db.session.execute(
            sa.select(sa.func.count(sa.distinct(Interaction.id)), sa.func.count())
            .select_from(Interaction)
            .join(interaction_people, interaction_people.c.interaction_id == Interaction.id)
            .join(Person, Person.id == interaction_people.c.person_id)
            .where(
                Interaction.deleted_at.is_(None),
                Interaction.occurred_at >= lo,
                Interaction.occurred_at < hi,
                Person.kind.in_(COVERED_KINDS),
                Person.deleted_at.is_(None),
                sa.or_(Person.level == "federal", Person.kind != "legislator"),
            )
        ).one()
        same = (direct, rows) == (report.contacts, len(report.rows))
        print(
            f"Q{quarter} {year} for the coalition as a coordinator: {report.contacts:,} contacts, "
            f"{len(report.rows):,} rows (direct SQL: {direct:,} contacts, {rows:,} rows: "
            f"{'equal' if same else 'DIFFERENT'}); "
            f"median {statistics.median(times):.2f} s, worst {max(times):.2f} s over {args.rounds}"
        )


if __name__ == "__main__":
    main()
