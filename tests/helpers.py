"""Helpers the whole tests tree shares: where this test process keeps its data (one database and
one Redis database per pytest-xdist worker), a SQL statement counter and a wait loop."""

from __future__ import annotations

import os
import socket
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa

DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/15"

# ---------- one database and one Redis database per xdist worker ----------


def worker_id() -> str:
    """pytest-xdist's name for this process ("gw0", "gw1", ...), or "master" without xdist."""
    return os.environ.get("PYTEST_XDIST_WORKER", "master")


def worker_index() -> int:
    name = worker_id()
    return int(name[2:]) if name.startswith("gw") else 0


def own_database_url() -> str:
    """CRM_TEST_DATABASE_URL (PostgreSQL), one database per xdist worker; else a new SQLite file.

    Under xdist each worker gets `<database>_<worker>` on the same server, created afresh here;
    without xdist the given database is used as it is."""
    url = os.environ.get("CRM_TEST_DATABASE_URL")
    if not url:  # each worker is its own process, so its own temporary file
        path = Path(tempfile.mkdtemp(prefix="crm-test-")) / "test.sqlite"
        return f"sqlite:///{path}"
    if worker_id() == "master":
        return url
    base = sa.engine.make_url(url)
    own = base.set(database=f"{base.database}_{worker_id()}")
    recreate_database(base, own.database)
    return own.render_as_string(hide_password=False)


def recreate_database(server: sa.URL, name: str) -> None:
    """Drop (ending stale connections of an earlier run) and create a PostgreSQL database."""
    engine = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    finally:
        engine.dispose()


def own_redis_url() -> str:
    """CRM_TEST_REDIS_URL (default database 15); xdist worker gwN uses the database N below it,
    so each worker may flush its own database (two workers with the default: 15 and 14)."""
    url = os.environ.get("CRM_TEST_REDIS_URL") or DEFAULT_REDIS_URL
    index = worker_index()
    if not index:
        return url
    scheme, _, rest = url.partition("://")
    hostport, _, path = rest.partition("/")
    base = int(path.split("?")[0] or 0)
    if base - index < 0:
        raise RuntimeError(
            f"CRM_TEST_REDIS_URL database {base} leaves no Redis database for worker {worker_id()}"
        )
    return f"{scheme}://{hostport}/{base - index}"


def free_port() -> int:
    """A port of 127.0.0.1 free now (the OS picks it), for a server a test starts."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---------- counting SQL statements ----------


class QueryCounter:
    """The SQL statements sent to the database while active (an executemany counts once).

    with QueryCounter(db.engine) as q:
        client.get("/people/")
    assert q.count <= 8, q
    """

    def __init__(self, engine):
        self.engine = engine
        self.statements: list[str] = []

    def __enter__(self) -> QueryCounter:
        sa.event.listen(self.engine, "before_cursor_execute", self._record)
        return self

    def __exit__(self, *exc) -> None:
        sa.event.remove(self.engine, "before_cursor_execute", self._record)

    def _record(self, conn, cursor, statement, parameters, context, executemany) -> None:
        self.statements.append(" ".join(statement.split()))

    @property
    def count(self) -> int:
        return len(self.statements)

    def __repr__(self) -> str:  # what a failing assert shows: every statement, numbered
        lines = "\n".join(f"  {n}. {s[:200]}" for n, s in enumerate(self.statements, 1))
        return f"{self.count} statements:\n{lines}"


def statements_sent(engine, fn: Callable[[], object]) -> int:
    """How many SQL statements fn() sends."""
    with QueryCounter(engine) as q:
        fn()
    return q.count


# ---------- waiting for another process ----------


def wait_until(predicate: Callable[[], object], timeout: float, what: str, every: float = 0.2):
    """Poll predicate() until it returns something true (returned); errors count as not yet,
    until the timeout, when the last error is raised (or TimeoutError naming `what`)."""
    end = time.monotonic() + timeout
    while True:
        try:
            value = predicate()
            if value:
                return value
        except Exception:
            if time.monotonic() > end:
                raise
        if time.monotonic() > end:
            raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(every)


# ---------- browser contexts ----------

# Contexts a module-scoped fixture opens once and reuses across its tests (the page sweep's role
# contexts); every other context a test opens is closed when the test ends (tests/conftest.py).
LONG_LIVED_CONTEXTS: set = set()
