"""Admin views' queries: users and the dev mailbox."""

from __future__ import annotations

import sqlalchemy as sa
from markupsafe import escape

from crm.extensions import db
from crm.models import DevMail, User


def list_users() -> list[User]:
    """Every account, active ones first, by name."""
    return list(db.session.scalars(sa.select(User).order_by(User.is_active.desc(), User.name)))


def get_user(user_id: int) -> User:
    """One account; raises LookupError when there is none."""
    user = db.session.get(User, user_id)
    if user is None:
        raise LookupError(user_id)
    return user


def mailbox(limit: int = 100) -> list[DevMail]:
    """The latest messages the development mail backend kept, newest first."""
    return list(db.session.scalars(sa.select(DevMail).order_by(DevMail.id.desc()).limit(limit)))


def get_mail(mail_id: int) -> DevMail:
    """One message of the development mailbox; raises LookupError when there is none."""
    mail = db.session.get(DevMail, mail_id)
    if mail is None:
        raise LookupError(mail_id)
    return mail


# The HTML part of a kept message is shown in a frame that runs nothing: no scripts, no requests
# (inline styles and data: images only, as the email carries them), links open in a new tab
# outside the sandbox (the frame's sandbox="allow-popups allow-popups-to-escape-sandbox").
MAIL_FRAME_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'none'; "
        "frame-ancestors 'self'; sandbox allow-popups allow-popups-to-escape-sandbox"
    ),
    "X-Frame-Options": "SAMEORIGIN",
    "Cache-Control": "no-store",
}


def framed_html(html: str, title: str) -> str:
    """The message's HTML as a document of its own: links open in a new tab (a link cannot
    replace the frame), and it has a title and a language for screen readers."""
    head = '<base target="_blank">'
    if "<title" not in html.lower():
        head += f"<title>{escape(title)}</title>"
    lower = html.lower()
    at = lower.find("<head>")
    if at >= 0:
        return html[: at + 6] + head + html[at + 6 :]
    at = lower.find("<html")
    if at >= 0:
        end = html.find(">", at) + 1
        return html[:end] + "<head>" + head + "</head>" + html[end:]
    return f'<!doctype html><html lang="en"><head><meta charset="utf-8">{head}</head>' + (
        f"<body>{html}</body></html>"
    )


def ledger_counts() -> dict[str, int]:
    """How many ledger rows are in each status."""
    from crm.models import NOTIFICATION_STATUSES, Notification

    counts = dict(
        db.session.execute(
            sa.select(Notification.status, sa.func.count()).group_by(Notification.status)
        ).all()
    )
    return {status: counts.get(status, 0) for status in NOTIFICATION_STATUSES}


def ledger_problems(limit: int = 100) -> list:
    """Failed messages and messages in doubt (unknown), newest first: an admin decides."""
    from crm.models import Notification

    return list(
        db.session.scalars(
            sa.select(Notification)
            .where(Notification.status.in_(("failed", "unknown")))
            .order_by(Notification.created_at.desc(), Notification.id.desc())
            .limit(limit)
        )
    )
