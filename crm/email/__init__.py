"""Outgoing email: every message is a row in the notification ledger first (the outbox).

Services call `queue_email()` inside their transaction; after commit they call `dispatch()`, which
hands the rows to the worker (`crm.email.send` -> `delivery.deliver_notification()`). When the
broker is down the rows simply wait: the periodic outbox sweep (`outbox.sweep_outbox()`) nudges
them later. The ledger's unique key makes each (recipient, kind, subject, occurrence) one row,
decided by the database, so two dispatchers running at once cannot queue the same email twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import css_inline
from flask import current_app, g, render_template

from crm.clock import utcnow
from crm.extensions import db
from crm.models import Notification, User
from crm.models.base import insert_or_skip
from crm.text import header_safe

LEDGER_KEY = ["to_email", "kind", "subject_key", "occurrence"]


@dataclass
class Summary:
    """What a sending run did: emails queued in the ledger, sent (only when the caller delivered
    them itself, e.g. a CLI command), skipped (already in the ledger, empty, or opted out) and
    failed."""

    queued: int = 0
    sent: int = 0
    skipped: int = 0
    failed: int = 0
    ids: list[int] = field(default_factory=list, repr=False)  # the ledger rows queued

    def as_dict(self) -> dict:
        """The counts of a send run, for the job's log and heartbeat."""
        return {
            "queued": self.queued,
            "sent": self.sent,
            "skipped": self.skipped,
            "failed": self.failed,
        }


def prepare_email(
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
    headers: dict | None = None,
) -> dict:
    """A ledger row's values, with the message rendered (no database access)."""
    now = now or utcnow()
    text, html = render_email(template, context)
    payload = {"subject": header_safe(subject)[:250], "text": text, "html": html}
    if headers:
        payload["headers"] = {header_safe(k): header_safe(v) for k, v in headers.items()}
    return {
        "recipient_id": recipient.id if recipient else None,
        "to_email": to_email,
        "kind": kind,
        "subject_key": subject_key,
        "occurrence": occurrence,
        "status": "pending",
        "attempts": 0,
        "payload": payload,
        "created_at": now,
        # The worker normally sends it at once; the sweep only looks after the grace period.
        "next_attempt_at": now + timedelta(seconds=current_app.config["OUTBOX_GRACE"]),
    }


def queue_prepared(rows: list[dict]) -> list[int | None]:
    """Insert prepared ledger rows in one statement; for each, its id, or None when that
    occurrence was already in the ledger."""
    inserted = insert_or_skip(Notification, rows, key=LEDGER_KEY, returning=("id", *LEDGER_KEY))
    ids = {tuple(r[1:]): r.id for r in inserted}
    return [ids.get(tuple(row[k] for k in LEDGER_KEY)) for row in rows]


def queue_email(**fields) -> Notification | None:
    """Add a ledger row, rendered now; None when this occurrence is already in the ledger.

    Takes the keyword arguments of prepare_email(): to_email, kind, subject_key, occurrence,
    template, subject, context, and optionally recipient, now, headers.
    """
    [row_id] = queue_prepared([prepare_email(**fields)])
    return None if row_id is None else db.session.get(Notification, row_id)


def render_email(template: str, context: dict) -> tuple[str, str | None]:
    """Plain-text and HTML parts from templates/email/<template>.txt and .html (CSS inlined)."""
    from jinja2 import TemplateNotFound

    text = render_template(f"email/{template}.txt", **context)
    try:
        html = render_template(f"email/{template}.html", **context)
    except TemplateNotFound:  # a template without an HTML part sends text only
        return text, None
    return text, inline_css(html)


_inliner: css_inline.CSSInliner | None = None


def inline_css(html: str) -> str:
    """Move <style> rules onto the elements: many mail clients drop <style> blocks."""
    global _inliner
    if _inliner is None:
        _inliner = css_inline.CSSInliner(load_remote_stylesheets=False)
    return _inliner.inline(html)


def base_url() -> str:
    """The app's public address (CRM_BASE_URL): the one source of absolute links for the web app,
    the worker and the CLI alike, with or without a request."""
    return current_app.config["BASE_URL"]


def absolute_url(endpoint: str, **values) -> str:
    """An absolute link for an email, built from base_url() (works in a worker, without a
    request)."""
    adapter = g.get("crm_url_adapter")
    if adapter is None:
        from urllib.parse import urlsplit

        parts = urlsplit(base_url())
        adapter = g.crm_url_adapter = current_app.url_map.bind(
            parts.netloc or "localhost",
            script_name=parts.path or "/",
            url_scheme=parts.scheme or "https",
        )
    return adapter.build(endpoint, values, force_external=True)


def dispatch(rows: list[Notification | None]) -> int:
    """After commit: hand the rows to the worker (or run inline in tests). Returns how many were
    handed over; the others wait for the outbox sweep."""
    return dispatch_ids([row.id for row in rows if row is not None])


def dispatch_ids(ids: list[int]) -> int:
    """dispatch() by ledger row id. Rows the broker did not take are made due for the next
    outbox sweep at once, instead of after the grace period."""
    import sqlalchemy as sa

    from crm import jobs

    handed_over = jobs.enqueue_many("crm.email.send", [(i,) for i in ids])
    if handed_over < len(ids):
        db.session.execute(
            sa.update(Notification)
            .where(
                Notification.id.in_(ids[handed_over:]),
                Notification.status == "pending",
                Notification.attempts == 0,
            )
            .values(next_attempt_at=None)
            .execution_options(synchronize_session=False)
        )
        db.session.commit()
    return handed_over
