"""The calendar feed: a user's open assignments as iCalendar, at a secret, revocable URL.

One all-day VEVENT per open assignment with a due date (calendar apps that subscribe by URL, such
as Google Calendar, show events, not VTODOs). The UID is stable (assignment-<id>@<host>) and
SEQUENCE is the row's version, so clients update an entry instead of adding a copy; finished or
cancelled work drops out of the feed and so out of the calendar.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import urlsplit

import icalendar
import sqlalchemy as sa

from crm.assignments.services import with_relations
from crm.email import absolute_url, base_url
from crm.extensions import db
from crm.models import Assignment, User
from crm.models.user import token_digest
from crm.text import header_safe

MAX_EVENTS = 1000


def user_for_token(token: str) -> User:
    """The active user owning this calendar token; LookupError for unknown or revoked ones."""
    if not token or len(token) > 64:
        raise LookupError(token)
    user = db.session.scalar(sa.select(User).where(User.calendar_token_hash == token_digest(token)))
    if user is None or not user.is_active:
        raise LookupError(token)
    return user


def feed(token: str, now: datetime) -> bytes:
    """The .ics body for the token's owner; LookupError for a token unknown or revoked."""
    user = user_for_token(token)
    host = urlsplit(base_url()).hostname or "crm.invalid"
    cal = icalendar.Calendar()
    cal.add("prodid", "-//IMG Taskforce//Outreach CRM//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    # X- properties are written unescaped: a line break in a name would end the line (and
    # icalendar refuses it), so one-line texts go through header_safe like email headers.
    cal.add("x-wr-calname", header_safe(f"IMG Taskforce: {user.name}'s outreach"))
    cal.add("x-wr-timezone", user.timezone)
    items = db.session.scalars(
        with_relations(
            sa.select(Assignment)
            .where(
                Assignment.active(),
                Assignment.assignee_id == user.id,
                Assignment.due_on.is_not(None),
            )
            .order_by(Assignment.due_on, Assignment.id)
            .limit(MAX_EVENTS)
        )
    )
    for a in items:
        day = max(a.due_on, a.snoozed_until) if a.snoozed_until else a.due_on
        event = icalendar.Event()
        event.add("uid", f"assignment-{a.id}@{host}")
        event.add("dtstamp", now)
        event.add("last-modified", a.updated_at)
        event.add("sequence", a.version)
        event.add("dtstart", day)
        event.add("dtend", day + timedelta(days=1))
        event.add("transp", "TRANSPARENT")
        target = a.target_name
        event.add("summary", header_safe(f"{a.title}: {target}" if target else a.title))
        link = absolute_url("assignments.show", assignment_id=a.id)
        details = [f"Priority: {a.priority}"]
        if a.campaign:
            details.append(f"Campaign: {a.campaign.name}")
        if a.status == "in_progress":
            details.append("In progress")
        if a.notes:
            details.append("")
            details.append(a.notes)
        details += ["", link]
        event.add("description", "\n".join(details))
        event.add("url", link)
        if a.priority == "high":
            event.add("priority", 1)
        cal.add_component(event)
    return cal.to_ical()
