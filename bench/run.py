"""HTTP benchmark of the CRM's hot paths, side by side with the bare baseline harness.

    .venv/bin/python bench/run.py                          # SQLite and PostgreSQL, 5 rounds x 5 s
    .venv/bin/python bench/run.py --dbs sqlite --reps 3 --duration 2     # a quick smoke
    .venv/bin/python bench/run.py --routes person dash --no-baseline

What it does, per database:
1. Data: the CRM's database is generated once with bench/generate.py (full scale, seed 42) and
   the harness's with its own seed.py (../shared/perf-baseline, run from a scratch copy under
   bench/out/, never copied into the repository). Both are kept pristine and every run works on a
   fresh copy (SQLite file copy; PostgreSQL CREATE DATABASE ... TEMPLATE), so POSTs from earlier
   runs never pile up. --regenerate rebuilds them.
2. Serves both apps with gunicorn, 2 sync workers (the CRM's: --crm-workers), on free ports of
   127.0.0.1 only; the CRM in production configuration, signed in as a generated member.
3. wrk -t1 -cCONNS: 1 s warm-up per route, then REPS rounds; in each round every route runs back
   to back, each harness route right before its CRM counterpart, so a noisy neighbour hits both.
4. Prints one table per database: req/s, p50/p99, CPU ms per request (gunicorn workers plus, on
   PostgreSQL, the backends of the benchmark database), and the ratios CRM/harness that the
   performance goals are stated in (median over rounds of the per-round ratio). Raw rounds go to
   bench/out/results/<time>.json. Every process it starts is stopped by its PID on exit.

Routes (CRM <- harness): floor /healthz <- /hello; list /people/?state=..&page=1-3 <- /list;
filters (state+chamber, committee, not contacted in 90 days, name search, sorts; pages 1-3)
<- /list; person /people/<one of the 50 most contacted> <- /p/<random>; log-form /log?person=..
(no harness equivalent); dash / <- /dash; log-post POST /log <- POST /log (last: it writes).
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics as st
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
PY = sys.executable
TCK = os.sysconf("SC_CLK_TCK")

# (row, harness route or None, CRM route), in the order of one round.
ROUTES = [
    ("floor", "hello", "floor"),
    ("list", "list", "list"),
    ("filters", "list", "filters"),
    ("person", "detail", "person"),
    ("log-form", None, "log-form"),
    ("dash", "dash", "dash"),
    ("log-post", "log", "log-post"),
]
# Goals from research/performance-anchors.md: (min ratio to harness req/s, p99 ceiling ms).
GOALS = {
    "list": (0.5, 50),
    "filters": (0.5, 50),
    "person": (0.5, 50),
    "log-post": (0.5, 50),
    "dash": (5.0, 100),
}
CPU_GOAL = {"list": 2.0, "person": 2.0, "log-post": 2.0}  # CPU ms/request at most x harness


def log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# ---- processes: started here, stopped here, by PID ----

STARTED: list[subprocess.Popen] = []


def start(cmd: list[str], **kw) -> subprocess.Popen:
    proc = subprocess.Popen(cmd, **kw)
    STARTED.append(proc)
    return proc


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    if proc in STARTED:
        STARTED.remove(proc)


def stop_all(*_args) -> None:
    for proc in list(STARTED):
        stop(proc)


def on_signal(signum, _frame):
    stop_all()
    raise SystemExit(128 + signum)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def children(pid: int) -> list[int]:
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            out.append(int(stat.parent.name))
    return out


def ticks(pids: list[int]) -> int:
    """utime + stime (+ reaped children) of the processes, in clock ticks."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += sum(int(f) for f in fields[11:15])
    return total


# ---- databases ----


