"""Reminders for open assignments, batched into one email per recipient per run.

Stages, counted in the assignee's own calendar: "due soon" (REMINDER_DUE_SOON_DAYS before the
due date), "due today", "overdue" (again every REMINDER_OVERDUE_EVERY_DAYS), and an
"escalation" to the assignment's coordinator once it is REMINDER_ESCALATE_AFTER_DAYS overdue.
Each (assignment, recipient, stage, occurrence) is a row in reminder_log under a UNIQUE key,
inserted with ON CONFLICT DO NOTHING, so it goes out once even when two runs overlap. Mail goes
out only between the recipient's local REMINDER_HOURS; a run outside them leaves the item for
the first run inside them.

Also here: what the signed email links ("mark done", "snooze a week") check before handing the
change to the assignments service.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.routing import BuildError

from crm import authz, clock
from crm.assignments import services as assignment_services
from crm.email import Summary, absolute_url, dispatch_ids, prepare_email, queue_prepared
from crm.errors import Conflict, DomainError
from crm.extensions import db
from crm.links.services import link_url, list_unsubscribe_headers
from crm.models import Assignment, Campaign, ReminderLog, User
from crm.models.base import insert_or_skip

STAGE_ORDER = ("overdue", "due_today", "due_soon", "escalation")
LOG_KEY = ["assignment_id", "recipient_id", "stage", "occurrence"]


@dataclass(frozen=True)
class Due:
    """One reminder that should go out now."""

    assignment: Assignment
    recipient: User
    stage: str
    occurrence: str
    days: int  # days until due (negative: overdue)

    @property
    def key(self) -> tuple:
        return (self.assignment.id, self.recipient.id, self.stage, self.occurrence)


def sending_hours() -> tuple[int, int]:
    start, _, end = current_app.config["REMINDER_HOURS"].partition("-")
    return int(start), int(end or 24)


def sending_hours_text() -> str:
    """The quiet-hours rule in words, for settings, the status page and the emails."""
    start, end = sending_hours()
    if (start, end) == (0, 24):
        return "at any hour"
    return f"between {start:02d}:00 and {end:02d}:00"


def in_sending_hours(now: datetime, tz: str) -> bool:
    start, end = sending_hours()
    return start <= clock.local(now, tz).hour < end


def safe_zone(tz: str | None) -> str:
    try:
        ZoneInfo(tz or "")
    except Exception:  # an unknown zone falls back to the coalition's
        return current_app.config["TIMEZONE"]
    return tz  # type: ignore[return-value]


def stage_for(due_on: date, today: date) -> tuple[str, str] | None:
    """(stage, occurrence) of an assignment's own reminder today, or None."""
    cfg = current_app.config
    days = (due_on - today).days
    if 0 < days <= cfg["REMINDER_DUE_SOON_DAYS"]:
        return "due_soon", due_on.isoformat()
    if days == 0:
        return "due_today", due_on.isoformat()
    if days < 0:
        # Day 1 overdue is repeat 0, then every N days a new occurrence.
        repeat = (-days - 1) // max(1, cfg["REMINDER_OVERDUE_EVERY_DAYS"])
        return "overdue", f"{due_on.isoformat()}+{repeat}"
    return None


def coordinators_of(
    assignment: Assignment, campaign_owner: dict[int, User], fallback: list[User]
) -> list[User]:
    """Who hears about an overdue assignment: whoever assigned it if a coordinator, else the
    campaign's coordinator, else every coordinator."""
    for user in (assignment.created_by, campaign_owner.get(assignment.campaign_id or 0)):
        if user is not None and user.is_active and user.is_coordinator:
            return [user]
    return fallback


def due_reminders(now: datetime) -> list[Due]:
    """Every reminder due now (already-sent ones included; the log filters those out)."""
    cfg = current_app.config
    horizon = now.date() + timedelta(days=cfg["REMINDER_DUE_SOON_DAYS"] + 1)  # any time zone
    assignments = db.session.scalars(
        sa.select(Assignment)
        .where(Assignment.active(), Assignment.due_on.is_not(None), Assignment.due_on <= horizon)
        .options(
            selectinload(Assignment.assignee),
            selectinload(Assignment.created_by),
            selectinload(Assignment.person),
            selectinload(Assignment.organization),
        )
        .order_by(Assignment.id)
    ).all()
    campaign_ids = {a.campaign_id for a in assignments if a.campaign_id}
    campaign_owner = {}
    if campaign_ids:
        campaign_owner = {
            c.id: c.created_by
            for c in db.session.scalars(
                sa.select(Campaign)
                .where(Campaign.id.in_(campaign_ids))
                .options(selectinload(Campaign.created_by))
            )
        }
    fallback: list[User] | None = None
    out = []
    for a in assignments:
        assignee = a.assignee
        if not assignee.is_active:
            continue
        tz = safe_zone(assignee.timezone)
        today = clock.local_today(now, tz)
        if a.is_snoozed(today):
            continue
        stage = stage_for(a.due_on, today)
        if stage is None:
            continue
        days = (a.due_on - today).days
        if assignee.reminders_enabled and in_sending_hours(now, tz):
            out.append(Due(a, assignee, stage[0], stage[1], days))
        if -days >= cfg["REMINDER_ESCALATE_AFTER_DAYS"]:
            if fallback is None:
                fallback = list(
                    db.session.scalars(
                        sa.select(User)
                        .where(User.role == "coordinator", User.is_active.is_(True))
                        .order_by(User.id)
                    )
                )
            for boss in coordinators_of(a, campaign_owner, fallback):
                if (
                    boss.id != assignee.id
                    and boss.reminders_enabled
                    and in_sending_hours(now, safe_zone(boss.timezone))
                ):
                    out.append(Due(a, boss, "escalation", a.due_on.isoformat(), days))
    return out


