"""A user's own profile and notification settings."""

from __future__ import annotations

from datetime import datetime

from crm import audit
from crm.clock import timezone_names
from crm.errors import DomainError
from crm.extensions import db
from crm.forms import US_STATES
from crm.models import User

PROFILE_FIELDS = (
    "name",
    "preferred_name",
    "organization",
    "home_state",
    "timezone",
    "digest_enabled",
    "digest_weekday",
    "digest_hour",
    "reminders_enabled",
)


def update_profile(user: User, data: dict, now: datetime) -> None:
    """Save the member's profile and preferences (audited); DomainError on a bad field."""
    if data.get("timezone") not in set(timezone_names()):
        raise DomainError("Choose a time zone from the list.", field="timezone")
    if data.get("home_state") and data["home_state"] not in US_STATES:
        raise DomainError("Unknown state.", field="home_state")
    if (
        not 0 <= int(data.get("digest_weekday", 0)) <= 6
        or not 0 <= int(data.get("digest_hour", 0)) <= 23
    ):
        raise DomainError("Choose a day and an hour for the digest.", field="digest_hour")
    if data.get("preferred_name") is not None:
        data["preferred_name"] = data["preferred_name"].strip()
    before = audit.snapshot(user, PROFILE_FIELDS)
    for key in PROFILE_FIELDS:
        if key in data:
            setattr(user, key, data[key] if data[key] != "" else None)
    user.name = user.name or before["name"]
    b, a = audit.changes(before, audit.snapshot(user, PROFILE_FIELDS))
    if a:
        audit.record(user, "update_profile", user, b, a, now)
    db.session.commit()


def regenerate_calendar_token(user: User, now: datetime) -> str:
    """A new secret calendar URL; the old one stops working at once (404). Returns the secret,
    to show once: only its digest is stored."""
    token = user.new_calendar_token()
    audit.record(user, "regenerate_calendar_token", user, now=now)
    db.session.commit()
    return token
