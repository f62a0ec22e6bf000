"""Outreach assignments: create, reassign, work on, snooze and complete them, and the notice to
the assignee. Beside it: listing.py (my work, the team view), collisions.py (the collision
guard), followups.py (follow-ups from the quick log and their templates).

Every path that creates or reassigns (the form, campaign bulk assignment, the cadence job,
follow-ups from the quick log) goes through `queue_notices()`, so every assignee hears alike.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from crm import audit, authz
from crm.assignments.collisions import CollisionWarning, check_collisions, find_collisions
from crm.clock import local_today
from crm.email import absolute_url, dispatch, queue_email
from crm.errors import Conflict, DomainError, NotAllowed, no_lost_update
from crm.extensions import db
from crm.models import (
    ASSIGNMENT_STATUSES,
    PRIORITIES,
    Assignment,
    Bill,
    Campaign,
    Interaction,
    Issue,
    Notification,
    Organization,
    Person,
    User,
)

# Allowed status changes; "open" from done or cancelled is a reopen.
TRANSITIONS = {
    "open": {"in_progress", "done", "cancelled"},
    "in_progress": {"open", "done", "cancelled"},
    "done": {"open"},
    "cancelled": {"open"},
}
MAX_SNOOZE_DAYS = 365
NOTICE_ITEMS = 50  # assignments listed in one notice; the rest are counted
AUDITED = (
    "title",
    "assignee_id",
    "person_id",
    "organization_id",
    "issue_id",
    "bill_id",
    "campaign_id",
    "due_on",
    "priority",
    "status",
    "snoozed_until",
    "notes",
    "completed_interaction_id",
)
PRIORITY_ORDER = sa.case({"high": 0, "normal": 1, "low": 2}, value=Assignment.priority, else_=1)


@dataclass
class AssignmentData:
    """What an assignment is made of, as a form or a service gives it."""

    title: str
    assignee_id: int
    person_id: int | None = None
    organization_id: int | None = None
    issue_id: int | None = None
    bill_id: int | None = None
    campaign_id: int | None = None
    due_on: date | None = None
    priority: str = "normal"
    notes: str | None = None
    source: str = "manual"
    lapse_key: str | None = None
    # A follow-up's contact (its privacy carries over: Assignment.readable_by).
    from_interaction_id: int | None = None


def with_relations(stmt):
    """The statement with the assignment's person, office, campaign, issue, bill and assignee
    loaded with it."""
    return stmt.options(
        joinedload(Assignment.person),
        joinedload(Assignment.organization),
        joinedload(Assignment.campaign),
        joinedload(Assignment.issue),
        joinedload(Assignment.bill),
        joinedload(Assignment.assignee),
    )


def get_assignment(assignment_id: int, viewer: User) -> Assignment:
    """The assignment if the viewer may see it (a private contact's follow-up only its
    audience and assignee do)."""
    a = db.session.scalar(Assignment.visible_to(viewer).where(Assignment.id == assignment_id))
    if a is None or not authz.can_see_assignment(viewer, a):
        raise LookupError(assignment_id)
    return a


def completing_contact(a: Assignment, viewer: User) -> int | None:
    """The contact that completed the assignment, if the viewer may see it (else the page
    says when it was done, not how)."""
    if a.completed_interaction_id is None:
        return None
    return db.session.scalar(
        Interaction.visible_to(viewer)
        .where(Interaction.id == a.completed_interaction_id)
        .with_only_columns(Interaction.id)
    )


# ---- notices to the assignee ----


def queue_notices(
    actor: User | None, assignments: list[Assignment], now: datetime, *, reassigned: bool = False
) -> list[Notification]:
    """Ledger rows telling each assignee about new (or reassigned) work: one email per assignee
    per event. The occurrence carries the assignee and the row's version, so assigning back and
    forth notifies once per event. Call after a flush (ids and versions are set)."""
    by_assignee: dict[int, list[Assignment]] = defaultdict(list)
    for a in assignments:
        by_assignee[a.assignee_id].append(a)
    shown = [a for items in by_assignee.values() for a in items[:NOTICE_ITEMS]]
    related = load_once(shown)  # noqa: F841  (held while the notices are rendered)
    rows = []
    for assignee_id, items in by_assignee.items():
        assignee = db.session.get(User, assignee_id)
        if len(items) == 1:
            a = items[0]
            subject_key, occurrence = f"assignment:{a.id}", f"to:{assignee_id}:v{a.version}"
            subject = f"{'Reassigned to you' if reassigned else 'New assignment'}: {a.title}"
        else:
            first = min(a.id for a in items)
            subject_key, occurrence = f"assignments:{first}+{len(items)}", f"to:{assignee_id}"
            campaigns = {a.campaign.name for a in items if a.campaign}
            subject = f"{len(items)} new assignments" + (
                f" for {campaigns.pop()}" if len(campaigns) == 1 else ""
            )
        rows.append(
            queue_email(
                to_email=assignee.email,
                kind="assignment",
                subject_key=subject_key,
                occurrence=occurrence,
                template="assignment",
                subject=subject,
                recipient=assignee,
                now=now,
                context={
                    "assignee": assignee,
                    "actor": actor,
                    "reassigned": reassigned,
                    "items": [notice_item(a) for a in items[:NOTICE_ITEMS]],
                    "more": max(0, len(items) - NOTICE_ITEMS),
                    "my_work": absolute_url("work.my_work"),
                },
            )
        )
    return [r for r in rows if r is not None]


def load_once(assignments: list[Assignment]) -> list:
    """Load the people, offices, campaigns and assignees these rows point to with one query each,
    so reading a.person and friends issues none (no N+1 in bulk notices). The caller keeps the
    returned list while it reads: the session only holds loaded rows weakly."""
    loaded: list = []
    for model, key in (
        (Person, "person_id"),
        (Organization, "organization_id"),
        (Campaign, "campaign_id"),
        (User, "assignee_id"),
    ):
        ids = {getattr(a, key) for a in assignments} - {None}
        if ids:
            loaded += db.session.scalars(sa.select(model).where(model.id.in_(ids))).all()
    return loaded


def notice_item(a: Assignment) -> dict:
    """One assignment in a notice, with the assignee's signed "done" and "snooze" links."""
    from crm.links.services import link_url

    return {
        "title": a.title,
        "target": a.target_name,
        "seat": a.person.seat if a.person is not None else "",
        "due_on": a.due_on,
        "priority": a.priority,
        "notes": a.notes,
        "campaign": a.campaign.name if a.campaign else None,
        "link": absolute_url("assignments.show", assignment_id=a.id),
        "done": link_url("done", a=a.id, u=a.assignee_id, v=a.version),
        "snooze": link_url("snooze", a=a.id, u=a.assignee_id, v=a.version),
    }


