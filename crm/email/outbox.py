"""The outbox sweep and what admins do with the ledger.

The sweep runs every minute in the worker. It (1) marks rows stuck in "sending" as "unknown" (the
worker died mid-send: the message may or may not have gone out, so a human decides) and (2) hands
the worker every pending row whose time has come: rows whose web request could not reach the
broker, rows whose message was lost with a killed worker, and transient failures whose backoff
has passed.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from crm import audit
from crm.email import Summary, dispatch, queue_email
from crm.errors import DomainError
from crm.extensions import db
from crm.models import Notification, User


@dataclass
class SweepSummary:
    """What one outbox sweep did: rows marked unknown, rows nudged, and rows handed to the
    worker."""

    unknown: int = 0
    nudged: int = 0
    handed_over: int = 0

    def as_dict(self) -> dict:
        """The sweep's counts as a dict, for the job's log and heartbeat."""
        return asdict(self)


def sweep_outbox(now: datetime) -> SweepSummary:
    """Reap stale "sending" rows to "unknown", then hand due pending rows to the worker."""
    cfg = current_app.config
    summary = SweepSummary()
    stale_before = now - timedelta(seconds=cfg["SENDING_STALE_AFTER"])
    reaped = db.session.execute(
        sa.update(Notification)
        .where(Notification.status == "sending", Notification.claimed_at < stale_before)
        .values(
            status="unknown",
            last_error="The worker stopped while sending: the message may or may not have "
            "been delivered.",
        )
    )
    summary.unknown = reaped.rowcount or 0
    due = (
        sa.select(Notification.id)
        .where(
            Notification.status == "pending",
            sa.or_(Notification.next_attempt_at.is_(None), Notification.next_attempt_at <= now),
        )
        .order_by(Notification.next_attempt_at, Notification.id)
        .limit(cfg["OUTBOX_BATCH"])
    )
    # Claiming the nudge in the UPDATE itself means two sweeps never hand over the same row.
    ids = db.session.scalars(
        sa.update(Notification)
        .where(
            Notification.id.in_(due.scalar_subquery()),
            Notification.status == "pending",
            sa.or_(Notification.next_attempt_at.is_(None), Notification.next_attempt_at <= now),
        )
        .values(next_attempt_at=now + timedelta(seconds=cfg["OUTBOX_RENUDGE"]))
        .returning(Notification.id)
        .execution_options(synchronize_session=False)
    ).all()
    db.session.commit()
    summary.nudged = len(ids)
    summary.handed_over = dispatch([db.session.get(Notification, i) for i in sorted(ids)])
    return summary


def get_notification(notification_id: int) -> Notification:
    """One outbox row; raises LookupError when there is none."""
    row = db.session.get(Notification, notification_id)
    if row is None:
        raise LookupError(notification_id)
    return row


def resend(actor: User, row: Notification, now: datetime) -> None:
    """An admin sends a failed or unknown message again (it keeps its ledger row and key)."""
    if row.status not in ("failed", "unknown"):
        raise DomainError("Only failed or unknown messages can be sent again.")
    before = {"status": row.status, "attempts": row.attempts}
    row.status, row.next_attempt_at, row.claimed_at = "pending", None, None
    row.attempts = 0  # a fresh retry budget; the audit row keeps the old count
    audit.record(actor, "resend", row, before, {"status": "pending"}, now)
    db.session.commit()
    dispatch([row])


def confirm_delivered(actor: User, row: Notification, now: datetime) -> None:
    """An admin confirms an unknown message did arrive: it becomes sent, and is not resent."""
    if row.status != "unknown":
        raise DomainError("Only messages in doubt can be confirmed.")
    row.status, row.sent_at = "sent", row.claimed_at or now
    row.last_error = f"Confirmed delivered by {actor.name}."
    audit.record(actor, "confirm_delivered", row, {"status": "unknown"}, {"status": "sent"}, now)
    db.session.commit()


def deliver_now(summary: Summary) -> None:
    """Send a run's queued rows in this process (CLI commands), counting sent and failed."""
    from crm.email.delivery import deliver_notification

    for notification_id in summary.ids:
        outcome = deliver_notification(notification_id)
        if outcome == "sent":
            summary.sent += 1
        elif outcome in ("failed", "retry"):
            summary.failed += 1


def send_test_email(address: str, now: datetime) -> tuple[Summary, str | None]:
    """Queue one test message to `address` and send it now: (summary, the error if it failed)."""
    row = queue_email(
        to_email=address,
        kind="test",
        subject_key="test",
        occurrence=now.isoformat(),
        template="test",
        subject="IMG Taskforce CRM: test email",
        context={
            "message": "If you can read this, email works.",
            "sent_at": f"{now:%Y-%m-%d %H:%M:%S}",
        },
        now=now,
    )
    db.session.commit()
    summary = Summary(queued=1, ids=[row.id])
    deliver_now(summary)
    error = db.session.get(Notification, row.id).last_error if summary.failed else None
    return summary, error
