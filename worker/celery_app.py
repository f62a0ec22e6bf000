"""Celery entry point: `celery -A worker.celery_app worker` and `celery -A worker.celery_app beat`.

The Flask app is built once per process; each task runs in its own app context with a fresh
database session (crm.extensions.celery_init_app). The broker is CRM_REDIS_URL, or, when unset,
the embedded SQLite file instance/broker.sqlite (kombu's SQLAlchemy transport).
"""

from crm import create_app
from worker.schedule import beat_schedule

flask_app = create_app()
celery_app = flask_app.extensions["celery"]
celery_app.conf.beat_schedule = beat_schedule(flask_app.config)

import worker.tasks  # noqa: E402,F401  (registers the tasks)
