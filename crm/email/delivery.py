"""Sending one ledger row through the configured backend: the dev mailbox or SMTP.

pending -> sending (an atomic claim: one worker wins) -> sent | failed | pending again (transient
failure, with next_attempt_at for the outbox sweep) | unknown (the reaper in outbox.py, when the
worker died mid-send: the SMTP server may have accepted it, so it is never resent by itself).
"""

from __future__ import annotations

import smtplib
import ssl
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formataddr, formatdate, parseaddr

import sqlalchemy as sa
from flask import current_app

from crm import clock
from crm.extensions import db
from crm.models import DevMail, Notification
from crm.text import header_safe


class TransientError(Exception):
    """Worth retrying later: connection trouble or a 4xx reply."""


def build_message(row: Notification) -> EmailMessage:
    """The email for an outbox row: From, To, Subject, a Message-ID that stays the same on a
    resend, text and optional HTML."""
    cfg = current_app.config
    msg = EmailMessage()
    name, addr = parseaddr(cfg["MAIL_FROM"])
    msg["From"] = formataddr((header_safe(name), addr))
    msg["To"] = header_safe(row.to_email)
    msg["Subject"] = header_safe(row.payload.get("subject"))
    msg["Date"] = formatdate(localtime=False)
    # Deterministic: a resend carries the same Message-ID, so mail systems can spot a duplicate.
    domain = addr.partition("@")[2] or "localhost"
    msg["Message-ID"] = f"<crm-n{row.id}.{row.created_at:%Y%m%d%H%M%S}@{domain}>"
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


def retry_delay(attempts: int) -> timedelta:
    """Exponential backoff after the n-th failed attempt: base, 2 x base, 4 x base, ... capped."""
    cfg = current_app.config
    seconds = cfg["MAIL_RETRY_BASE"] * 2 ** (attempts - 1)
    return timedelta(seconds=min(seconds, cfg["MAIL_RETRY_MAX"]))


def deliver_notification(notification_id: int, now: datetime | None = None) -> str:
    """Send one ledger row once. Returns what happened: sent, retry, failed or skipped."""
    now = now or clock.utcnow()
    row = claim(notification_id, now)
    if row is None:
        return "skipped"
    try:
        message = build_message(row)
    except Exception as exc:  # nothing was sent: a broken row fails at once, visibly
        row.status, row.last_error = "failed", f"could not build the message: {exc}"[:2000]
        db.session.commit()
        return "failed"
    try:
        send(message)
    except TransientError as exc:
        row.last_error = str(exc)[:2000]
        if row.attempts >= current_app.config["MAIL_MAX_ATTEMPTS"]:
            row.status = "failed"
        else:
            row.status = "pending"  # the outbox sweep sends it again when next_attempt_at comes
            row.next_attempt_at = now + retry_delay(row.attempts)
        db.session.commit()
        return "retry" if row.status == "pending" else "failed"
    except smtplib.SMTPResponseException as exc:  # 5xx: permanent, never retried
        row.status = "failed"
        row.last_error = f"{exc.smtp_code} {exc.smtp_error!r}"[:2000]
        db.session.commit()
        return "failed"
    # Also from "unknown": a slow send the reaper gave up on did go out after all.
    db.session.execute(
        sa.update(Notification)
        .where(Notification.id == row.id, Notification.status.in_(("sending", "unknown")))
        .values(status="sent", sent_at=clock.utcnow(), last_error=None)
    )
    db.session.commit()
    return "sent"


def send(msg: EmailMessage) -> None:
    """Send a message with the configured backend (MAIL_BACKEND "smtp" or "mailbox")."""
    backend = current_app.config["MAIL_BACKEND"]
    if backend == "mailbox":
        keep_in_mailbox(msg)
    elif backend == "smtp":
        send_smtp(msg)
    else:
        raise RuntimeError(f"unknown CRM_MAIL_BACKEND {backend!r}")


def keep_in_mailbox(msg: EmailMessage) -> None:
    """Keep the message in the development mailbox instead of sending it (the caller commits)."""
    text = msg.get_body(("plain",))
    html = msg.get_body(("html",))
    db.session.add(
        DevMail(
            to_email=msg["To"],
            subject=msg["Subject"],
            text_body=text.get_content() if text else "",
            html_body=html.get_content() if html else None,
            headers={k: str(v) for k, v in msg.items()},
            created_at=clock.utcnow(),
        )
    )


def send_smtp(msg: EmailMessage) -> None:
    """Send by SMTP (SSL or STARTTLS, and login, as configured); raises TransientError for a 4xx
    answer or a network failure, so it is retried."""
    cfg = current_app.config
    try:
        server, port, timeout = cfg["MAIL_SERVER"], cfg["MAIL_PORT"], cfg["MAIL_TIMEOUT"]
        if cfg["MAIL_USE_SSL"]:
            conn = smtplib.SMTP_SSL(
                server, port, timeout=timeout, context=ssl.create_default_context()
            )
        else:
            conn = smtplib.SMTP(server, port, timeout=timeout)
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
