"""Honest status texts: /readyz on the embedded broker, and whether a worker is running when
the broker cannot broadcast (the worker's own heartbeat)."""

from __future__ import annotations

import sqlite3
from datetime import timedelta

import pytest
from celery import Celery

from crm.clock import utcnow
from crm.heartbeat import WORKER_BEAT_EVERY, worker_alive, worker_seen
from tests.jobs.conftest import wait_until, worker_env


@pytest.fixture
def embedded_broker(app, tmp_path, monkeypatch):
    """JOBS_MODE=celery on an embedded SQLite broker file, as `.ci/dev` runs."""
    path = tmp_path / "broker.sqlite"
    url = f"sqlalchemy+sqlite:///{path}"
    monkeypatch.setitem(app.config, "JOBS_MODE", "celery")
    monkeypatch.setitem(app.config, "REDIS_URL", None)
    monkeypatch.setitem(app.config, "CELERY", {**app.config["CELERY"], "broker_url": url})
    celery = Celery("crm-test", broker=url)
    monkeypatch.setitem(app.extensions, "celery", celery)
    return path


def test_readyz_reports_the_embedded_broker(client, embedded_broker):
    """Not "not configured" while the embedded broker runs; an error when its file is gone."""
    assert client.get("/readyz").get_json()["checks"]["broker"].startswith("error")
    sqlite3.connect(embedded_broker).execute("CREATE TABLE kombu_queue (id INTEGER)")
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.get_json()["checks"]["broker"] == "ok (embedded SQLite broker)"


def test_readyz_says_jobs_run_inline_in_tests(client):
    assert client.get("/readyz").get_json()["checks"]["broker"] == (
        "not used: jobs run in the web process"
    )


def test_worker_status_from_the_heartbeat_on_the_embedded_broker(
    db, client, as_admin, embedded_broker
):
    """Admin → Imports says whether a worker runs, instead of "cannot report"."""
    html = client.get("/admin/imports/worker").get_data(as_text=True)
    assert "No worker is running" in html and "cannot report" not in html
    worker_alive("dev@host", utcnow())
    html = client.get("/admin/imports/worker").get_data(as_text=True)
    assert "A worker is running" in html
    assert not worker_seen(utcnow() + timedelta(seconds=4 * WORKER_BEAT_EVERY))


def test_a_real_worker_writes_its_heartbeat(
    db, database_url, clean_redis, smtp_sink, celery_factory
):
    """The worker's boot step writes the heartbeat as it starts (and every 30 s after)."""
    celery = celery_factory(worker_env(database_url, clean_redis, smtp_sink.port))
    celery.worker()

    def seen():
        db.session.rollback()
        return worker_seen(utcnow())

    wait_until(seen, 30, "the worker's heartbeat")
