"""Reminders for open assignments, batched into one email per recipient per run.

Stages, counted in the assignee's own calendar: "due soon" (REMINDER_DUE_SOON_DAYS before the
due date), "due today", "overdue" (again every REMINDER_OVERDUE_EVERY_DAYS), and an
"escalation" to the assignment's coordinator once it is REMINDER_ESCALATE_AFTER_DAYS overdue.
Each (assignment, recipient, stage, occurrence) is a row in reminder_log under a UNIQUE key,
inserted with ON CONFLICT DO NOTHING, so it goes out once even when two runs overlap. Mail goes
out only between the recipient's local REMINDER_HOURS; a run outside them leaves the item for
the first run inside them.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import selectinload

from crm import clock
from crm.assignments.email_links import action_links
from crm.email import Summary, absolute_url, dispatch_ids, prepare_email, queue_prepared
from crm.extensions import db
from crm.links.services import list_unsubscribe_headers
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
        """What the reminder ledger keys on, so one reminder goes out once."""
        return (self.assignment.id, self.recipient.id, self.stage, self.occurrence)


def sending_hours() -> tuple[int, int]:
    """The local hours reminders go out in, (start, end) from REMINDER_HOURS, e.g. "8-20"."""
    start, _, end = current_app.config["REMINDER_HOURS"].partition("-")
    return int(start), int(end or 24)


def sending_hours_text() -> str:
    """The quiet-hours rule in words, for settings, the status page and the emails."""
    start, end = sending_hours()
    if (start, end) == (0, 24):
        return "at any hour"
    return f"between {start:02d}:00 and {end:02d}:00"


def in_sending_hours(now: datetime, tz: str) -> bool:
    """Whether it is within the sending hours in zone `tz` at `now`."""
    start, end = sending_hours()
    return start <= clock.local(now, tz).hour < end


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
        tz = clock.user_zone(assignee.timezone)
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
                    and in_sending_hours(now, clock.user_zone(boss.timezone))
                ):
                    out.append(Due(a, boss, "escalation", a.due_on.isoformat(), days))
    return out


def already_logged(items: list[Due]) -> set[tuple]:
    """(assignment, recipient, stage, occurrence) of the reminders already sent for these
    assignments."""
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


def subject_line(batch: list[Due]) -> str:
    """A reminder email's subject, counting the follow-ups it lists by stage."""
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
    tz = clock.user_zone(user.timezone)
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
