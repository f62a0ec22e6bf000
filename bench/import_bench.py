"""Time the directory importers on the real snapshots (../shared/data).

For each database (SQLite in a temporary file; PostgreSQL when --pg or CRM_BENCH_PG_URL names
one), each round starts from an empty schema and times, through the same service the CLI and
the worker call (crm.imports.services.import_directory):

  congress first     all of Congress into the empty database (YAML parse cache cold)
  states first       FL, NY, TN, TX and WI on top
  congress refresh   the same Congress files again: nothing changes (cache warm)
  states refresh     the same states again: nothing changes (cache warm)
  congress refresh, no cache / states refresh, no cache   the same, parsing the YAML again

Wall and CPU seconds (this process only: PostgreSQL's own CPU is not in it) are printed as the
median over rounds, and written with the raw rounds to bench/out/import-<time>.json.

    .venv/bin/python bench/import_bench.py                      # SQLite only
    .venv/bin/python bench/import_bench.py --pg postgresql+psycopg://postgres@127.0.0.1/scratch

The PostgreSQL database is emptied (drop_all/create_all): never point it at real data.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

STEPS = (
    "congress first",
    "states first",
    "congress refresh",
    "states refresh",
    "congress refresh, no cache",
    "states refresh, no cache",
)
GOALS = {"congress first": 10.0, "congress refresh": 3.0}  # seconds, wall (the aims)


def shared_data() -> Path:
    return Path(os.environ.get("CRM_SHARED_DATA") or ROOT.parent / "shared" / "data")


def one_round(url: str, data: Path) -> dict[str, dict]:
    from crm import create_app
    from crm.clock import utcnow
    from crm.extensions import db
    from crm.imports.services import import_directory

    cache = tempfile.mkdtemp(prefix="crm-bench-cache-")
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url, IMPORT_CACHE_DIR=cache)
    out = {}
    with app.app_context():
        db.drop_all()
        db.create_all()
        db.session.commit()

        def timed(step: str, kind: str, source: Path, cached: bool = True) -> None:
            app.config["IMPORT_CACHE_DIR"] = cache if cached else ""
            wall, cpu = time.perf_counter(), time.process_time()
            result = import_directory(kind, str(source), now=utcnow())
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            if not result.ok:
                raise SystemExit(f"{step}: {result.errors[:3]}")
            summary = result.summary()
            out[step] = {
                "wall": wall,
                "cpu": cpu,
                "created": summary["created"],
                "updated": summary["updated"],
                "retired": summary["retired"],
                "unchanged": summary["unchanged"],
            }
            db.session.remove()

        congress, states = data / "congress-legislators", data / "openstates"
        timed("congress first", "congress", congress)
        timed("states first", "openstates", states)
        timed("congress refresh", "congress", congress)
        timed("states refresh", "openstates", states)
        timed("congress refresh, no cache", "congress", congress, cached=False)
        timed("states refresh, no cache", "openstates", states, cached=False)
        db.drop_all()
        db.session.remove()
        db.engine.dispose()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--pg",
        default=os.environ.get("CRM_BENCH_PG_URL"),
        help="PostgreSQL URL of a scratch database (emptied!)",
    )
    parser.add_argument("--data", type=Path, default=shared_data())
    args = parser.parse_args()
    if not (args.data / "congress-legislators").is_dir():
        raise SystemExit(f"no snapshots in {args.data} (set CRM_SHARED_DATA)")

    engines = {}
    tmp = Path(tempfile.mkdtemp(prefix="crm-bench-"))
    engines["sqlite"] = f"sqlite:///{tmp / 'bench.sqlite'}"
    if args.pg:
        engines["postgresql"] = args.pg
    report = {"started": datetime.now(UTC).isoformat(), "machine": machine(), "rounds": {}}
    for name, url in engines.items():
        rounds = []
        for n in range(args.rounds):
            if name == "sqlite":
                Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
            rounds.append(one_round(url, args.data))
            print(
                f"{name} round {n + 1}/{args.rounds} done (load {os.getloadavg()[0]:.1f})",
                file=sys.stderr,
            )
        report["rounds"][name] = rounds
    report["finished_load"] = os.getloadavg()
    print_table(report)
    out = ROOT / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"import-{datetime.now(UTC):%Y%m%dT%H%M%S}.json"
    path.write_text(json.dumps(report, indent=2))
    print(f"\nraw rounds: {path.relative_to(ROOT)}")


def print_table(report: dict) -> None:
    print(
        f"\nmedian of {len(next(iter(report['rounds'].values())))} rounds; "
        f"{report['machine']['cpus']} CPUs, load at start {report['machine']['load'][0]:.1f}"
    )
    print(
        f"{'engine':<11} {'step':<27} {'wall s':>7} {'cpu s':>6} {'created':>8} "
        f"{'updated':>8} {'unchanged':>9}  goal"
    )
    for engine, rounds in report["rounds"].items():
        for step in STEPS:
            wall = statistics.median(r[step]["wall"] for r in rounds)
            cpu = statistics.median(r[step]["cpu"] for r in rounds)
            last = rounds[-1][step]
            goal = GOALS.get(step)
            verdict = "" if goal is None else f"< {goal:g} s: {'yes' if wall < goal else 'NO'}"
            print(
                f"{engine:<11} {step:<27} {wall:7.2f} {cpu:6.2f} {last['created']:8} "
                f"{last['updated']:8} {last['unchanged']:9}  {verdict}"
            )


def machine() -> dict:
    def git(*args):
        try:
            return subprocess.run(
                ["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=10
            ).stdout.strip()
        except OSError:
            return ""

    import sqlalchemy

    return {
        "cpus": os.cpu_count(),
        "load": os.getloadavg(),
        "python": platform.python_version(),
        "sqlalchemy": sqlalchemy.__version__,
        "git": git("rev-parse", "--short", "HEAD"),
        "platform": platform.platform(),
    }


if __name__ == "__main__":
    main()
