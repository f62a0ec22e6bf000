"""Fixtures for the reminders, digests, ledger and worker tests.

Unit tests run in the app's inline mode (tests/conftest.py). The integration tests (marker
`services`) start real Celery worker and beat subprocesses against a real Redis and an aiosmtpd
sink on 127.0.0.1, sharing the test database (a SQLite file or PostgreSQL). Locally they skip when
Redis is not reachable; under CI=true they fail instead.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import date, datetime
from email import message_from_bytes
from email.message import Message
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.conftest import ROOT
from tests.helpers import free_port, own_redis_url, wait_until

# ---------- records ----------


def make_assignment(assignee, *, due_on: date | None, title: str = "Follow up", **kwargs):
    """An assignment row (the assignments feature owns creating them; tests only need rows)."""
    from crm.extensions import db
    from crm.models import Assignment

    a = Assignment(assignee_id=assignee.id, title=title, due_on=due_on, **kwargs)
    db.session.add(a)
    db.session.commit()
    return a


def bulk_users(n: int, *, prefix: str = "bulk", **values) -> list[int]:
    """Many users at once (no password: they only receive mail). Returns their ids."""
    from crm.extensions import db
    from crm.models import User

    rows = [
        {
            "email": f"{prefix}{i}@example.org",
            "name": f"Bulk Member {i}",
            "role": "member",
            "timezone": "America/New_York",
            "digest_enabled": True,
            "digest_weekday": 0,
            "digest_hour": 7,
            "reminders_enabled": True,
            "is_active": True,
            "failed_logins": 0,
            **values,
        }
        for i in range(n)
    ]
    db.session.execute(sa.insert(User), rows)
    db.session.commit()
    return list(
        db.session.scalars(
            sa.select(User.id).where(User.email.like(f"{prefix}%")).order_by(User.id)
        )
    )


def at(text: str) -> datetime:
    """An aware UTC datetime from ISO text (tests pass `now` explicitly)."""
    from crm.clock import as_utc

    return as_utc(datetime.fromisoformat(text))


# ---------- SMTP sink (aiosmtpd on 127.0.0.1) ----------


@dataclass
class Sink:
    """Records every message it accepts. `replies` scripts the answers to DATA, one per message
    ("451 ..." then "250 ..."); when empty it accepts. `delay` slows every DATA (seconds)."""

    messages: list[Message] = field(default_factory=list)
    attempts: list[tuple[float, str, str]] = field(default_factory=list)  # (time, code, rcpt)
    replies: list[str] = field(default_factory=list)
    always: str | None = None
    script: dict[str, list[str]] = field(default_factory=dict)  # per recipient, then 250
    delay: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server, session, envelope):
        import asyncio

        if self.delay:
            await asyncio.sleep(self.delay)
        with self.lock:
            rcpt = ",".join(envelope.rcpt_tos)
            scripted = self.script.get(rcpt)
            reply = (
                self.always
                or (scripted.pop(0) if scripted else None)
                or (self.replies.pop(0) if self.replies else None)
            )
            self.attempts.append((time.monotonic(), (reply or "250")[:3], rcpt))
            if reply and not reply.startswith("2"):
                return reply
            message = message_from_bytes(envelope.original_content or envelope.content)
            message["X-Envelope-To"] = ",".join(envelope.rcpt_tos)
            self.messages.append(message)
        return "250 Message accepted for delivery"

    def by_header(self, name: str) -> dict[str, int]:
        counts: dict[str, int] = {}
        with self.lock:
            for m in self.messages:
                counts[m[name]] = counts.get(m[name], 0) + 1
        return counts


@pytest.fixture
def smtp_sink():
    import logging

    from aiosmtpd.controller import Controller

    logging.getLogger("mail.log").setLevel(logging.WARNING)  # a line per SMTP command otherwise
    sink = Sink()
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    sink.port = port
    yield sink
    controller.stop()


@pytest.fixture
def smtp_app(app, smtp_sink, monkeypatch):
    """The test app sending through SMTP to the sink (config restored afterwards)."""
    monkeypatch.setitem(app.config, "MAIL_BACKEND", "smtp")
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", smtp_sink.port)
    monkeypatch.setitem(app.config, "MAIL_TIMEOUT", 5)
    return app


# ---------- Redis ----------


def service_missing(what: str) -> None:
    """Locally a missing service skips the test with a reason; in CI it fails the run."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{what} (CI requires it)")
    pytest.skip(what)


@pytest.fixture(scope="session")
def redis_url() -> str:
    import redis

    url = own_redis_url()  # this xdist worker's own database
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except Exception as exc:
        service_missing(f"Redis is not reachable at {url}: {exc}")
    return url


@pytest.fixture
def clean_redis(redis_url):
    """The test's Redis database, emptied before and after (only that database)."""
    import redis

    r = redis.Redis.from_url(redis_url)
    r.flushdb()
    yield redis_url
    r.flushdb()


@pytest.fixture
def redis_server(tmp_path):
    """A redis-server of our own on a free port (J4 stops and restarts it)."""
    import shutil

    binary = shutil.which("redis-server")
    if binary is None:
        service_missing("redis-server is not installed")
    server = OwnRedis(binary, free_port(), tmp_path)
    server.start()
    yield server
    server.stop()


