"""Sending one ledger row through the configured backend: the dev mailbox or SMTP."""

from __future__ import annotations

import smtplib
import ssl
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formataddr, make_msgid, parseaddr

import sqlalchemy as sa
from flask import current_app

from crm.clock import utcnow
from crm.extensions import db
from crm.models import DevMail, Notification
from crm.text import header_safe


class TransientError(Exception):
    """Worth retrying later: connection trouble or a 4xx reply."""


def build_message(row: Notification) -> EmailMessage:
    cfg = current_app.config
    msg = EmailMessage()
    name, addr = parseaddr(cfg["MAIL_FROM"])
    msg["From"] = formataddr((header_safe(name), addr))
    msg["To"] = header_safe(row.to_email)
    msg["Subject"] = header_safe(row.payload.get("subject"))
    msg["Message-ID"] = make_msgid(idstring=f"n{row.id}", domain=addr.partition("@")[2] or None)
    for key, value in (row.payload.get("headers") or {}).items():
        msg[header_safe(key)] = header_safe(value)
    msg.set_content(row.payload.get("text") or "")
    if row.payload.get("html"):
        msg.add_alternative(row.payload["html"], subtype="html")
    return msg


def claim(notification_id: int, now: datetime) -> Notification | None:
    """Move a pending row to "sending" atomically; None if someone else has it or it is done."""
    result = db.session.execute(
        sa.update(Notification)
        .where(Notification.id == notification_id, Notification.status == "pending")
        .values(status="sending", claimed_at=now, attempts=Notification.attempts + 1)
    )
    db.session.commit()
    if result.rowcount != 1:
        return None
    return db.session.get(Notification, notification_id)


def deliver_notification(notification_id: int, now: datetime | None = None) -> str:
    """Send one ledger row once. Returns its final status for this attempt."""
    now = now or utcnow()
    row = claim(notification_id, now)
    if row is None:
        return "skipped"
    try:
        send(build_message(row))
    except TransientError as exc:
        row.status = "pending"
        row.last_error = str(exc)[:2000]
        row.next_attempt_at = now + timedelta(seconds=60 * 2 ** min(row.attempts, 8))
        db.session.commit()
        raise
    except smtplib.SMTPResponseException as exc:  # 5xx: permanent
        row.status = "failed"
        row.last_error = f"{exc.smtp_code} {exc.smtp_error!r}"[:2000]
        db.session.commit()
        return "failed"
    row.status = "sent"
    row.sent_at = utcnow()
    row.last_error = None
    db.session.commit()
    return "sent"


def send(msg: EmailMessage) -> None:
    backend = current_app.config["MAIL_BACKEND"]
    if backend == "mailbox":
        keep_in_mailbox(msg)
    elif backend == "smtp":
        send_smtp(msg)
    else:
        raise RuntimeError(f"unknown CRM_MAIL_BACKEND {backend!r}")


def keep_in_mailbox(msg: EmailMessage) -> None:
    text = msg.get_body(("plain",))
    html = msg.get_body(("html",))
    db.session.add(
        DevMail(
            to_email=msg["To"],
            subject=msg["Subject"],
            text_body=text.get_content() if text else "",
            html_body=html.get_content() if html else None,
            headers={k: str(v) for k, v in msg.items()},
            created_at=utcnow(),
        )
    )


def send_smtp(msg: EmailMessage) -> None:
    cfg = current_app.config
    try:
        if cfg["MAIL_USE_SSL"]:
            conn = smtplib.SMTP_SSL(cfg["MAIL_SERVER"], cfg["MAIL_PORT"], timeout=cfg["MAIL_TIMEOUT"],
                                    context=ssl.create_default_context())
        else:
            conn = smtplib.SMTP(cfg["MAIL_SERVER"], cfg["MAIL_PORT"], timeout=cfg["MAIL_TIMEOUT"])
        with conn:
            if cfg["MAIL_USE_TLS"]:
                conn.starttls(context=ssl.create_default_context())
            if cfg["MAIL_USERNAME"]:
                conn.login(cfg["MAIL_USERNAME"], cfg["MAIL_PASSWORD"] or "")
            conn.send_message(msg)
    except smtplib.SMTPResponseException as exc:
        if 400 <= exc.smtp_code < 500:
            raise TransientError(f"{exc.smtp_code} {exc.smtp_error!r}") from exc
        raise
    except smtplib.SMTPRecipientsRefused as exc:
        codes = [code for code, _ in exc.recipients.values()]
        if all(400 <= c < 500 for c in codes):
            raise TransientError(str(exc)) from exc
        first = next(iter(exc.recipients.values()))
        raise smtplib.SMTPResponseException(first[0], first[1]) from exc
    except (OSError, smtplib.SMTPException) as exc:
        raise TransientError(str(exc)) from exc
