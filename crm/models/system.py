"""Operational records: the email ledger, the dev mailbox, audit log, job heartbeats, imports."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.extensions import db
from crm.models.base import UTCDateTime

NOTIFICATION_STATUSES = ("pending", "sending", "sent", "failed", "unknown")


class Notification(db.Model):
    """The email ledger: one row per (recipient, kind, subject, occurrence), sent at most once."""

    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    to_email: Mapped[str] = mapped_column(sa.String(254))
    kind: Mapped[str] = mapped_column(
        sa.String(40)
    )  # invitation, assignment, reminder, digest, ...
    subject_key: Mapped[str] = mapped_column(
        sa.String(120)
    )  # what it is about, e.g. "assignment:12"
    occurrence: Mapped[str] = mapped_column(sa.String(64))  # e.g. "2026-11-27" or "2026-W48"
    status: Mapped[str] = mapped_column(sa.String(10), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    payload: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    recipient = relationship("User")

    __table_args__ = (
        sa.UniqueConstraint("to_email", "kind", "subject_key", "occurrence"),
        sa.Index("ix_notifications_status", "status", "next_attempt_at"),
    )


class ReminderLog(db.Model):
    """One reminder occurrence for one recipient: the UNIQUE key makes each go out once, even
    when two dispatchers run at once (CiviCRM's action log, plus the constraint)."""

    __tablename__ = "reminder_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(sa.ForeignKey("assignments.id"))
    recipient_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    stage: Mapped[str] = mapped_column(sa.String(20))  # due_soon, due_today, overdue, escalation
    occurrence: Mapped[str] = mapped_column(sa.String(40))  # e.g. "2026-03-09" or "2026-03-09+2"
    notification_id: Mapped[int | None] = mapped_column(sa.ForeignKey("notifications.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (sa.UniqueConstraint("assignment_id", "recipient_id", "stage", "occurrence"),)


class DevMail(db.Model):
    """A message the development mail backend kept instead of sending (shown to admins)."""

    __tablename__ = "dev_mailbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    to_email: Mapped[str] = mapped_column(sa.String(254))
    subject: Mapped[str] = mapped_column(sa.String(300))
    text_body: Mapped[str] = mapped_column(sa.Text)
    html_body: Mapped[str | None] = mapped_column(sa.Text)
    headers: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AuditEntry(db.Model):
    """Append-only record of every change: who did what to which record, before and after."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(sa.String(40))
    entity_type: Mapped[str] = mapped_column(sa.String(40))
    entity_id: Mapped[int | None]
    before: Mapped[dict | None] = mapped_column(sa.JSON)
    after: Mapped[dict | None] = mapped_column(sa.JSON)
    at: Mapped[datetime] = mapped_column(UTCDateTime)

    actor = relationship("User")

    __table_args__ = (
        sa.Index("ix_audit_log_entity", "entity_type", "entity_id"),
        # The audit page reads newest first; without it every page view sorts the whole log.
        sa.Index("ix_audit_log_at", "at", "id"),
    )


class JobRun(db.Model):
    """Heartbeat of a periodic job: when it last ran and succeeded."""

    __tablename__ = "job_runs"

    name: Mapped[str] = mapped_column(sa.String(80), primary_key=True)
    last_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    last_summary: Mapped[dict | None] = mapped_column(sa.JSON)


class ImportRun(db.Model):
    """One directory import: who started it, from where, how far it got, what it found."""

    __tablename__ = "import_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(20))  # congress, openstates
    source: Mapped[str] = mapped_column(sa.String(500))
    started_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    status: Mapped[str] = mapped_column(sa.String(20), default="queued")
    progress: Mapped[int] = mapped_column(default=0)  # percent
    dry_run: Mapped[bool] = mapped_column(default=False)
    counts: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    errors: Mapped[list] = mapped_column(sa.JSON, default=list)
    changes: Mapped[list] = mapped_column(sa.JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Written by the worker every few seconds while it runs: a run without one lost its worker.
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    source_date: Mapped[date | None]  # the date of the data imported
    options: Mapped[dict] = mapped_column(sa.JSON, default=dict)  # for the worker: url, states

    started_by = relationship("User")


class ImportFile(db.Model):
    """An uploaded file waiting for its import run, kept in the database so any worker reads it."""

    __tablename__ = "import_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(sa.ForeignKey("import_runs.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(255))
    data: Mapped[bytes] = mapped_column(sa.LargeBinary)
