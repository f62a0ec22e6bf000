"""The Celery worker: thin tasks that call the services in crm/."""
