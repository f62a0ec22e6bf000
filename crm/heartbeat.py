"""Heartbeats of the periodic jobs: each run records when it started and last succeeded, so
/readyz and the admin status page can say when the scheduler or the worker has stopped."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app

from crm.extensions import db
from crm.models import JobRun
from crm.models.base import insert_or_skip

# The periodic jobs (task names) and the setting holding how often each runs.
PERIODIC_JOBS = {
    "crm.reminders.dispatch_due": "REMINDERS_EVERY",
    "crm.digests.dispatch": "DIGESTS_EVERY",
    "crm.email.sweep": "OUTBOX_EVERY",
    "crm.cadence.refresh": "CADENCE_EVERY",
    "crm.inbound.poll": "INBOUND_EVERY",
    "crm.bills.refresh": "BILL_REFRESH_EVERY",
}


def every(name: str) -> float:
    """How often (seconds) a periodic job is meant to run."""
    return float(current_app.config[PERIODIC_JOBS[name]])


def _touch(name: str, **values) -> None:
    """Update a job's heartbeat row (created on first use). Times only move forward: two runs
    finishing out of order cannot set "last success" back."""
    insert_or_skip(JobRun, [{"name": name}], key=["name"], returning=("name",))
    for column in ("last_started_at", "last_success_at"):
        if column in values:
            current = getattr(JobRun, column)
            moment = sa.literal(values[column], type_=current.type)
            values[column] = sa.case(
                (sa.or_(current.is_(None), current < moment), moment), else_=current
            )
    db.session.execute(sa.update(JobRun).where(JobRun.name == name).values(**values))
    db.session.commit()


def run_job(name: str, now: datetime, job: Callable[[datetime], Any]) -> Any:
    """Run one periodic job with its heartbeat: started, then succeeded (with its summary) or
    failed (with the error, then re-raised)."""
    _touch(name, last_started_at=now)
    try:
        result = job(now)
    except Exception as exc:
        db.session.rollback()
        _touch(name, last_error=f"{type(exc).__name__}: {exc}"[:2000])
        raise
    summary = result.as_dict() if hasattr(result, "as_dict") else result
    _touch(
        name,
        last_success_at=now,
        last_error=None,
        last_summary=summary if isinstance(summary, dict) else None,
    )
    return result


@dataclass
class JobStatus:
    """A periodic job's last runs and whether it is on time ("ok"), late, or never succeeded."""

    name: str
    every: float
    last_started_at: datetime | None
    last_success_at: datetime | None
    last_error: str | None
    last_summary: dict | None
    state: str  # ok, late, never

    @property
    def late(self) -> bool:
        """True when the job is late or has never succeeded."""
        return self.state != "ok"


def grace(name: str) -> timedelta:
    """A job is late when it has not succeeded for two of its periods plus two minutes."""
    return timedelta(seconds=2 * every(name) + 120)


def job_statuses(now: datetime) -> list[JobStatus]:
    """Every periodic job with its last run and whether it is on time."""
    runs = {r.name: r for r in db.session.scalars(sa.select(JobRun))}
    out = []
    for name in PERIODIC_JOBS:
        run = runs.get(name)
        success = run.last_success_at if run else None
        if success is None:
            state = "never"
        elif now - success > grace(name):
            state = "late"
        else:
            state = "ok"
        out.append(
            JobStatus(
                name,
                every(name),
                run.last_started_at if run else None,
                success,
                run.last_error if run else None,
                run.last_summary if run else None,
                state,
            )
        )
    return out


def late_jobs(now: datetime) -> dict[str, str]:
    """Jobs that have not run on time, with a short reason (for /readyz).

    A job that ran before and stopped is late. With JOBS_EXPECTED (a deployment with a worker
    and beat), no job having ever run is reported too; a single job that has not had its first
    turn yet (the digest runs every 15 minutes) is not, while the others run.
    """
    statuses = job_statuses(now)
    out = {}
    for job in statuses:
        if job.state == "late":
            minutes = int((now - job.last_success_at).total_seconds() // 60)
            out[job.name] = f"late: last success {minutes} min ago"
    if current_app.config["JOBS_EXPECTED"] and all(j.state == "never" for j in statuses):
        out.update({j.name: "never ran: are the worker and beat running?" for j in statuses})
    return out


# ---- the worker's own heartbeat ----
# A broker that cannot broadcast (the embedded SQLite one) cannot answer "is a worker running?";
# so every worker also writes this row every WORKER_BEAT_EVERY seconds, and a fresh row means yes.
WORKER_JOB = "crm.worker"
WORKER_BEAT_EVERY = 30.0


def worker_alive(hostname: str, now: datetime) -> None:
    """A worker says it is consuming the queue (called on start and then periodically)."""
    _touch(WORKER_JOB, last_started_at=now, last_success_at=now, last_summary={"host": hostname})


def worker_seen(now: datetime) -> bool:
    """Has a worker written its heartbeat in the last three beats?"""
    last = db.session.scalar(sa.select(JobRun.last_success_at).where(JobRun.name == WORKER_JOB))
    return last is not None and now - last <= timedelta(seconds=3 * WORKER_BEAT_EVERY)
