"""The beat schedule, as data: which task runs how often (the intervals are settings).

Nothing is scheduled far ahead with an ETA: reminders and digests are rows and settings in the
database that these periodic jobs poll, and every entry expires if a worker cannot take it soon,
so a backlog after an outage collapses into one run instead of many.
"""

from __future__ import annotations

from datetime import timedelta

from celery.schedules import crontab

# task name -> the setting that says how often it runs (seconds). Shared with the heartbeat
# checks, which the web app runs without importing worker/.
from crm.heartbeat import PERIODIC_JOBS as PERIODIC


def when(seconds: float):
    """Whole minutes that divide an hour run on the clock (*/15 = :00, :15, :30, :45), so a
    digest due at 07:00 (or 07:30 in India) goes out then; anything else is a plain interval."""
    if seconds >= 60 and seconds % 60 == 0 and 3600 % seconds == 0:
        minutes = int(seconds // 60)
        return crontab(minute="*" if minutes == 1 else f"*/{minutes}")
    return timedelta(seconds=seconds)


def beat_schedule(config) -> dict:
    """The beat_schedule Celery reads, built from the app's settings."""
    schedule = {}
    for task, setting in PERIODIC.items():
        seconds = float(config[setting])
        schedule[task] = {
            "task": task,
            "schedule": when(seconds),
            "options": {"expires": max(2 * seconds, 5.0)},
        }
    return schedule
