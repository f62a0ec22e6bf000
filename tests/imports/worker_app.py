"""Celery entry point for the importer's worker test: the test app plus the import task.

(The project's own entry point is worker/celery_app.py; this one only needs the testing config.)
"""

import worker.tasks  # noqa: F401  (registers crm.imports.run)
from crm import create_app

app = create_app("testing")
celery_app = app.extensions["celery"]
