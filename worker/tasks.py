"""Thin tasks: ids in, one service call out. Named crm.<feature>.<verb>.

Retries are not Celery retries: a transient SMTP failure puts the ledger row back to pending with
a next attempt time, and the outbox sweep sends it again. So no task is ever held with an ETA,
and the broker's visibility timeout (2 h) is far longer than any task.
"""

from __future__ import annotations

from celery import shared_task
from sqlalchemy.exc import OperationalError

from crm import clock
from crm.digests.services import dispatch_digests
from crm.email.delivery import deliver_notification
from crm.email.outbox import sweep_outbox
from crm.heartbeat import run_job
from crm.reminders.services import dispatch_due_reminders


@shared_task(name="crm.email.send")
def send_email(notification_id: int) -> str:
    """Send one ledger row (at most once: the row is claimed before sending)."""
    return deliver_notification(notification_id)


@shared_task(name="crm.email.sweep")
def sweep() -> dict:
    """Mark stale sends unknown; hand due pending rows (outbox, retries) to the workers."""
    return run_job("crm.email.sweep", clock.utcnow(), sweep_outbox).as_dict()


@shared_task(name="crm.reminders.dispatch_due")
def dispatch_reminders() -> dict:
    """Queue the reminders due now, one email per recipient."""
    return run_job("crm.reminders.dispatch_due", clock.utcnow(), dispatch_due_reminders).as_dict()


@shared_task(name="crm.digests.dispatch")
def dispatch_weekly_digests() -> dict:
    """Queue the weekly digests whose local weekday and hour have come."""
    return run_job("crm.digests.dispatch", clock.utcnow(), dispatch_digests).as_dict()


@shared_task(name="crm.imports.run", acks_late=True, ignore_result=True)
def run_import(run_id: int) -> None:
    """Run a queued directory import (progress and outcome are kept on its ImportRun row).

    No automatic retry: a bad file fails the same way twice, and the run's page offers to queue
    it again. A worker that dies mid-run leaves nothing half-written (one transaction); the run
    can be claimed again once it is stale.
    """
    from crm.imports.services import execute_run

    execute_run(run_id, now=clock.utcnow())


@shared_task(
    name="crm.cadence.refresh",
    acks_late=True,
    ignore_result=True,
    autoretry_for=(OperationalError,),
    retry_backoff=60,
    max_retries=3,
)
def refresh_cadence() -> dict:
    """Hourly: give each relationship holder one follow-up per lapsed keep-in-touch cadence.

    Safe to run twice or retry: the unique lapse key lets each lapse make one assignment.
    """
    from crm.cadence.services import refresh_cadence as refresh

    return run_job("crm.cadence.refresh", clock.utcnow(), refresh)


@shared_task(name="crm.inbound.poll", ignore_result=True)
def poll_inbound_mailbox() -> dict:
    """File the coalition mailbox's new messages as email contacts (or for review).

    No acks_late and no retry: beat runs it again soon, and a run that died left its unmarked
    messages for the next one (each Message-ID is filed once).
    """
    from crm.inbound.mailbox import poll_mailbox

    return run_job("crm.inbound.poll", clock.utcnow(), poll_mailbox).as_dict()


@shared_task(name="crm.bills.refresh", acks_late=True, ignore_result=True)
def refresh_tracked_bills() -> dict:
    """Every few hours: fetch the tracked bills' Bill Status files and record what changed.

    Safe to run twice: a refresh that finds nothing new changes nothing.
    """
    from crm.imports.bills import refresh_tracked_bills as refresh

    return run_job("crm.bills.refresh", clock.utcnow(), refresh).as_dict()