class OwnRedis:
    def __init__(self, binary: str, port: int, directory: Path):
        self.binary, self.port, self.directory = binary, port, directory
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        import redis

        self.proc = subprocess.Popen(
            [
                self.binary,
                "--bind",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.directory),
                "--protected-mode",
                "yes",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis.from_url(self.url, socket_connect_timeout=0.5)
        wait_until(lambda: client.ping(), 10, "redis-server to start")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


# ---------- Celery worker and beat subprocesses ----------


class Celery:
    """Starts worker and beat subprocesses with one environment; stops them all by handle."""

    def __init__(self, env: dict, logs: Path, app_module: str = "worker.celery_app"):
        self.env, self.logs, self.app_module = env, logs, app_module
        self.procs: list[tuple[subprocess.Popen, object, Path]] = []
        self.count = 0

    def _spawn(self, args: list[str], name: str) -> subprocess.Popen:
        self.count += 1
        path = self.logs / f"{name}-{self.count}.log"
        log = open(path, "wb")
        # Its own process group: killing "the machine" takes the pool children with it.
        proc = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", self.app_module, *args],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.procs.append((proc, log, path))
        return proc

    def log_of(self, proc: subprocess.Popen) -> Path:
        return next(path for p, _, path in self.procs if p is proc)

    def is_ready(self, proc: subprocess.Popen) -> bool:
        return proc.poll() is None and b" ready." in self.log_of(proc).read_bytes()

    def worker(
        self, wait: bool = True, pool: str = "solo", concurrency: int = 1
    ) -> subprocess.Popen:
        proc = self._spawn(
            [
                "worker",
                f"--pool={pool}",
                f"--concurrency={concurrency}",
                "-n",
                f"test-{os.getpid()}-{self.count}@%h",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "-l",
                "INFO",
            ],
            "worker",
        )
        if wait:
            try:
                wait_until(lambda: self.is_ready(proc), 60, "the Celery worker to start")
            except TimeoutError:
                pytest.fail(
                    "worker did not start:\n" + self.log_of(proc).read_text(errors="replace")
                )
        return proc

    def beat(self) -> subprocess.Popen:
        n = self.count + 1
        return self._spawn(
            [
                "beat",
                "-s",
                str(self.logs / f"beat-schedule-{n}"),
                "-l",
                "INFO",
                "--pidfile",
                str(self.logs / f"beat-{n}.pid"),
            ],
            "beat",
        )

    def kill(self, proc: subprocess.Popen) -> None:
        """SIGKILL the worker and its pool children, as when its machine or container dies."""
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait(10)

    @staticmethod
    def children(proc: subprocess.Popen) -> list[int]:
        """The pool processes a prefork worker forked (Linux /proc)."""
        try:
            text = Path(f"/proc/{proc.pid}/task/{proc.pid}/children").read_text()
        except OSError:
            return []
        return [int(pid) for pid in text.split()]

    def kill_child(self, proc: subprocess.Popen, rng) -> int | None:
        """SIGKILL one pool child mid-task (the OOM-killer case): the parent notices the lost
        worker and, with reject_on_worker_lost, requeues its message."""
        children = self.children(proc)
        if not children:
            return None
        pid = rng.choice(children)
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            return None
        return pid

    def stop(self, proc: subprocess.Popen) -> None:
        if proc.poll() is None:
            proc.terminate()  # warm shutdown
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            self.kill(proc)
        try:  # leftovers of its group (children of a worker that was killed)
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass

    def stop_all(self) -> None:
        for proc, _, _ in self.procs:  # all at once: each warm shutdown runs in parallel
            if proc.poll() is None:
                proc.terminate()
        for proc, log, _ in self.procs:
            self.stop(proc)
            log.close()


def worker_env(database_url: str, broker_url: str, smtp_port: int, **settings) -> dict:
    """The environment of worker and beat subprocesses: the test database, the given broker, the
    SMTP sink, fast schedules (CRM_* settings in **settings override)."""
    env = dict(
        os.environ,
        PYTHONUNBUFFERED="1",
        CRM_ENV="testing",
        CRM_JOBS_MODE="celery",
        CRM_DATABASE_URL=database_url,
        CRM_REDIS_URL=broker_url,
        CRM_MAIL_BACKEND="smtp",
        CRM_MAIL_SERVER="127.0.0.1",
        CRM_MAIL_PORT=str(smtp_port),
        CRM_MAIL_TIMEOUT="5",
        CRM_OUTBOX_EVERY="1",
        CRM_OUTBOX_GRACE="2",
        CRM_OUTBOX_RENUDGE="5",
        CRM_REMINDERS_EVERY="1",
        CRM_DIGESTS_EVERY="3600",
        CRM_REMINDER_HOURS="0-24",
        CRM_SENDING_STALE_AFTER="8",
    )
    env.update({f"CRM_{k.upper()}": str(v) for k, v in settings.items()})
    return env


@pytest.fixture
def celery_factory(tmp_path):
    """celery_factory(env) -> Celery; every process it started is stopped afterwards."""
    started: list[Celery] = []

    def make(env: dict, app_module: str = "worker.celery_app") -> Celery:
        c = Celery(env, tmp_path, app_module)
        started.append(c)
        return c

    yield make
    for c in started:
        c.stop_all()
