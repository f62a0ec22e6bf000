"""Signed links in emails that work without signing in.

Each link is single-purpose (its own itsdangerous salt: a "snooze" token cannot mark anything
done), names one user and one record, and expires (LINK_MAX_AGE; unsubscribe links live longer,
UNSUBSCRIBE_MAX_AGE, as mail clients may use them weeks later).
"""

from __future__ import annotations

from datetime import datetime

from flask import current_app, g
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from crm import audit
from crm.email import absolute_url
from crm.errors import DomainError
from crm.extensions import db
from crm.models import User

ENDPOINTS = {"done": "links.done", "snooze": "links.snooze", "unsubscribe": "links.unsubscribe"}
LISTS = {"digest": "digest_enabled", "reminders": "reminders_enabled"}
LIST_NAMES = {"digest": "the weekly digest", "reminders": "reminder emails"}


class LinkExpired(DomainError):
    """The link was genuine but is too old."""


def serializer(purpose: str) -> URLSafeTimedSerializer:
    """The signer of one purpose's links (keyed by SECRET_KEY, timed), one per app context."""
    assert purpose in ENDPOINTS, purpose
    cache = g.setdefault("crm_link_serializers", {})  # one per purpose per app context
    if purpose not in cache:
        cache[purpose] = URLSafeTimedSerializer(
            current_app.config["SECRET_KEY"], salt=f"crm-link-{purpose}"
        )
    return cache[purpose]


def max_age(purpose: str) -> int:
    """How long a link of this purpose stays valid, in seconds."""
    cfg = current_app.config
    return cfg["UNSUBSCRIBE_MAX_AGE"] if purpose == "unsubscribe" else cfg["LINK_MAX_AGE"]


def make_token(purpose: str, **data) -> str:
    """A signed token carrying `data` for a link of this purpose."""
    return serializer(purpose).dumps(data)


def link_url(purpose: str, **data) -> str:
    """The absolute URL of a signed link for an email."""
    return absolute_url(ENDPOINTS[purpose], token=make_token(purpose, **data))


def read_token(purpose: str, token: str, now: datetime | None = None) -> dict:
    """The data a link carries; LinkExpired or DomainError when it is too old or not genuine."""
    try:
        data = serializer(purpose).loads(token, max_age=max_age(purpose))
    except SignatureExpired:
        raise LinkExpired("This link has expired. Sign in to do this from the CRM.") from None
    except BadSignature:
        raise DomainError("This link is not valid. Check that it was copied completely.") from None
    if not isinstance(data, dict):
        raise DomainError("This link is not valid.")
    return data


def link_user(data: dict) -> User:
    """The active account a link's data names; raises DomainError when there is none."""
    user = db.session.get(User, data.get("u")) if isinstance(data.get("u"), int) else None
    if user is None or not user.is_active:
        raise DomainError("This link belongs to an account that is no longer active.")
    return user


def unsubscribe_url(user: User, list_name: str) -> str:
    """An absolute link that takes the user off one mailing list, without signing in."""
    return link_url("unsubscribe", u=user.id, l=list_name)


def list_unsubscribe_headers(user: User, list_name: str) -> dict:
    """RFC 8058 one-click unsubscribe: the mail client POSTs to the link, no sign-in needed."""
    return {
        "List-Unsubscribe": f"<{unsubscribe_url(user, list_name)}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


def unsubscribe(data: dict, now: datetime) -> tuple[User, str, bool]:
    """Turn off the list a link names for its user. Returns (user, list, whether it changed)."""
    user = link_user(data)
    list_name = data.get("l")
    if list_name not in LISTS:
        raise DomainError("This link is not valid.")
    column = LISTS[list_name]
    if not getattr(user, column):
        return user, list_name, False
    setattr(user, column, False)
    audit.record(user, "unsubscribe", user, {column: True}, {column: False}, now)
    db.session.commit()
    return user, list_name, True
