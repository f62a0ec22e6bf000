"""Outgoing email: every message is a row in the notification ledger first.

Services call `queue_email()` inside their transaction; after commit the row is handed to the
worker (`crm.email.send`), which calls `delivery.deliver_notification()`. The ledger's unique key
makes each (recipient, kind, subject, occurrence) go out at most once.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask import render_template

from crm.clock import utcnow
from crm.extensions import db
from crm.models import Notification, User
from crm.text import header_safe


def queue_email(
    *,
    to_email: str,
    kind: str,
    subject_key: str,
    occurrence: str,
    template: str,
    subject: str,
    context: dict,
    recipient: User | None = None,
    now: datetime | None = None,
) -> Notification | None:
    """Add a ledger row, rendered now, unless this occurrence already exists (returns None)."""
    exists = db.session.scalar(
        sa.select(Notification.id).where(
            Notification.to_email == to_email,
            Notification.kind == kind,
            Notification.subject_key == subject_key,
            Notification.occurrence == occurrence,
        )
    )
    if exists:
        return None
    text, html = render_email(template, context)
    row = Notification(
        recipient_id=recipient.id if recipient else None,
        to_email=to_email,
        kind=kind,
        subject_key=subject_key,
        occurrence=occurrence,
        status="pending",
        payload={"subject": header_safe(subject), "text": text, "html": html},
        created_at=now or utcnow(),
    )
    db.session.add(row)
    return row


def render_email(template: str, context: dict) -> tuple[str, str | None]:
    """Plain-text and HTML parts from templates/email/<template>.txt and .html."""
    text = render_template(f"email/{template}.txt", **context)
    try:
        html = render_template(f"email/{template}.html", **context)
    except Exception as exc:  # a template without an HTML part sends text only
        from jinja2 import TemplateNotFound

        if not isinstance(exc, TemplateNotFound):
            raise
        html = None
    return text, html


def dispatch(rows: list[Notification]) -> None:
    """After commit: hand the rows to the worker (or run inline in tests)."""
    from crm import jobs

    for row in rows:
        if row is not None:
            jobs.enqueue("crm.email.send", row.id)


def absolute_url(endpoint: str, **values) -> str:
    """An absolute link under CRM_BASE_URL that works without a request (worker, CLI)."""
    from urllib.parse import urlsplit

    from flask import current_app

    base = urlsplit(current_app.config["BASE_URL"])
    adapter = current_app.url_map.bind(base.netloc, script_name=base.path or "/",
                                       url_scheme=base.scheme or "https")
    return adapter.build(endpoint, values, force_external=True)