@dataclass
class Db:
    kind: str  # sqlite | postgresql
    pg_url: str  # server URL without database (postgresql only)

    def url(self, name: str) -> str:
        if self.kind == "sqlite":
            return f"sqlite:///{OUT / (name + '.sqlite')}"
        return f"{self.pg_url}/{name}"

    def exists(self, name: str) -> bool:
        if self.kind == "sqlite":
            return (OUT / f"{name}.sqlite").exists()
        return bool(self.admin(f"SELECT 1 FROM pg_database WHERE datname = '{name}'"))

    def drop(self, name: str) -> None:
        if self.kind == "sqlite":
            for suffix in ("", "-wal", "-shm"):
                (OUT / f"{name}.sqlite{suffix}").unlink(missing_ok=True)
        else:
            self.admin(f'DROP DATABASE IF EXISTS "{name}"')

    def create(self, name: str) -> None:
        if self.kind == "postgresql":
            self.admin(f'CREATE DATABASE "{name}"')

    def copy(self, pristine: str, name: str) -> None:
        """A working copy, so every run starts from the same data."""
        self.drop(name)
        if self.kind == "sqlite":
            src = OUT / f"{pristine}.sqlite"
            self.checkpoint(src)
            shutil.copyfile(src, OUT / f"{name}.sqlite")
        else:
            self.admin(f'CREATE DATABASE "{name}" TEMPLATE "{pristine}"')

    @staticmethod
    def checkpoint(path: Path) -> None:
        import sqlite3

        with sqlite3.connect(path) as conn:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def admin(self, sql: str, database: str = "postgres") -> list:
        import psycopg

        url = self.pg_url.replace("postgresql+psycopg://", "postgresql://") + "/" + database
        with psycopg.connect(url, autocommit=True) as conn:
            cur = conn.execute(sql)
            return cur.fetchall() if cur.description else []

    def backends(self, name: str) -> list[int]:
        if self.kind == "sqlite":
            return []
        return [
            pid
            for (pid,) in self.admin(
                "SELECT pid FROM pg_stat_activity "
                f"WHERE datname = '{name}' AND pid <> pg_backend_pid()"
            )
        ]


def run(cmd: list[str], **kw) -> subprocess.CompletedProcess:
    done = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{done.stdout}\n{done.stderr}")
    return done


