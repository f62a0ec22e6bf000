"""A real Celery worker (subprocess) runs an import queued from the admin page."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
import sqlalchemy as sa

from crm.extensions import db
from crm.models import ImportRun, Person
from tests.conftest import ROOT
from tests.helpers import wait_until
from tests.imports.conftest import count, small_congress
from tests.imports.test_import_admin import MEMBERS, start, zipped

pytestmark = pytest.mark.services


def consumes(celery, queue: str) -> bool:
    """A worker (ours: the queue is this test's own) is consuming the queue."""
    replies = celery.control.inspect(timeout=0.5).active_queues() or {}
    return any(q["name"] == queue for queues in replies.values() for q in queues)


@pytest.fixture
def import_worker(redis_url, celery_mode, import_queue, tmp_path):
    celery = celery_mode(redis_url)
    log_path = tmp_path / "worker.log"
    env = dict(os.environ, CRM_REDIS_URL=redis_url, PYTHONUNBUFFERED="1")
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "tests.imports.worker_app:celery_app",
                "worker",
                "--pool=solo",
                "--concurrency=1",
                "-n",
                f"imports-test-{os.getpid()}@%h",
                "-Q",
                import_queue,
                "--without-gossip",
                "--without-mingle",
                "-l",
                "INFO",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_until(
                lambda: proc.poll() is None and consumes(celery, import_queue),
                60,
                "the celery worker",
            )
        except TimeoutError:
            proc.kill()
            proc.wait()
            pytest.fail("worker did not start:\n" + log_path.read_text())
        yield proc
        proc.terminate()  # warm shutdown, by our own handle
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def test_worker_runs_a_queued_import(import_worker, as_admin, auth, client, tmp_path):
    assert "A worker is running" in client.get("/admin/imports/worker").get_data(as_text=True)
    folder = small_congress(tmp_path / "c", MEMBERS)
    assert start(auth, files=[(zipped(folder), "congress.zip")]).status_code == 302
    run_id = db.session.scalar(sa.select(ImportRun.id))

    def finished():
        db.session.expire_all()
        return db.session.get(ImportRun, run_id).status in ("done", "failed")

    wait_until(finished, 60, "the import to finish")
    run = db.session.get(ImportRun, run_id)
    assert run.status == "done", run.errors
    assert run.counts["people"]["created"] == 2 and count(Person) == 2