# ---- create, edit, reassign ----


def load_assignee(actor: User, assignee_id: int | None) -> User:
    """The active member to give work to; raises DomainError when there is none, NotAllowed when
    the actor may not."""
    assignee = db.session.get(User, assignee_id) if assignee_id else None
    if assignee is None or not assignee.is_active:
        raise DomainError("Choose an active member.", field="assignee_id")
    if not authz.can_assign_to(actor, assignee.id):
        raise NotAllowed("Only coordinators can give work to other members.", field="assignee_id")
    return assignee


def check_data(data: AssignmentData) -> None:
    """Shape and references of an assignment; raises DomainError naming the field."""
    data.title = (data.title or "").strip()
    if not data.title:
        raise DomainError("Say what needs doing.", field="title")
    if len(data.title) > 200:
        raise DomainError("Keep the title under 200 characters.", field="title")
    if data.priority not in PRIORITIES:
        raise DomainError("Choose a priority.", field="priority")
    if data.person_id is None and data.organization_id is None:
        raise DomainError("Choose who to contact: a person or an office.", field="person_id")
    if data.due_on is not None and not 2000 <= data.due_on.year <= 2100:
        raise DomainError("That date is out of range.", field="due_on")
    checks = [
        (Person, data.person_id, "person_id", "That person no longer exists."),
        (Organization, data.organization_id, "organization_id", "That office no longer exists."),
        (Issue, data.issue_id, "issue_id", "That issue does not exist."),
        (Bill, data.bill_id, "bill_id", "That bill does not exist."),
        (Campaign, data.campaign_id, "campaign_id", "That campaign does not exist."),
    ]
    for model, value, name, message in checks:
        if value is None:
            continue
        row = db.session.get(model, value)
        if row is None or getattr(row, "deleted_at", None) is not None:
            raise DomainError(message, field=name)


def build(actor_id: int | None, data: AssignmentData) -> Assignment:
    """A new row in the session (the caller has checked the data)."""
    a = Assignment(
        title=data.title,
        assignee_id=data.assignee_id,
        person_id=data.person_id,
        organization_id=data.organization_id,
        issue_id=data.issue_id,
        bill_id=data.bill_id,
        campaign_id=data.campaign_id,
        due_on=data.due_on,
        priority=data.priority,
        notes=data.notes,
        source=data.source,
        lapse_key=data.lapse_key,
        from_interaction_id=data.from_interaction_id,
        status="open",
        created_by_id=actor_id,
    )
    db.session.add(a)
    return a