def already_logged(items: list[Due]) -> set[tuple]:
    ids = sorted({d.assignment.id for d in items})
    found: set[tuple] = set()
    for start in range(0, len(ids), 500):
        found.update(
            db.session.execute(
                sa.select(
                    ReminderLog.assignment_id,
                    ReminderLog.recipient_id,
                    ReminderLog.stage,
                    ReminderLog.occurrence,
                ).where(ReminderLog.assignment_id.in_(ids[start : start + 500]))
            ).tuples()
        )
    return found


def dispatch_due_reminders(now: datetime, deliver: bool = True) -> Summary:
    """Queue one email per recipient listing all their reminders due now; each once, ever.

    The emails are rendered first; then one short transaction inserts the log rows (the unique
    key decides which this run won) and the ledger rows together. Afterwards the emails are
    handed to the worker (deliver=False leaves that to the caller, e.g. a CLI command).
    """
    summary = Summary()
    items = due_reminders(now)
    logged = already_logged(items)
    fresh = sorted((d for d in items if d.key not in logged), key=lambda d: d.key)
    summary.skipped = len(items) - len(fresh)
    batches: dict[int, list[Due]] = defaultdict(list)
    for d in fresh:
        batches[d.recipient.id].append(d)
    prepared = {rid: prepare_reminder_email(batch, now) for rid, batch in batches.items()}

    inserted = insert_or_skip(
        ReminderLog,
        [dict(zip(LOG_KEY, d.key, strict=True), created_at=now) for d in fresh],
        key=LOG_KEY,
        returning=("id", *LOG_KEY),
    )
    won = {tuple(r[1:]): r.id for r in inserted}
    summary.skipped += len(fresh) - len(won)  # another run got there first
    recipients, rows = [], []
    for rid in sorted(batches):
        mine = [d for d in batches[rid] if d.key in won]
        if not mine:
            continue
        if len(mine) != len(batches[rid]):  # lost part of a race: the email lists the rest
            prepared[rid] = prepare_reminder_email(mine, now)
        recipients.append([won[d.key] for d in mine])
        rows.append(prepared[rid])
    ids = queue_prepared(rows)
    links = [
        {"log_id": log_id, "nid": nid}
        for log_ids, nid in zip(recipients, ids, strict=True)
        if nid
        for log_id in log_ids
    ]
    if links:
        log = ReminderLog.__table__
        db.session.execute(
            sa.update(log)
            .where(log.c.id == sa.bindparam("log_id"))
            .values(notification_id=sa.bindparam("nid")),
            links,
        )
    db.session.commit()
    summary.ids = [nid for nid in ids if nid]
    summary.queued = len(summary.ids)
    if deliver:
        dispatch_ids(summary.ids)
    return summary


def assignment_url(assignment: Assignment) -> str:
    """Where an email sends someone to see an assignment (the assignment page once it exists)."""
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


def subject_line(batch: list[Due]) -> str:
    counts = defaultdict(int)
    for d in batch:
        counts[d.stage] += 1
    parts = []
    if counts["escalation"]:
        parts.append(f"{counts['escalation']} overdue on your team")
    if counts["overdue"]:
        parts.append(f"{counts['overdue']} overdue")
    if counts["due_today"]:
        parts.append(f"{counts['due_today']} due today")
    if counts["due_soon"]:
        parts.append(f"{counts['due_soon']} due soon")
    noun = "follow-up" if len(batch) == 1 else "follow-ups"
    return f"Reminder: {len(batch)} {noun} ({', '.join(parts)})"


def prepare_reminder_email(batch: list[Due], now: datetime) -> dict:
    """The ledger row of one recipient's reminder email (rendered, not yet inserted)."""
    user = batch[0].recipient
    tz = safe_zone(user.timezone)
    groups: dict[str, list[dict]] = {stage: [] for stage in STAGE_ORDER}
    for d in sorted(batch, key=lambda d: (d.assignment.due_on, d.assignment.id)):
        a = d.assignment
        groups[d.stage].append(
            {
                "title": a.title,
                "target": a.target_name,
                "due_on": a.due_on,
                "days": d.days,
                "assignee": a.assignee.name,
                # Escalations too: the coordinator may close or snooze it from the email.
                "links": action_links(a, user),
            }
        )
    headers = list_unsubscribe_headers(user, "reminders")
    context = {
        "user": user,
        "groups": groups,
        "today": clock.local_today(now, tz),
        "settings_url": absolute_url("settings.profile"),
        "unsubscribe_url": headers["List-Unsubscribe"].strip("<>"),
        "quiet_hours": sending_hours_text(),
    }
    first = min(d.key for d in batch)
    return prepare_email(
        to_email=user.email,
        kind="reminder",
        subject_key=f"user:{user.id}",
        occurrence=f"{now:%Y-%m-%dT%H:%M:%S}#{first[0]}.{first[2]}",
        template="reminders",
        subject=subject_line(batch),
        context=context,
        recipient=user,
        now=now,
        headers=headers,
    )


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
    return clock.local_today(now, safe_zone(user.timezone)) + timedelta(days=7)


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
        return assignment_services.complete(user, a, now), True
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
    return assignment_services.snooze(user, a, until, now), True
