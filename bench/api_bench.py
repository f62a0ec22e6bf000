"""API throughput beside the HTML pages it mirrors, on the same data and the same gunicorn.

    .venv/bin/python bench/api_bench.py                      # SQLite, small scale, 3 rounds x 5 s
    .venv/bin/python bench/api_bench.py --db postgresql+psycopg://postgres@127.0.0.1:5432/bench_api
    .venv/bin/python bench/api_bench.py --interactions 50000 --rounds 5 --duration 5 --threads 4

Pairs (API <- page): list GET /api/v1/people?state=..&limit=50 <- GET /people/?state=.. (50 a
page); create POST /api/v1/interactions (JSON, a read-write token) <- POST /log (the quick log
form, CSRF token, signed-in session). Both sides are the same member on the same database. Each
round runs every pair back to back (page first, then API), so a noisy neighbour hits both.
Prints requests per second per route and the ratios API/page (median over rounds), which is
what to compare across machines. The data (bench/generate.py, seed 42) goes to bench/out/.
"""

from __future__ import annotations

import argparse
import http.client
import json
import re
import statistics as st
import sys
import threading
import time
import urllib.parse
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
OUT = ROOT / "bench" / "out" / "api"
STATES = ["TX", "CA", "NY", "FL", "OH", "PA", "MI", "GA"]
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


def prepare(db_url: str, interactions: int):
    """A fresh generated database; returns (member email, read-write token, person ids)."""
    import sqlalchemy as sa

    from bench import BENCH_MEMBER, BENCH_PASSWORD  # noqa: F401
    from bench.generate import Scale, generate
    from crm import create_app
    from crm.api.tokens import create_token
    from crm.clock import utcnow
    from crm.extensions import db
    from crm.models import Person, User

    app = create_app("testing", SQLALCHEMY_DATABASE_URI=db_url)
    with app.app_context():
        db.drop_all()
        db.create_all()
        generate(Scale.small(interactions=interactions), seed=42)
        member = db.session.scalar(sa.select(User).where(User.email == BENCH_MEMBER))
        _, secret = create_token(member, "bench", ["read", "write"], 7, utcnow())
        people = list(
            db.session.scalars(
                sa.select(Person.id).where(Person.deleted_at.is_(None)).order_by(Person.id)
            )
        )
        db.session.remove()
        db.engine.dispose()
    return BENCH_MEMBER, secret, people


class Client:
    """One keep-alive connection; a session cookie once signed in."""

    def __init__(self, port: int):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.cookie = ""

    def request(self, method, path, body=None, headers=None) -> tuple[int, str]:
        headers = dict(headers or {})
        if self.cookie:
            headers["Cookie"] = self.cookie
        self.conn.request(method, path, body=body, headers=headers)
        resp = self.conn.getresponse()
        text = resp.read().decode("utf-8", "replace")
        for key, value in resp.getheaders():
            if key.lower() == "set-cookie" and value.startswith("crm_session="):
                self.cookie = value.split(";")[0]
        return resp.status, text

    def csrf(self, path: str) -> str:
        _, page = self.request("GET", path)
        m = CSRF_RE.search(page)
        return m.group(1) or m.group(2)

    def sign_in(self, email: str, password: str) -> None:
        token = self.csrf("/login")
        body = urllib.parse.urlencode({"email": email, "password": password, "csrf_token": token})
        status, _ = self.request(
            "POST", "/login", body, {"Content-Type": "application/x-www-form-urlencoded"}
        )
        assert status == 302, status


def run_route(name, port, seconds, threads, email, secret, people) -> float:
    """Requests per second for one route with `threads` clients, each on its own connection."""
    from bench import BENCH_PASSWORD
    from crm.clock import utcnow

    when = (utcnow() - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    bearer = {"Authorization": f"Bearer {secret}"}
    counts, errors = [0] * threads, []

    def worker(i: int) -> None:
        c = Client(port)
        token = ""
        if name.startswith("page"):
            c.sign_in(email, BENCH_PASSWORD)
            token = c.csrf("/log")
        n, end = 0, time.monotonic() + seconds
        while time.monotonic() < end:
            person = people[(n * 7919 + i * 104729) % len(people)]
            state = STATES[n % len(STATES)]
            if name == "page-list":
                status, _ = c.request("GET", f"/people/?state={state}")
            elif name == "api-list":
                status, _ = c.request("GET", f"/api/v1/people?state={state}&limit=50", None, bearer)
            elif name == "page-create":
                form = {
                    "csrf_token": token,
                    "people": person,
                    "occurred_at": when,
                    "kind": "call",
                    "subject": "Bench call",
                }
                status, _ = c.request(
                    "POST",
                    "/log",
                    urllib.parse.urlencode(form),
                    {"Content-Type": "application/x-www-form-urlencoded"},
                )
                status = 200 if status == 302 else status
            else:
                body = json.dumps({"people": [person], "kind": "call", "subject": "Bench call"})
                status, _ = c.request(
                    "POST",
                    "/api/v1/interactions",
                    body,
                    {**bearer, "Content-Type": "application/json"},
                )
                status = 200 if status == 201 else status
            if status != 200:
                errors.append((name, status))
            n += 1
        counts[i] = n

    pool = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    t0 = time.monotonic()
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    if errors:
        raise SystemExit(f"{name}: {len(errors)} failed requests, e.g. {errors[:3]}")
    return sum(counts) / (time.monotonic() - t0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default=None, help="database URL (default: a SQLite file)")
    parser.add_argument("--interactions", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=float, default=5.0)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    db_url = args.db or f"sqlite:///{OUT / 'api_bench.sqlite'}"
    email, secret, people = prepare(db_url, args.interactions)

    from tests.serving import ServedApp

    server = ServedApp(db_url, OUT, CRM_API_RATE_LIMIT="1000000/minute").start()
    pairs = [("page-list", "api-list"), ("page-create", "api-create")]
    rates: dict[str, list[float]] = {n: [] for pair in pairs for n in pair}
    ratios: dict[str, list[float]] = {api: [] for _, api in pairs}
    try:
        for r in range(args.rounds):
            for page, api in pairs:
                p = run_route(page, server.port, args.duration, args.threads, email, secret, people)
                a = run_route(api, server.port, args.duration, args.threads, email, secret, people)
                rates[page].append(p)
                rates[api].append(a)
                ratios[api].append(a / p)
            print(f"round {r + 1}: " + ", ".join(f"{k} {v[-1]:.0f}/s" for k, v in rates.items()))
    finally:
        server.stop()
    engine = db_url.split(":")[0].split("+")[0]
    print(
        f"\n{engine}, {len(people)} people, {args.interactions} interactions, "
        f"gunicorn 2 sync workers, {args.threads} client threads, "
        f"{args.rounds} x {args.duration:g} s"
    )
    print(f"{'route':<12} {'req/s (median)':>15}")
    for name, values in rates.items():
        print(f"{name:<12} {st.median(values):>15.1f}")
    for page, api in pairs:
        print(f"ratio {api}/{page}: {st.median(ratios[api]):.2f}")


if __name__ == "__main__":
    main()
