"""Celery entry point: `celery -A worker.celery_app worker` and `celery -A worker.celery_app beat`.

The Flask app is built once per process; each task runs in its own app context with a fresh
database session (crm.extensions.celery_init_app). The broker is CRM_REDIS_URL, or, when unset,
the embedded SQLite file instance/broker.sqlite (kombu's SQLAlchemy transport).
"""

import logging

from celery import bootsteps

from crm import create_app
from crm.clock import utcnow
from crm.extensions import db
from crm.heartbeat import WORKER_BEAT_EVERY, worker_alive
from worker.schedule import beat_schedule

flask_app = create_app()
celery_app = flask_app.extensions["celery"]
celery_app.conf.beat_schedule = beat_schedule(flask_app.config)

import worker.tasks  # noqa: E402,F401  (registers the tasks)


class WorkerHeartbeat(bootsteps.StartStopStep):
    """Write the worker's heartbeat on start and every WORKER_BEAT_EVERY seconds, so pages can
    tell a worker is running even on a broker that cannot broadcast (crm.heartbeat)."""

    requires = {"celery.worker.components:Timer"}

    def __init__(self, worker, **kwargs):
        super().__init__(worker, **kwargs)
        self.tref = None

    def start(self, worker):
        """Beat once now, then every WORKER_BEAT_EVERY seconds."""
        self.beat(worker.hostname)
        self.tref = worker.timer.call_repeatedly(WORKER_BEAT_EVERY, self.beat, (worker.hostname,))

    def stop(self, worker):
        """Stop the periodic heartbeat when the worker shuts down."""
        if self.tref is not None:
            self.tref.cancel()

    @staticmethod
    def beat(hostname: str) -> None:
        """Record that this worker is alive (a failure is logged, never raised)."""
        with flask_app.app_context():
            try:
                worker_alive(hostname, utcnow())
            except Exception:  # a missed beat only makes the page say "no worker" for a while
                logging.getLogger(__name__).warning("worker heartbeat failed", exc_info=True)
            finally:
                db.session.remove()


celery_app.steps["worker"].add(WorkerHeartbeat)