def record_created(actor: User | None, assignments: list[Assignment], now: datetime) -> None:
    """Audit the creation of these assignments (flushed first, so they have ids)."""
    db.session.flush()
    for a in assignments:
        audit.record(actor, "create", a, after=audit.snapshot(a, AUDITED), now=now)


def create_assignment(
    actor: User, data: AssignmentData, now: datetime, *, acknowledge_collisions: bool = False
) -> Assignment:
    """Give one member one piece of outreach, and tell them."""
    people = [data.person_id] if data.person_id else []
    return create_assignments(
        actor, data, people, now, acknowledge_collisions=acknowledge_collisions
    )[0]


def create_assignments(
    actor: User,
    data: AssignmentData,
    person_ids: list[int],
    now: datetime,
    *,
    acknowledge_collisions: bool = False,
) -> list[Assignment]:
    """The same outreach for each person chosen (or once for an office), all or none, with one
    notice to the assignee. Other members' recent work on the same offices stops it unless
    acknowledged."""
    load_assignee(actor, data.assignee_id)
    targets = list(dict.fromkeys(person_ids)) or [None]
    variants = [
        replace(data, person_id=pid, organization_id=data.organization_id if pid is None else None)
        for pid in targets
    ]
    for variant in variants:
        check_data(variant)
    if not acknowledge_collisions and person_ids:
        hits = find_collisions(actor, targets, now, for_user_id=data.assignee_id)
        if hits:
            raise CollisionWarning([c for pid in targets for c in hits.get(pid, [])])
    made = [build(actor.id, variant) for variant in variants]
    record_created(actor, made, now)
    rows = queue_notices(actor, made, now)
    db.session.commit()
    dispatch(rows)
    return made


def check_version(a: Assignment, expected_version: int | None) -> None:
    """Raises Conflict when the assignment changed since the form was shown."""
    if expected_version is not None and a.version != expected_version:
        raise Conflict()


EDITABLE = (
    "title",
    "person_id",
    "organization_id",
    "issue_id",
    "bill_id",
    "campaign_id",
    "due_on",
    "priority",
    "notes",
)


def update_assignment(
    actor: User,
    a: Assignment,
    data: AssignmentData,
    expected_version: int,
    now: datetime,
    *,
    acknowledge_collisions: bool = False,
) -> Assignment:
    """Change what is asked (and, for coordinators, who does it)."""
    if not authz.can_edit_assignment(actor, a):
        raise NotAllowed("Only a coordinator can change this assignment.")
    check_version(a, expected_version)
    reassigning = data.assignee_id != a.assignee_id
    if reassigning:
        if not authz.can_reassign(actor):
            raise NotAllowed("Only coordinators can reassign.", field="assignee_id")
        load_assignee(actor, data.assignee_id)
    check_data(data)
    if not acknowledge_collisions and (reassigning or data.person_id != a.person_id):
        check_collisions(actor, data.person_id, data.assignee_id, now, exclude=[a.id])
    before = audit.snapshot(a, AUDITED)
    for key in EDITABLE:
        setattr(a, key, getattr(data, key))
    a.assignee_id = data.assignee_id
    return save_change(actor, a, before, "update", now, notify=reassigning)


def reassign(
    actor: User,
    a: Assignment,
    assignee_id: int,
    expected_version: int | None,
    now: datetime,
    *,
    acknowledge_collisions: bool = False,
) -> Assignment:
    """Hand open work to another member (coordinators), and tell the new assignee."""
    if not authz.can_reassign(actor):
        raise NotAllowed("Only coordinators can reassign.", field="assignee_id")
    check_version(a, expected_version)
    if not a.is_open:
        raise DomainError("Only open work can be reassigned. Reopen it first.", field="assignee_id")
    load_assignee(actor, assignee_id)
    if assignee_id == a.assignee_id:
        return a
    if not acknowledge_collisions:
        check_collisions(actor, a.person_id, assignee_id, now, exclude=[a.id])
    before = audit.snapshot(a, AUDITED)
    a.assignee_id = assignee_id
    return save_change(actor, a, before, "reassign", now, notify=True)


def save_change(
    actor: User, a: Assignment, before: dict, action: str, now: datetime, *, notify: bool = False
) -> Assignment:
    """Flush (the version moves on), audit what changed, notify if reassigned, commit."""
    with no_lost_update():
        db.session.flush()
        b, after = audit.changes(before, audit.snapshot(a, AUDITED))
        if after:
            audit.record(actor, action, a, b, after, now)
        rows = queue_notices(actor, [a], now, reassigned=True) if notify else []
        db.session.commit()
    dispatch(rows)
    return a


# ---- working on it: status, snooze, complete ----


