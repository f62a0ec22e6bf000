"""The Celery worker and beat: `celery -A worker.celery_app worker` / `... beat`."""
