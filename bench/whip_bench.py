"""Benchmark: the whip board for all of Congress and the coverage map, on a coalition-sized log.

    python bench/whip_bench.py                                  # SQLite file in a temp folder
    python bench/whip_bench.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/DB
    python bench/whip_bench.py --interactions 50000 --positions 5000 --runs 5   # a quick look

WARNING: the database at --database-url is emptied (drop_all / create_all) first.

Data: the shared generator (bench/generate.py: 8,000 policymakers incl. the 537 members of Congress,
20,000 staff, 500 members, 500,000 interactions over five years, 0.5 % of them deleted) when it is
in this repository, or at --generator PATH; otherwise a minimal stand-in (the current Congress from
the shared snapshot and N interactions, made here). Then --positions rows (default 50,000) are
added in bulk: 70 % on members of Congress, a quarter linked to a logged contact (so some come
from deleted contacts), dated over two years.

Measured, after one warm-up, the median and the slowest of --runs:
- whip_board() for Conrad 30 with its default targets (all 537 members of Congress), and the
  same page over HTTP (rendered); H.R. 1585 (the 437 House members) over HTTP;
- coverage() (the map's numbers) and the /reports/ page over HTTP (map + 26 weeks of activity);
- the directory filtered by "position on an issue" (support), first page;
- with the public record of H.R. 1585 (--cosponsors of the members of Congress as cosponsors
  since a date, 5 % of them withdrawn; bioguide ids given to generated members who lack one): its
  board for all of Congress with the record beside each position, the "met, not cosponsor"
  filter, and the conversion CSV (offices that cosponsored within 30/60/90 days of a meeting);
- the Bill Status import of the largest sample file (../shared/data/billstatus, or
  --billstatus DIR): parsing, a dry run (all the work, then a rollback), and a refresh that finds
  nothing new;
plus the SQL statements each request runs, and p99 (nearest rank: with fewer than 100 runs, the
slowest). Figures go to stdout and bench/out/whip-<db>.json.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

from bench import statements_sent  # noqa: E402

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
STANCE_WEIGHTS = (30, 22, 20, 10, 8, 10)


def load_generator(path: str | None):
    """bench/generate.py from this repository, or the file given; None when neither exists.

    A generator from another checkout is imported as `bench.generate`, its package's __init__
    standing in for `bench` with both folders on the package path (it reads bench.BENCH_PASSWORD).
    """
    candidate = Path(path).resolve() if path else ROOT / "bench" / "generate.py"
    if not candidate.exists():
        return None
    folder = candidate.parent
    if "bench" not in sys.modules and (folder / "__init__.py").exists():
        spec = importlib.util.spec_from_file_location(
            "bench",
            folder / "__init__.py",
            submodule_search_locations=[str(folder), str(ROOT / "bench")],
        )
        package = importlib.util.module_from_spec(spec)
        sys.modules["bench"] = package
        spec.loader.exec_module(package)
    spec = importlib.util.spec_from_file_location("bench.generate", candidate)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def minimal_data(interactions: int, log) -> dict:
    """Stand-in when the generator is not available: Congress, 50 members, N interactions."""
    from bench.congress import load_congress
    from crm.auth.services import hasher
    from crm.demo import seed_issues
    from crm.extensions import db
    from crm.models import Interaction, Person, User, interaction_issues, interaction_people

    load_congress()
    seed_issues({"issues": 0})
    password = hasher().hash("bench-password-2026")
    db.session.execute(
        sa.insert(User),
        [
            dict(
                email=f"member{k:03d}@bench.example.org",
                name=f"Member {k}",
                role="coordinator" if k < 3 else "member",
                password_hash=password,
                calendar_token_hash=f"token-{k}",
                timezone="America/New_York",
            )
            for k in range(50)
        ],
    )
    db.session.commit()
    users = list(db.session.scalars(sa.select(User.id)))
    people = list(db.session.scalars(sa.select(Person.id)))
    issues = list(db.session.scalars(sa.text("select id from issues")))
    rnd = random.Random(7)
    last: dict[int, tuple[datetime, int]] = {}
    kinds = ["meeting", "call", "email", "virtual_meeting", "letter", "event"]
    made, chunk = 0, 5000
    while made < interactions:
        n = min(chunk, interactions - made)
        rows, links, topics = [], [], []
        for i in range(made + 1, made + n + 1):
            when = NOW - timedelta(seconds=rnd.randrange(5 * 365 * 86400))
            by = rnd.choice(users)
            person = rnd.choice(people)
            deleted = rnd.random() < 0.005
            rows.append(
                dict(
                    id=i,
                    kind=rnd.choice(kinds),
                    occurred_at=when,
                    logged_by_id=by,
                    subject="Check-in",
                    private=False,
                    source="web",
                    version=1,
                    created_at=when,
                    updated_at=when,
                    deleted_at=when if deleted else None,
                )
            )
            links.append(dict(interaction_id=i, person_id=person, occurred_at=when))
            topics.append(dict(interaction_id=i, issue_id=rnd.choice(issues)))
            if not deleted and (person not in last or last[person][0] < when):
                last[person] = (when, by)
        db.session.execute(sa.insert(Interaction), rows)
        db.session.execute(sa.insert(interaction_people), links)
        db.session.execute(sa.insert(interaction_issues), topics)
        made += n
        log(f"  interactions: {made:,}")
    db.session.execute(
        sa.update(Person)
        .where(Person.id == sa.bindparam("pid"))
        .values(last_contacted_at=sa.bindparam("at"), last_contacted_by_id=sa.bindparam("by"))
        .execution_options(synchronize_session=False),
        [dict(pid=p, at=at, by=by) for p, (at, by) in last.items()],
    )
    db.session.commit()
    return {
        "login": "member000@bench.example.org",
        "password": "bench-password-2026",
        "source": "minimal stand-in (bench/whip_bench.py)",
    }


def add_positions(count: int, log) -> None:
    """Append-only position history in bulk, as the quick log and person pages would leave it."""
    from crm.extensions import db
    from crm.models import STANCES, Person, Position

    rnd = random.Random(11)
    federal = list(
        db.session.scalars(
            sa.select(Person.id)
            .where(Person.kind == "legislator", Person.level == "federal")
            .order_by(Person.id)
        )
    )
    state = (
        list(
            db.session.scalars(
                sa.select(Person.id)
                .where(Person.kind == "legislator", Person.level == "state")
                .order_by(Person.id)
            )
        )
        or federal
    )
    issues = list(db.session.scalars(sa.text("select id from issues order by id")))
    bills = list(db.session.scalars(sa.text("select id from bills order by id")))
    users = list(db.session.scalars(sa.text("select id from users order by id")))
    top = db.session.scalar(sa.text("select max(id) from interactions")) or 0
    stances = list(STANCES)
    subjects = (
        [("issue", issues[0])] * 4
        + [("bill", b) for b in bills] * 1
        + [("issue", i) for i in issues[1:]]
    )
    rows = []
    for _ in range(count):
        person = rnd.choice(federal) if rnd.random() < 0.7 else rnd.choice(state)
        kind, sid = rnd.choice(subjects)
        commitment = "Will cosponsor" if rnd.random() < 0.05 else None
        rows.append(
            dict(
                person_id=person,
                issue_id=sid if kind == "issue" else None,
                bill_id=sid if kind == "bill" else None,
                stance=rnd.choices(stances, STANCE_WEIGHTS)[0],
                commitment=commitment,
                commitment_status="pending" if commitment else None,
                notes=None,
                recorded_by_id=rnd.choice(users),
                recorded_at=NOW - timedelta(seconds=rnd.randrange(2 * 365 * 86400)),
                interaction_id=rnd.randrange(1, top + 1) if top and rnd.random() < 0.25 else None,
            )
        )
        if len(rows) == 5000:
            db.session.execute(sa.insert(Position), rows)
            rows = []
    if rows:
        db.session.execute(sa.insert(Position), rows)
    db.session.commit()
    log(f"  positions: {count:,}")


def add_public_record(bill_id: int, share: float, log) -> None:
    """H.R. 1585's sponsor and cosponsors among the members of Congress, as an import leaves
    them (BillSponsor rows keyed by bioguide id), some withdrawn; the bill tracked."""
    from crm.extensions import db
    from crm.models import Bill, BillSponsor, Person

    rnd = random.Random(13)
    db.session.execute(
        sa.update(Person)
        .where(Person.kind == "legislator", Person.level == "federal", Person.bioguide_id.is_(None))
        .values(bioguide_id="G" + sa.cast(Person.id, sa.String))
    )
    members = db.session.execute(
        sa.select(Person.bioguide_id, Person.full_name, Person.party, Person.state)
        .where(Person.kind == "legislator", Person.level == "federal")
        .order_by(Person.id)
    ).all()
    introduced = datetime(2025, 2, 25).date()
    rows = []
    for n, (bioguide, name, party, state) in enumerate(members):
        if n and rnd.random() >= share:
            continue
        since = introduced + timedelta(days=0 if n == 0 else rnd.randrange(600))
        withdrawn = since + timedelta(days=rnd.randrange(1, 60)) if rnd.random() < 0.05 else None
        rows.append(
            dict(
                bill_id=bill_id,
                role="sponsor" if n == 0 else "cosponsor",
                bioguide_id=bioguide,
                full_name=name,
                party=(party or "")[:1] or None,
                state=state,
                original=since == introduced,
                sponsored_on=since,
                withdrawn_on=withdrawn,
            )
        )
    db.session.execute(sa.insert(BillSponsor), rows)
    db.session.execute(
        sa.update(Bill).where(Bill.id == bill_id).values(tracked=True, record_updated_at=NOW)
    )
    db.session.commit()
    log(f"  H.R. 1585 public record: {len(rows)} sponsor and cosponsors")


def bill_import_bench(folder: Path, runs: int, log) -> dict:
    """The largest Bill Status sample: parse, dry-run import, first import, unchanged refresh."""
    from crm.extensions import db
    from crm.imports.bills import import_bills
    from crm.imports.billstatus import parse_bill_status

    files = sorted(folder.glob("*.xml"), key=lambda p: p.stat().st_size)
    if not files:
        log(f"no Bill Status samples in {folder}: import not measured")
        return {}
    path = files[-1]
    data = path.read_bytes()
    label = f"{path.name}, {len(data) // 1024} KB"
    out = {
        f"parse Bill Status ({label})": timed(lambda: parse_bill_status(data, path.name), runs),
        f"import, dry run ({label})": timed(
            lambda: import_bills(path, actor=None, now=NOW, dry_run=True), runs
        ),
    }
    t = time.perf_counter()
    result = import_bills(path, actor=None, now=NOW)
    assert result.ok, result.problems
    first = "first time" if result.created else "again (--reuse: already imported)"
    out[f"import, {first} ({label})"] = {"median_ms": round((time.perf_counter() - t) * 1000, 1)}
    out[f"refresh, nothing new ({label})"] = timed(
        lambda: import_bills(path, actor=None, now=NOW), runs
    )
    db.session.remove()
    return out


def analyze() -> None:
    from crm.extensions import db

    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text("VACUUM ANALYZE" if conn.dialect.name == "postgresql" else "ANALYZE"))


def timed(fn, runs: int) -> dict:
    """Wall-clock median and slowest, and this process's CPU median (less sensitive to other
    processes on a shared machine; on SQLite it includes the database's own work)."""
    fn()  # warm-up
    wall, cpu = [], []
    for _ in range(runs):
        t, c = time.perf_counter(), time.process_time()
        fn()
        wall.append((time.perf_counter() - t) * 1000)
        cpu.append((time.process_time() - c) * 1000)
    ranked = sorted(wall)
    return {
        "median_ms": round(statistics.median(wall), 1),
        "p99_ms": round(ranked[max(0, -(-99 * len(ranked) // 100) - 1)], 1),
        "max_ms": round(max(wall), 1),
        "cpu_median_ms": round(statistics.median(cpu), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url")
    parser.add_argument("--generator", help="path to bench/generate.py (default: this repo's)")
    parser.add_argument("--interactions", type=int, default=500_000)
    parser.add_argument("--positions", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument(
        "--cosponsors",
        type=float,
        default=0.4,
        help="share of the members of Congress cosponsoring H.R. 1585 (public record)",
    )
    parser.add_argument(
        "--billstatus",
        default=str(ROOT.parent / "shared" / "data" / "billstatus"),
        help="folder of Bill Status XML samples (the largest is imported)",
    )
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="measure the data already in --database-url (built by an earlier run)",
    )
    args = parser.parse_args()
    if args.reuse and not args.database_url:
        parser.error("--reuse needs --database-url")
    url = (
        args.database_url or f"sqlite:///{tempfile.mkdtemp(prefix='crm-whip-bench-')}/bench.sqlite"
    )

    def log(msg: str) -> None:
        print(msg, flush=True)

    from crm import create_app
    from crm.extensions import db
    from crm.models import Bill, Issue, Person, Position
    from crm.people.filters import DirectoryFilter
    from crm.people.services import list_people
    from crm.policy.positions import Subject
    from crm.policy.whip import WhipOptions, whip_board
    from crm.reports.services import coverage

    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url, WTF_CSRF_ENABLED=False)
    with app.app_context():
        dialect = db.engine.dialect.name
        log(f"database: {dialect} ({url.split('@')[-1]})")
        t0 = time.perf_counter()
        if args.reuse:
            generator = load_generator(args.generator)
            login = (
                {
                    "login": db.session.scalar(
                        sa.text(
                            "select email from users where role = 'coordinator' order by id limit 1"
                        )
                    ),
                    "password": generator.BENCH_PASSWORD,
                    "source": "bench/generate.py (reused)",
                }
                if generator
                else {
                    "login": "member000@bench.example.org",
                    "password": "bench-password-2026",
                    "source": "minimal stand-in (reused)",
                }
            )
        else:
            db.drop_all()
            db.create_all()
            generator = load_generator(args.generator)
            if generator is not None:
                summary = generator.generate(
                    generator.Scale(interactions=args.interactions), seed=42, now=NOW, log=log
                )
                login = {
                    "login": summary.logins["coordinator"],
                    "password": generator.BENCH_PASSWORD,
                    "source": "bench/generate.py",
                }
            else:
                log("bench/generate.py not found: using the minimal stand-in data")
                login = minimal_data(args.interactions, log)
            add_positions(args.positions, log)
            hr = db.session.scalar(sa.select(Bill.id).where(Bill.number == "H.R. 1585"))
            add_public_record(hr, args.cosponsors, log)
            analyze()
        build_s = round(time.perf_counter() - t0, 1)
        counts = {
            name: db.session.scalar(sa.text(f"select count(*) from {name}"))
            for name in ("people", "interactions", "interaction_people", "positions", "users")
        }
        counts["members of Congress"] = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Person)
            .where(
                Person.kind == "legislator", Person.level == "federal", Person.in_office.is_(True)
            )
        )
        conrad = db.session.scalar(sa.select(Issue.id).where(Issue.slug == "conrad-30"))
        hr1585 = db.session.scalar(sa.select(Bill.id).where(Bill.number == "H.R. 1585"))
        counts["positions on Conrad 30"] = db.session.scalar(
            sa.select(sa.func.count()).select_from(Position).where(Position.issue_id == conrad)
        )
        issue = db.session.get(Issue, conrad)
        board = whip_board(Subject("issue", conrad), WhipOptions.defaults_for(issue), NOW, None)
        log(f"built in {build_s}s: {counts}")
        log(f"Conrad 30 board: {board.total} targets, {board.counts}")
        db.session.remove()

    client = app.test_client()
    resp = client.post("/login", data={"email": login["login"], "password": login["password"]})
    assert resp.status_code == 302, "sign-in failed"

    def get(path: str):
        def run():
            r = client.get(path)
            assert r.status_code == 200, (path, r.status_code)
            return r

        return run

    results = {}
    with app.app_context():
        engine = db.engine
        issue = db.session.get(Issue, conrad)

        def service_board():
            whip_board(Subject("issue", conrad), WhipOptions.defaults_for(issue), NOW, None)
            db.session.expunge_all()

        def service_coverage():
            coverage(NOW, 90)

        def directory():
            list_people(
                DirectoryFilter(
                    position_issue=conrad,
                    position_stance=("support",),
                    kind="legislator",
                    level="federal",
                ),
                page=1,
                per_page=50,
                now=NOW,
                viewer=None,
            )
            db.session.expunge_all()

        results["whip_board() service, all of Congress"] = timed(service_board, args.runs)
        results["coverage() service"] = timed(service_coverage, args.runs)
        results["directory: position on Conrad 30 = support (service)"] = timed(
            directory, args.runs
        )
        db.session.remove()

    # Requests run outside any app context, as in production: each gets its own context,
    # session and signed-in user.
    pages = {
        "GET whip board, Conrad 30, all of Congress": f"/issues/{conrad}/whip",
        "GET whip board, H.R. 1585, the House": f"/bills/{hr1585}/whip",
        "GET whip board + public record, H.R. 1585, all of Congress": (
            f"/bills/{hr1585}/whip?chamber=any"
        ),
        "GET whip board, H.R. 1585, met, not cosponsor": (
            f"/bills/{hr1585}/whip?chamber=any&record=met_not_cosponsor"
        ),
        "GET whip board CSV + public record, H.R. 1585, all of Congress": (
            f"/bills/{hr1585}/whip/targets.csv?chamber=any"
        ),
        "GET conversion CSV, H.R. 1585, all of Congress": (
            f"/bills/{hr1585}/whip/conversion.csv?chamber=any"
        ),
        "GET whip board CSV, all of Congress": f"/issues/{conrad}/whip/targets.csv",
        "GET /reports/ (coverage map + 26 weeks of activity)": "/reports/",
        "GET directory, position on Conrad 30 = support": (
            f"/people/?position_issue={conrad}&position_stance=support"
        ),
    }
    for label, path in pages.items():
        results[label] = timed(get(path), args.runs)
        results[label]["statements"] = statements_sent(engine, get(path))
        results[label]["bytes"] = len(get(path)().data)

    with app.app_context():
        results.update(bill_import_bench(Path(args.billstatus), args.runs, log))

    report = {
        "database": dialect,
        "load_average": os.getloadavg(),
        "data": login["source"],
        "build_seconds": build_s,
        "counts": counts,
        "runs": args.runs,
        "results": results,
    }
    print(f"\nload average (1, 5, 15 min): {os.getloadavg()}")
    print("\n| measure | median ms | p99 ms | slowest ms | CPU ms (this process) | statements |")
    print("|---|---|---|---|---|---|")
    for label, r in results.items():
        print(
            f"| {label} | {r['median_ms']} | {r.get('p99_ms', '')} | {r.get('max_ms', '')} | "
            f"{r.get('cpu_median_ms', '')} | {r.get('statements', '')} |"
        )
    out = ROOT / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    (out / f"whip-{dialect}.json").write_text(json.dumps(report, indent=2, default=str))
    print(f"\nwrote bench/out/whip-{dialect}.json")


if __name__ == "__main__":
    main()
