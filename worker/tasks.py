"""Thin tasks: ids in, one service call. Named crm.<feature>.<verb>; crm/jobs.py enqueues them
by name."""

from __future__ import annotations

from celery import shared_task
from sqlalchemy.exc import OperationalError

from crm.clock import utcnow


@shared_task(name="crm.imports.run", acks_late=True, ignore_result=True)
def run_import(run_id: int) -> None:
    """Run a queued directory import (progress and outcome are kept on its ImportRun row).

    No automatic retry: a bad file fails the same way twice, and the run's page offers to queue
    it again. A worker that dies mid-run leaves nothing half-written (one transaction); the run
    can be claimed again once it is stale.
    """
    from crm.imports.services import execute_run

    execute_run(run_id, now=utcnow())


@shared_task(name="crm.cadence.refresh", acks_late=True, ignore_result=True,
             autoretry_for=(OperationalError,), retry_backoff=60, max_retries=3)
def refresh_cadence() -> dict:
    """Daily: give each relationship holder one follow-up per lapsed keep-in-touch cadence.

    Safe to run twice or retry: the unique lapse key lets each lapse make one assignment.
    """
    from crm.cadence.services import refresh_cadence as refresh

    return refresh(utcnow())
