"""The signed links in reminder and digest emails: building them for an assignment, and what a
click ("mark done", "snooze a week") checks before the assignments service makes the change."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy.orm.exc import StaleDataError
from werkzeug.routing import BuildError

from crm import authz, clock
from crm.assignments import services
from crm.email import absolute_url
from crm.errors import Conflict, DomainError
from crm.extensions import db
from crm.links.services import link_url
from crm.models import Assignment, User


def assignment_url(assignment: Assignment) -> str:
    """Where an email sends someone to see an assignment: its page (the person's page, else the
    dashboard, in an app without the assignments blueprint)."""
    try:
        return absolute_url("assignments.show", assignment_id=assignment.id)
    except BuildError:
        if assignment.person_id:
            return absolute_url("people.show", person_id=assignment.person_id)
        return absolute_url("main.dashboard")


def action_links(assignment: Assignment, user: User) -> dict:
    """Signed one-click links for the assignee: mark done, snooze a week."""
    return {
        "open": assignment_url(assignment),
        # Bound to the assignment as the email shows it: once it changes (done, reopened,
        # snoozed, edited), the link stops acting (see check_link_state).
        "done": link_url("done", a=assignment.id, u=user.id, v=assignment.version),
        "snooze": link_url("snooze", a=assignment.id, u=user.id, v=assignment.version),
    }


# ---- one-click actions from email links ----


def linked_assignment(assignment_id: object, user: User) -> Assignment:
    """The assignment a link names, if it still exists and still belongs to the link's user."""
    a = db.session.get(Assignment, assignment_id) if isinstance(assignment_id, int) else None
    if a is None or a.deleted_at is not None:
        raise DomainError("This follow-up no longer exists.")
    # The assignee's link, or a coordinator's (escalations); an old assignee's link stops working.
    if a.assignee_id != user.id and not authz.can_work_on(user, a):
        raise DomainError("This follow-up has been reassigned to someone else.")
    return a


class LinkStale(DomainError):
    """The assignment changed after the email with the link was written."""


def snooze_until(user: User, now: datetime) -> date:
    """The day an email's snooze link snoozes to: a week from the user's today."""
    return clock.local_today(now, clock.user_zone(user.timezone)) + timedelta(days=7)


def check_link_state(
    purpose: str, a: Assignment, version: object, user: User, now: datetime
) -> None:
    """A link acts only on the assignment as its email showed it (the same version). A changed
    one is refused, unless the link's action is already what happened (a second click): so a
    done link cannot complete the work again after a coordinator reopened it."""
    if isinstance(version, int) and a.version == version:
        return
    if purpose == "done" and a.status == "done":
        return
    if purpose == "snooze" and a.snoozed_until == snooze_until(user, now):
        return
    raise LinkStale(
        "This follow-up has changed since this email was sent (it was reopened, edited, "
        "snoozed or completed), so the link no longer works. Sign in to see where it stands."
    )


def complete_from_link(
    assignment_id: int, user: User, version: object, now: datetime
) -> tuple[Assignment, bool]:
    """Mark an assignment done from its email link (the assignments service does it, with its
    rules and audit); a second click changes nothing. Returns it and whether this completed it.
    """
    a = linked_assignment(assignment_id, user)
    check_link_state("done", a, version, user, now)
    if a.status == "done":
        return a, False
    try:
        return services.complete(user, a, now), True
    except (StaleDataError, Conflict):  # the same link clicked twice at once: the other won
        db.session.rollback()
        a = linked_assignment(assignment_id, user)
        if a.status == "done":
            return a, False
        raise


def snooze_from_link(
    assignment_id: int, user: User, version: object, now: datetime
) -> tuple[Assignment, bool]:
    """Snooze an assignment for a week from the user's today (no reminders meanwhile), through
    the assignments service; a second click the same day changes nothing."""
    a = linked_assignment(assignment_id, user)
    check_link_state("snooze", a, version, user, now)
    until = snooze_until(user, now)
    if a.snoozed_until == until:
        return a, False
    return services.snooze(user, a, until, now), True