def apply_status(
    a: Assignment, status: str, now: datetime, interaction_id: int | None = None
) -> None:
    """Move to a new status and keep the derived fields true (no checks, no commit)."""
    a.status = status
    if status == "done":
        a.completed_at = now
        a.completed_interaction_id = interaction_id
        a.snoozed_until = None
    elif status == "cancelled":
        a.snoozed_until = None
    elif status == "open":
        a.completed_at = None
        a.completed_interaction_id = None


def complete_in_transaction(
    actor: User | None, a: Assignment, interaction_id: int | None, now: datetime
) -> None:
    """Mark done and audit it inside the caller's transaction (logging, the cadence settle)."""
    before = audit.snapshot(a, AUDITED)
    apply_status(a, "done", now, interaction_id)
    db.session.flush()
    b, after = audit.changes(before, audit.snapshot(a, AUDITED))
    audit.record(actor, "complete", a, b, after, now)


def check_transition(actor: User, a: Assignment, status: str) -> None:
    """Raises DomainError or NotAllowed unless the actor may move the assignment to this status."""
    if status not in ASSIGNMENT_STATUSES:
        raise DomainError("Unknown status.", field="status")
    if status == "cancelled" and not authz.can_edit_assignment(actor, a):
        raise NotAllowed("Only a coordinator can cancel work they gave you.")
    if not authz.can_work_on(actor, a):
        raise NotAllowed("Only the assignee or a coordinator can change this assignment.")
    if status not in TRANSITIONS[a.status]:
        raise DomainError(
            f"An assignment that is {ASSIGNMENT_STATUSES[a.status].lower()} cannot "
            f"become {ASSIGNMENT_STATUSES[status].lower()}.",
            field="status",
        )


def set_status(
    actor: User, a: Assignment, status: str, now: datetime, expected_version: int | None = None
) -> Assignment:
    """Start, finish, cancel or reopen. Repeating the current status changes nothing."""
    if status == a.status and status in ASSIGNMENT_STATUSES:
        return a
    check_version(a, expected_version)
    check_transition(actor, a, status)
    before = audit.snapshot(a, AUDITED)
    apply_status(a, status, now)
    return save_change(actor, a, before, "status", now)


def complete(
    actor: User,
    a: Assignment,
    now: datetime,
    *,
    interaction_id: int | None = None,
    expected_version: int | None = None,
) -> Assignment:
    """Mark done, optionally linking the contact that did it."""
    check_version(a, expected_version)
    if interaction_id is not None:
        seen = db.session.scalar(
            Interaction.visible_to(actor)
            .where(Interaction.id == interaction_id)
            .with_only_columns(Interaction.id)
        )
        if seen is None:
            raise DomainError("That contact does not exist.", field="interaction_id")
    if a.status == "done" and a.completed_interaction_id == interaction_id:
        return a
    if a.status != "done":
        check_transition(actor, a, "done")
    elif not authz.can_work_on(actor, a):
        raise NotAllowed("Only the assignee or a coordinator can change this assignment.")
    before = audit.snapshot(a, AUDITED)
    apply_status(a, "done", now, interaction_id)
    return save_change(actor, a, before, "complete", now)


def snooze(
    actor: User,
    a: Assignment,
    until: date | None,
    now: datetime,
    expected_version: int | None = None,
    *,
    days: int | None = None,
) -> Assignment:
    """Hide open work from my lists and reminders until a date, or for `days` from the actor's
    today when no date is given (neither wakes it up)."""
    if not authz.can_work_on(actor, a):
        raise NotAllowed("Only the assignee or a coordinator can snooze this.")
    check_version(a, expected_version)
    if not a.is_open:
        raise DomainError("Only open work can be snoozed.", field="until")
    today = local_today(now, actor.timezone)
    if until is None and days:
        until = today + timedelta(days=days)
    if until is not None and not today < until <= today + timedelta(days=MAX_SNOOZE_DAYS):
        raise DomainError("Snooze until a date after today and within a year.", field="until")
    before = audit.snapshot(a, AUDITED)
    a.snoozed_until = until
    return save_change(actor, a, before, "snooze", now)


def delete_assignment(actor: User, a: Assignment, now: datetime) -> None:
    """Soft-delete (coordinators); restorable."""
    if not actor.is_coordinator:
        raise NotAllowed("Only coordinators can delete assignments.")
    a.deleted_at = now
    audit.record(actor, "delete", a, now=now)
    db.session.commit()


def restore_assignment(actor: User, a: Assignment, now: datetime) -> None:
    """Restore a deleted assignment (coordinators; audited), and commit."""
    if not actor.is_coordinator:
        raise NotAllowed("Only coordinators can restore assignments.")
    a.deleted_at = None
    audit.record(actor, "restore", a, now=now)
    db.session.commit()