def crm_env(url: str, **extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CRM_")}
    return {**env, "CRM_DATABASE_URL": url, **extra}


def prepare_crm(db: Db, name: str, args) -> None:
    if db.exists(name) and not args.regenerate:
        return
    log(f"{db.kind}: generating the CRM data into {name} (once; kept for later runs)")
    db.drop(name)
    db.create(name)
    env = crm_env(db.url(name), CRM_ENV="development")
    flask = [PY, "-m", "flask", "--app", "wsgi"]
    run([*flask, "db", "upgrade"], cwd=ROOT, env=env)
    gen = [PY, "-m", "bench.generate", "--seed", "42"]
    if args.interactions:
        gen += ["--interactions", str(args.interactions)]
    t = time.perf_counter()
    done = run(gen, cwd=ROOT, env=env)
    log(
        f"{db.kind}: generated in {time.perf_counter() - t:.0f}s: "
        + done.stdout.strip().splitlines()[-1]
    )


def migrate(db: Db, name: str, app_root: Path) -> None:
    """The working copy gets the migrations of the code under test, then fresh statistics; on
    PostgreSQL a VACUUM too, as autovacuum leaves a database that has been live a while (and as
    the harness's seed.py leaves its own): a copy of a freshly generated one has no visibility
    map, so every index-only scan still visits the heap."""
    t = time.perf_counter()
    run(
        [PY, "-m", "flask", "--app", "wsgi", "db", "upgrade"],
        cwd=app_root,
        env=crm_env(db.url(name), CRM_ENV="development"),
    )
    if db.kind == "sqlite":
        import sqlite3

        with sqlite3.connect(OUT / f"{name}.sqlite") as conn:
            conn.execute("ANALYZE")
    else:
        db.admin("VACUUM ANALYZE", database=name)
    log(f"{db.kind}: migrated and analyzed the working copy in {time.perf_counter() - t:.0f}s")


def harness_copy(baseline: Path) -> Path:
    """The harness runs from a scratch copy (it writes beside itself); only its sources."""
    scratch = OUT / "baseline"
    scratch.mkdir(parents=True, exist_ok=True)
    for item in ("app.py", "seed.py", "querytime.py", "wrk.lua", "templates"):
        src = baseline / item
        if src.is_dir():
            shutil.copytree(src, scratch / item, dirs_exist_ok=True)
        else:
            shutil.copy2(src, scratch / item)
    return scratch


def prepare_harness(db: Db, name: str, scratch: Path, args) -> None:
    if db.exists(name) and not args.regenerate:
        return
    log(f"{db.kind}: seeding the baseline harness into {name} (once; kept for later runs)")
    db.drop(name)
    db.create(name)
    cmd = [PY, "seed.py", db.url(name)]
    if args.interactions:
        cmd += ["--interactions", str(args.interactions)]
    log(f"{db.kind}: " + run(cmd, cwd=scratch).stdout.strip())


# ---- serving ----


# What the harness runs: 2 sync workers. gunicorn reads the app root's gunicorn.conf.py, and a
# threads setting over 1 there turns "-k sync" into gthread: the CRM's "--threads 1" keeps it sync.
SYNC_WORKERS = ["-w", "2", "-k", "sync", "--threads", "1"]


def serve(
    name: str, cwd: Path, app: str, env: dict, probe: str, workers: list[str] | None = None
) -> tuple[subprocess.Popen, int]:
    """gunicorn on a free port of 127.0.0.1, its log in bench/out/: 2 sync workers, or the
    worker options given (e.g. ["-w", "3", "-k", "gthread", "--threads", "4"])."""
    port = free_port()
    logfile = OUT / f"gunicorn-{name}.log"
    proc = start(
        [
            PY,
            "-m",
            "gunicorn",
            *(workers or SYNC_WORKERS),
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            app,
        ],
        cwd=cwd,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=logfile.open("w"),
    )
    for _ in range(100):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{probe}", timeout=2):
                return proc, port
        except OSError:
            if proc.poll() is not None:
                raise SystemExit(f"gunicorn for {app} exited; see {logfile}") from None
            time.sleep(0.2)
    raise SystemExit(f"gunicorn for {app} did not answer on {probe}")


CSRF = re.compile(r'name="csrf-token" content="([^"]+)"')


def sign_in(port: int, email: str, password: str) -> tuple[str, str]:
    """A real sign-in through the form; returns the session cookie header and a CSRF token."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    base = f"http://127.0.0.1:{port}"
    token = CSRF.search(opener.open(f"{base}/login").read().decode()).group(1)
    body = urllib.parse.urlencode({"email": email, "password": password, "csrf_token": token})
    page = opener.open(f"{base}/login", data=body.encode()).read().decode()
    if "Log a contact" not in page:
        raise SystemExit("could not sign in to the CRM as " + email)
    token = CSRF.search(opener.open(f"{base}/log").read().decode()).group(1)
    cookie = "; ".join(f"{c.name}={c.value}" for c in jar)
    return cookie, token


def crm_targets(url: str, email: str) -> dict:
    """Ids the wrk script draws from: the most contacted people, issues, committees, the member."""
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    with engine.connect() as conn:
        q = lambda sql: [r[0] for r in conn.execute(sa.text(sql))]  # noqa: E731
        member_id, tz = conn.execute(
            sa.text("SELECT id, timezone FROM users WHERE email = :e"), {"e": email}
        ).one()
        targets = {
            "PEOPLE": q(
                "SELECT person_id FROM interaction_people GROUP BY person_id "
                "ORDER BY count(*) DESC LIMIT 50"
            ),
            "ISSUES": q("SELECT id FROM issues ORDER BY id"),
            "COMMITTEES": q("SELECT id FROM committees ORDER BY id LIMIT 200"),
            "MAXID": q("SELECT max(id) FROM people WHERE deleted_at IS NULL")[0],
            "MEMBER": member_id,
            "WHEN": (datetime.now(UTC) - timedelta(days=1))
            .astimezone(ZoneInfo(tz))
            .strftime("%Y-%m-%dT%H:%M"),
        }
        targets["SKIP"] = q("SELECT id FROM people WHERE deleted_at IS NOT NULL")  # POST would 422
    engine.dispose()
    return {k: ",".join(map(str, v)) if isinstance(v, list) else str(v) for k, v in targets.items()}


# ---- measuring ----


@dataclass
class Server:
    name: str  # crm | harness
    proc: subprocess.Popen
    port: int
    script: Path
    env: dict = field(default_factory=dict)
    database: str = ""

    def pids(self, db: Db) -> list[int]:
        return children(self.proc.pid) + db.backends(self.database)


def wrk(server: Server, db: Db, route: str, duration: int, conns: int, seed: int) -> dict:
    env = {
        **os.environ,
        **server.env,
        "ROUTE": route,
        "LABEL": f"{db.kind}-{server.name}",
        "SEED": str(seed),
    }
    before = server.pids(db)
    t0 = ticks(before)
    cmd = [
        "wrk",
        "-t1",
        f"-c{conns}",
        f"-d{duration}s",
        "--timeout",
        "5s",
        "-s",
        str(server.script),
        f"http://127.0.0.1:{server.port}",
    ]
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=duration + 30).stdout
    pids = sorted(set(before) | set(server.pids(db)))
    cpu = ticks(pids) - t0  # backends that ended during the run are not counted
    line = next((ln for ln in out.splitlines() if ln.startswith("RESULT")), None)
    if line is None:
        raise SystemExit(f"wrk gave no result for {server.name} {route}:\n{out}")
    f = line.split()
    n = int(f[6])
    return dict(
        rps=float(f[3]),
        p50=float(f[4]),
        p99=float(f[5]),
        n=n,
        errors=int(f[7]),
        cpu_ms=cpu * 1000 / TCK / max(n, 1),
        load=float(Path("/proc/loadavg").read_text().split()[0]),
    )


def measure(db: Db, crm: Server, harness: Server | None, routes, args) -> dict:
    plan = []  # one round: each harness route right before its CRM counterpart, each once
    seen = set()
    for _row, h_route, c_route in routes:
        if harness and h_route and h_route not in seen:
            plan.append((harness, h_route))
            seen.add(h_route)
        plan.append((crm, c_route))
    log(f"{db.kind}: warm-up, then {args.reps} rounds x {len(plan)} runs of {args.duration}s")
    for server, route in plan:
        wrk(server, db, route, 1, args.conns, 0)
    raw: dict[tuple[str, str], list[dict]] = {}
    for rep in range(1, args.reps + 1):
        for server, route in plan:
            result = wrk(server, db, route, args.duration, args.conns, rep)
            result["rep"] = rep
            raw.setdefault((server.name, route), []).append(result)
        log(f"{db.kind}: round {rep}/{args.reps} done (load {result['load']:.2f})")
    return raw


# ---- reporting ----


def med(runs: list[dict], key: str) -> float:
    return st.median(r[key] for r in runs)


def ratio(a: list[dict], b: list[dict], key: str) -> float | None:
    """Median over rounds of a/b in the same round."""
    by_rep = {r["rep"]: r[key] for r in b}
    values = [r[key] / by_rep[r["rep"]] for r in a if by_rep.get(r["rep"])]
    return st.median(values) if values else None


def report(db: Db, raw: dict, routes, with_harness: bool) -> list[str]:
    lines = []
    floor = raw.get(("harness", "hello"))
    verdicts = True
    if with_harness and floor:
        rps = [r["rps"] for r in floor]
        spread = (max(rps) - min(rps)) / st.median(rps)
        if st.median(rps) < 3000 or spread > 0.15:
            verdicts = False
            lines.append(
                f"NOISY RUN ({db.kind}): harness /hello {st.median(rps):.0f} req/s, spread "
                f"{spread:.0%} (G10 wants >= 3000 and <= 15%): ratios shown, no verdicts."
            )
    head = (
        f"{'db':6} {'route':9} {'req/s':>7} {'[min-max]':>11} {'p50':>6} {'p99':>7} {'cpu ms':>6} "
        f"{'err':>4} | {'harness':>8} {'h p99':>6} {'h cpu':>6} | {'x harn':>6} {'x cpu':>6} "
        f"{'x floor':>7} {'goal':>14}"
    )
    lines.append(head)
    for row, h_route, c_route in routes:
        runs = raw.get(("crm", c_route))
        if not runs:
            continue
        h = raw.get(("harness", h_route)) if h_route else None
        rps = [r["rps"] for r in runs]
        x_h = ratio(runs, h, "rps") if h else None
        x_cpu = ratio(runs, h, "cpu_ms") if h else None
        x_floor = ratio(runs, floor, "rps") if floor else None
        goal = ""
        if row in GOALS and x_h is not None:
            want, ceiling = GOALS[row]
            ok = x_h >= want and med(runs, "p99") < ceiling
            if row in CPU_GOAL and x_cpu is not None:
                ok = ok and x_cpu <= CPU_GOAL[row]
            goal = f">={want}x,p99<{ceiling} " + (("ok" if ok else "MISS") if verdicts else "-")
        fmt = lambda v, spec: format(v, spec) if v is not None else "-"  # noqa: E731
        lines.append(
            f"{db.kind[:6]:6} {row:9} {med(runs, 'rps'):7.0f} "
            f"{f'{min(rps):.0f}-{max(rps):.0f}':>11} "
            f"{med(runs, 'p50'):6.1f} {med(runs, 'p99'):7.1f} {med(runs, 'cpu_ms'):6.2f} "
            f"{sum(r['errors'] for r in runs):4d} | "
            f"{fmt(h and med(h, 'rps'), '8.0f')} {fmt(h and med(h, 'p99'), '6.1f')} "
            f"{fmt(h and med(h, 'cpu_ms'), '6.2f')} | {fmt(x_h, '6.2f')} {fmt(x_cpu, '6.2f')} "
            f"{fmt(x_floor, '7.3f')} {goal:>14}"
        )
    if floor:
        lines.append(
            f"{db.kind[:6]:6} {'(harness /hello floor)':31} {med(floor, 'rps'):7.0f} req/s, "
            f"p99 {med(floor, 'p99'):.1f} ms, load {med(floor, 'load'):.2f}"
        )
    return lines


def versions(app_root: Path) -> dict:
    from importlib.metadata import version

    wrk_version = subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.split("\n")[
        0
    ]
    sha = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=app_root
    ).stdout.strip()
    return {
        "git": sha,
        "python": platform.python_version(),
        "flask": version("flask"),
        "sqlalchemy": version("sqlalchemy"),
        "gunicorn": version("gunicorn"),
        "wrk": wrk_version,
        "cpus": os.cpu_count(),
        "machine": platform.machine(),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument(
        "--dbs", nargs="+", choices=["sqlite", "postgres"], default=["sqlite", "postgres"]
    )
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--duration", type=int, default=5, help="seconds per run")
    ap.add_argument("--conns", type=int, default=4)
    ap.add_argument("--routes", nargs="+", choices=[r for r, _, _ in ROUTES], default=None)
    ap.add_argument(
        "--baseline",
        type=Path,
        default=Path(os.environ.get("CRM_PERF_BASELINE", ROOT.parent / "shared" / "perf-baseline")),
        help="the harness (default ../shared/perf-baseline)",
    )
    ap.add_argument("--no-baseline", action="store_true", help="the CRM alone")
    ap.add_argument(
        "--pg-url",
        default=os.environ.get("CRM_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432"),
    )
    ap.add_argument(
        "--interactions", type=int, default=None, help="generate fewer (default 500,000)"
    )
    ap.add_argument(
        "--db-prefix",
        default=os.environ.get("CRM_BENCH_DB_PREFIX", "bench"),
        help="names of the pristine databases (<prefix>_crm, <prefix>_baseline; default bench), "
        "so checkouts sharing one PostgreSQL server keep their own",
    )
    ap.add_argument("--regenerate", action="store_true", help="rebuild the pristine databases")
    ap.add_argument(
        "--crm-workers",
        default=" ".join(SYNC_WORKERS),
        help="gunicorn worker options for the CRM only (the harness keeps 2 sync workers), "
        "e.g. '-w 3 -k sync --threads 1' or '-w 2 -k gthread --threads 4'; default "
        f"'{' '.join(SYNC_WORKERS)}' (gunicorn reads the CRM's gunicorn.conf.py, whose threads "
        "turn -k sync into gthread unless --threads 1 is given)",
    )
    ap.add_argument(
        "--app-root",
        type=Path,
        default=ROOT,
        help="serve the CRM from another checkout (e.g. `git archive` of an older commit) to "
        "compare builds on the same data; default: this one",
    )
    args = ap.parse_args()
    if not 1 <= args.reps <= 20 or not 1 <= args.duration <= 60:
        raise SystemExit("keep it bounded: 1-20 rounds of 1-60 s")
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: apt-get install -y wrk")
    routes = [r for r in ROUTES if args.routes is None or r[0] in args.routes or r[0] == "floor"]
    with_harness = not args.no_baseline
    if with_harness and not (args.baseline / "app.py").exists():
        raise SystemExit(
            f"no baseline harness at {args.baseline} (--baseline PATH or --no-baseline)"
        )
    OUT.mkdir(parents=True, exist_ok=True)
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    suffix = f"_{args.interactions}" if args.interactions else ""
    from bench import BENCH_MEMBER as email
    from bench import BENCH_PASSWORD

    report_lines, results = (
        [],
        {
            "started": datetime.now(UTC).isoformat(),
            "args": vars(args) | {"baseline": str(args.baseline)},
            "versions": versions(args.app_root),
            "runs": {},
        },
    )
    scratch = harness_copy(args.baseline) if with_harness else None
    try:
        for kind in args.dbs:
            db = Db("sqlite" if kind == "sqlite" else "postgresql", args.pg_url)
            crm_db, h_db = f"{args.db_prefix}_crm{suffix}", f"{args.db_prefix}_baseline{suffix}"
            prepare_crm(db, crm_db, args)
            if with_harness:
                prepare_harness(db, h_db, scratch, args)
            db.copy(crm_db, crm_db + "_run")
            migrate(db, crm_db + "_run", args.app_root)
            crm_env_ = crm_env(
                db.url(crm_db + "_run"),
                CRM_ENV="production",
                CRM_SECRET_KEY=os.urandom(16).hex(),
                CRM_SESSION_COOKIE_SECURE="false",
            )
            proc, port = serve(
                "crm", args.app_root, "wsgi:app", crm_env_, "/healthz", args.crm_workers.split()
            )
            cookie, token = sign_in(port, email, BENCH_PASSWORD)
            crm = Server(
                "crm",
                proc,
                port,
                ROOT / "bench" / "wrk_crm.lua",
                {"COOKIE": cookie, "CSRF": token, **crm_targets(db.url(crm_db + "_run"), email)},
                crm_db + "_run",
            )
            harness = None
            if with_harness:
                db.copy(h_db, h_db + "_run")
                env = {**os.environ, "DATABASE_URL": db.url(h_db + "_run")}
                h_proc, h_port = serve("harness", scratch, "app:app", env, "/hello")
                harness = Server("harness", h_proc, h_port, scratch / "wrk.lua", {}, h_db + "_run")
            raw = measure(db, crm, harness, routes, args)
            stop_all()
            results["runs"][db.kind] = {f"{s}:{r}": v for (s, r), v in raw.items()}
            report_lines += report(db, raw, routes, with_harness) + [""]
    finally:
        stop_all()
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    (OUT / "results").mkdir(exist_ok=True)
    (OUT / "results" / f"{stamp}.json").write_text(
        json.dumps(results | {"table": report_lines}, indent=1, default=str)
    )
    print(
        f"CRM vs baseline harness, {args.reps} rounds x {args.duration}s, "
        f"wrk -t1 -c{args.conns}; "
        "medians; x = median of per-round ratios (x cpu: lower is better)"
    )
    print("\n".join(report_lines))
    print(f"raw rounds: bench/out/results/{stamp}.json")


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
