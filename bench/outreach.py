"""Outreach benchmarks: bulk-assigning 500 campaign targets, and the team view over 50,000
assignments (plus my work, the campaign page and the daily cadence job on the same data).

    python bench/outreach.py                                    # SQLite file in bench/out/
    python bench/outreach.py --database postgresql+psycopg://postgres@127.0.0.1:5432/crm_bench
    python bench/outreach.py --database sqlite:////path/to/copy-of-generated.sqlite

The directory comes from bench/generate.py when it is there (`--scale small|full`), or is already
in the database (a copy of one it built), or else from the small builder below (8,000
legislators, 500 members, 20,000 recent contacts). Assignments and campaigns are made here, on
top. The database is changed: point it at a copy or a scratch database. Timings are the median
of --runs requests through the Flask test client (one app context per request, as in production),
rendering included, server only (no network). Results go to bench/out/outreach-<engine>.json.
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import statements_sent  # noqa: E402

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
TODAY = NOW.date()
STATES = (
    "CA TX FL NY PA IL OH GA NC MI NJ VA WA AZ TN MA IN MO MD WI CO MN SC AL LA KY OR OK "
    "CT UT IA NV AR MS KS NM NE ID WV HI NH ME RI MT DE SD ND AK VT WY"
).split()


def timed(fn, runs: int) -> tuple[float, object]:
    """Median wall time in milliseconds of `runs` calls, and the last result."""
    times, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), result


# ---- data ----


def build_directory(db, rnd: random.Random) -> None:
    """A small stand-in for bench/generate.py: people, members and a year of recent contacts."""
    from crm.auth.services import hasher
    from crm.models import Interaction, Person, User, interaction_people

    password = hasher().hash("bench-password-2026")
    users = []
    for n in range(500):
        role = "admin" if n == 0 else "coordinator" if n <= 10 else "member"
        users.append(
            dict(
                email=f"member{n}@bench.example.org",
                name=f"Member {n:03d}",
                role=role,
                home_state=rnd.choice(STATES),
                timezone="America/New_York",
                password_hash=password,
                calendar_token_hash=f"bench-token-{n:04d}",
                is_active=True,
                created_at=NOW,
                updated_at=NOW,
            )
        )
    db.session.execute(sa.insert(User), users)
    people = []
    for n in range(8000):
        federal = n < 535
        chamber = "upper" if (n < 100 or (not federal and n % 4 == 0)) else "lower"
        state = STATES[n % 50] if n < 100 else rnd.choice(STATES)
        last = f"Legislator{n:05d}"
        people.append(
            dict(
                kind="legislator",
                first_name="Pat",
                last_name=last,
                full_name=f"Pat {last}",
                sort_name=f"legislator{n:05d}, pat",
                search_name=f"pat {last.lower()}",
                level="federal" if federal else "state",
                chamber=chamber,
                state=state,
                district=str(n % 30),
                party=rnd.choice(("Democratic", "Republican")),
                in_office=True,
                tier="unknown",
                social={},
                external_ids={},
                source="bench",
                version=1,
                created_at=NOW,
                updated_at=NOW,
            )
        )
    db.session.execute(sa.insert(Person), people)
    member_ids = list(db.session.scalars(sa.select(User.id)))
    person_ids = list(db.session.scalars(sa.select(Person.id)))
    interactions = [
        dict(
            kind="meeting",
            occurred_at=NOW - timedelta(minutes=rnd.randrange(525600)),
            logged_by_id=rnd.choice(member_ids),
            private=False,
            source="bench",
            version=1,
            created_at=NOW,
            updated_at=NOW,
        )
        for _ in range(20000)
    ]
    db.session.execute(sa.insert(Interaction), interactions)
    links = [  # with the contact's time, as every write path leaves the link
        dict(interaction_id=i, person_id=rnd.choice(person_ids), occurred_at=at)
        for i, at in db.session.execute(sa.select(Interaction.id, Interaction.occurred_at))
    ]
    db.session.execute(sa.insert(interaction_people), links)
    latest = (
        sa.select(sa.func.max(Interaction.occurred_at))
        .join(interaction_people, interaction_people.c.interaction_id == Interaction.id)
        .where(interaction_people.c.person_id == Person.id)
        .scalar_subquery()
    )
    db.session.execute(sa.update(Person).values(last_contacted_at=latest))
    db.session.commit()


def ensure_directory(db, scale: str, rnd: random.Random) -> str:
    from crm.models import Person

    if db.session.scalar(sa.select(sa.func.count()).select_from(Person)):
        return "existing database"
    try:
        from bench.generate import Scale, generate
    except ImportError:
        build_directory(db, rnd)
        return "bench/outreach.py small builder (bench/generate.py not on this branch)"
    # "small": every legislator (so all 535 members of Congress, the bulk target list), a
    # lighter history; "full": the generator's coalition scale.
    generate(
        Scale()
        if scale == "full"
        else Scale.small(
            legislators=7600, officials=100, staff=4000, members=100, interactions=50_000
        ),
        seed=42,
        now=NOW,
    )
    return f"bench/generate.py, {scale} scale"


def clear_outreach(db) -> None:
    """Remove what earlier runs made, so every run starts alike."""
    from crm.models import Assignment, AuditEntry, Campaign, DevMail, Notification

    db.session.execute(
        sa.delete(AuditEntry).where(AuditEntry.entity_type.in_(("assignments", "campaigns")))
    )
    for model in (Notification, DevMail, Assignment, Campaign):
        db.session.execute(sa.delete(model))
    db.session.commit()


def add_assignments(db, n: int, rnd: random.Random) -> None:
    """n assignments over every member, 20 campaigns, a realistic mix of status and dates."""
    from crm.models import Assignment, Campaign, Person, User

    coordinator = db.session.scalar(sa.select(User.id).where(User.role == "coordinator"))
    campaigns = [
        dict(
            name=f"Campaign {k}",
            target_filter={"state": STATES[k]},
            created_by_id=coordinator,
            status="active",
            created_at=NOW,
            updated_at=NOW,
        )
        for k in range(20)
    ]
    db.session.execute(sa.insert(Campaign), campaigns)
    campaign_ids = list(db.session.scalars(sa.select(Campaign.id)))
    members = list(db.session.scalars(sa.select(User.id).where(User.is_active.is_(True))))
    people = list(db.session.scalars(sa.select(Person.id).where(Person.kind == "legislator")))
    statuses = ["open"] * 12 + ["in_progress"] * 2 + ["done"] * 5 + ["cancelled"]
    rows = []
    for k in range(n):
        status = rnd.choice(statuses)
        due = TODAY + timedelta(days=rnd.randint(-60, 90)) if rnd.random() < 0.9 else None
        rows.append(
            dict(
                title=f"Outreach {k}",
                assignee_id=rnd.choice(members),
                created_by_id=coordinator,
                person_id=rnd.choice(people),
                campaign_id=rnd.choice(campaign_ids) if rnd.random() < 0.4 else None,
                due_on=due,
                status=status,
                priority=rnd.choice(("low", "normal", "normal", "high")),
                snoozed_until=TODAY + timedelta(days=5) if rnd.random() < 0.05 else None,
                completed_at=NOW if status == "done" else None,
                source="manual",
                version=1,
                created_at=NOW - timedelta(days=30),
                updated_at=NOW,
            )
        )
        if len(rows) == 5000:
            db.session.execute(sa.insert(Assignment), rows)
            rows = []
    if rows:
        db.session.execute(sa.insert(Assignment), rows)
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        db.session.execute(sa.text("ANALYZE assignments"))
    else:
        db.session.execute(sa.text("ANALYZE"))
    db.session.commit()


# ---- measurements ----


class Browser:
    """The test client signed in as a user; each request in its own app context."""

    def __init__(self, app, user_id: int):
        from crm.clock import utcnow
        from crm.extensions import db
        from crm.models import UserSession

        # A session starts on the real clock (NOW dates the data): sessions expire.
        row = UserSession(user_id=user_id, created_at=utcnow(), ip="127.0.0.1", user_agent="bench")
        db.session.add(row)
        db.session.commit()
        self.app, self.client = app, app.test_client()
        with self.client.session_transaction() as session:
            session["_user_id"] = row.token
            session["_fresh"] = True

    def get(self, url: str) -> int:
        with self.app.app_context():
            resp = self.client.get(url)
        assert resp.status_code == 200, (url, resp.status_code)
        return len(resp.data)

    def statements(self, url: str) -> int:
        from crm.extensions import db

        with self.app.app_context():
            engine = db.engine
        return statements_sent(engine, lambda: self.get(url))


def bench_bulk(app, db, runs: int, rnd: random.Random) -> dict:
    """Plan and bulk-assign 500 federal legislators round-robin over 7 members."""
    from crm.campaigns import services as campaigns
    from crm.models import Campaign, User

    coordinator = db.session.scalar(sa.select(User).where(User.role == "coordinator"))
    members = list(
        db.session.scalars(
            sa.select(User.id).where(User.role == "member").order_by(User.id).limit(7)
        )
    )
    out = {"plan_ms": [], "bulk_assign_ms": [], "assign_page_ms": [], "created": 0}
    for _ in range(runs):
        clear_outreach(db)
        campaign = Campaign(
            name="Bulk bench",
            target_filter={"kind": "legislator", "level": "federal"},
            created_by_id=coordinator.id,
        )
        db.session.add(campaign)
        db.session.commit()
        start = time.perf_counter()
        plan = campaigns.plan(coordinator, campaign, "round_robin", members, NOW)
        out["plan_ms"].append((time.perf_counter() - start) * 1000)
        pairs = [(r.person.id, r.assignee_id) for r in plan.rows[:500]]
        assert len(pairs) == 500, f"only {len(pairs)} federal legislators"
        with app.app_context():  # a fresh session, as a request would have
            actor = db.session.get(User, coordinator.id)
            fresh = db.session.get(Campaign, campaign.id)
            start = time.perf_counter()
            result = campaigns.bulk_assign(
                actor,
                fresh,
                pairs,
                title="Conrad 30 ask",
                due_on=TODAY + timedelta(days=14),
                priority="normal",
                now=NOW,
            )
            out["bulk_assign_ms"].append((time.perf_counter() - start) * 1000)
            out["created"] = len(result.created)
        db.session.commit()
    clear_outreach(db)
    campaign = Campaign(
        name="Bulk bench",
        target_filter={"kind": "legislator", "level": "federal"},
        created_by_id=coordinator.id,
    )
    db.session.add(campaign)
    db.session.commit()
    browser = Browser(app, coordinator.id)
    url = f"/campaigns/{campaign.id}/assign?strategy=round_robin&" + "&".join(
        f"members={m}" for m in members
    )
    out["assign_page_ms"], out["assign_page_bytes"] = timed(lambda: browser.get(url), runs)
    out["assign_page_statements"] = browser.statements(url)
    clear_outreach(db)
    return {k: statistics.median(v) if isinstance(v, list) else v for k, v in out.items()}


def bench_views(app, db, runs: int, n: int, rnd: random.Random) -> dict:
    """The team view and friends over n assignments."""
    from crm.cadence.services import refresh_cadence
    from crm.models import Assignment, Campaign, Person, User

    clear_outreach(db)
    start = time.perf_counter()
    add_assignments(db, n, rnd)
    made_in = time.perf_counter() - start
    coordinator = db.session.scalar(sa.select(User).where(User.role == "coordinator"))
    busiest = db.session.execute(
        sa.select(Assignment.assignee_id, sa.func.count())
        .where(Assignment.status == "open")
        .group_by(Assignment.assignee_id)
        .order_by(sa.func.count().desc())
        .limit(1)
    ).first()
    campaign = db.session.scalar(sa.select(Campaign.id).order_by(Campaign.id))
    browser = Browser(app, coordinator.id)
    urls = {
        "team view, page 1": "/assignments",
        "team view, overdue": "/assignments?overdue=1",
        "team view, one assignee": f"/assignments?assignee={busiest[0]}",
        "team view, one campaign, any status": f"/assignments?campaign={campaign}&status=all",
        "team view, due range": f"/assignments?due_from={TODAY}&due_to={TODAY + timedelta(7)}",
        "team view, page 300": "/assignments?status=all&page=300",
        "campaign page (progress)": f"/campaigns/{campaign}",
        "campaigns list": "/campaigns/",
    }
    out = {"assignments": n, "seconds_to_insert": round(made_in, 1), "pages": {}}
    for label, url in urls.items():
        ms, size = timed(lambda u=url: browser.get(u), runs)
        out["pages"][label] = {
            "url": url,
            "median_ms": round(ms, 1),
            "bytes": size,
            "statements": browser.statements(url),
        }
    member = Browser(app, busiest[0])
    for label, url in {"my work (busiest member)": "/my-work", "dashboard (same)": "/"}.items():
        ms, size = timed(lambda u=url: member.get(u), runs)
        out["pages"][label] = {
            "url": url,
            "median_ms": round(ms, 1),
            "bytes": size,
            "statements": member.statements(url),
            "open": busiest[1],
        }
    # The daily cadence job over 2,000 held relationships (next touch kept as logging would).
    from crm.offices import touch_due

    held = db.session.execute(
        sa.select(Person.id, Person.last_contacted_at).order_by(Person.id).limit(2000)
    ).all()
    members = list(db.session.scalars(sa.select(User.id).where(User.is_active.is_(True))))
    rows = []
    for pid, last in held:
        cadence = rnd.choice((30, 60, 90))
        rows.append(
            {
                "pid": pid,
                "holder": rnd.choice(members),
                "cadence": cadence,
                "due": touch_due(last, cadence),
            }
        )
    people = Person.__table__
    db.session.connection().execute(
        sa.update(people)
        .where(people.c.id == sa.bindparam("pid"))
        .values(
            holder_id=sa.bindparam("holder"),
            cadence_days=sa.bindparam("cadence"),
            next_touch_due=sa.bindparam("due"),
        ),
        rows,
    )
    db.session.commit()
    with app.app_context():
        start = time.perf_counter()
        summary = refresh_cadence(NOW)
        out["cadence_job"] = {"ms": round((time.perf_counter() - start) * 1000, 1), **summary}
        start = time.perf_counter()
        again = refresh_cadence(NOW + timedelta(hours=1))
        out["cadence_job_rerun"] = {"ms": round((time.perf_counter() - start) * 1000, 1), **again}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default=f"sqlite:///{ROOT / 'bench/out/outreach.sqlite'}")
    parser.add_argument("--assignments", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--broker",
        default="memory://",
        help="Celery broker for the notices (e.g. redis://127.0.0.1:6379/14)",
    )
    parser.add_argument(
        "--scale",
        choices=("small", "full"),
        default="small",
        help="bench/generate.py scale when the database is empty",
    )
    args = parser.parse_args()
    (ROOT / "bench/out").mkdir(parents=True, exist_ok=True)
    logging.getLogger("kombu").setLevel(logging.ERROR)  # memory:// has no host; that is fine

    from config import load_config
    from crm import create_app
    from crm.extensions import db

    # Email goes where production sends it: enqueued for the worker after commit (to an
    # in-memory broker here, or --broker), not sent inside the timed request.
    celery = {**load_config("testing").CELERY, "broker_url": args.broker}
    app = create_app(
        "testing", SQLALCHEMY_DATABASE_URI=args.database, JOBS_MODE="celery", CELERY=celery
    )
    rnd = random.Random(42)
    with app.app_context():
        db.create_all()
        source = ensure_directory(db, args.scale, rnd)
        bulk = bench_bulk(app, db, args.runs, rnd)
        views = bench_views(app, db, args.runs, args.assignments, rnd)
        engine = db.engine.dialect.name
        clear_outreach(db)
    report = {
        "engine": engine,
        "directory": source,
        "runs": args.runs,
        "when": date.today().isoformat(),
        "bulk_assign_500": {k: round(v, 1) if isinstance(v, float) else v for k, v in bulk.items()},
        **views,
    }
    path = ROOT / f"bench/out/outreach-{engine}.json"
    path.write_text(json.dumps(report, indent=2))
    print(json.dumps(report, indent=2))
    print(f"written to {path}")


if __name__ == "__main__":
    main()
