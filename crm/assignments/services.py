"""Outreach assignments: create, reassign, work on, snooze and complete them; my work and the team
view; the collision guard; the notice to the assignee; follow-ups from the quick log.

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
from crm.clock import local_today
from crm.email import absolute_url, dispatch, queue_email
from crm.errors import Conflict, DomainError, NotAllowed, no_lost_update
from crm.extensions import db
from crm.ids import parse_id
from crm.models import (
    ASSIGNMENT_STATUSES,
    PRIORITIES,
    Assignment,
    Bill,
    Campaign,
    FollowUpTemplate,
    Interaction,
    Issue,
    Notification,
    Organization,
    Person,
    User,
    interaction_people,
)
from crm.offices import office_groups, office_of
from crm.pagination import Page, clamp_page

# Allowed status changes; "open" from done or cancelled is a reopen.
TRANSITIONS = {
    "open": {"in_progress", "done", "cancelled"},
    "in_progress": {"open", "done", "cancelled"},
    "done": {"open"},
    "cancelled": {"open"},
}
COLLISION_DAYS = 7
MANY_PEOPLE = 500  # above this many people, collisions read the week's contacts by date
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


class CollisionWarning(DomainError):
    """Someone else is already on this office; the user may go ahead once they have seen it."""

    def __init__(self, collisions: list[Collision]):
        self.people = by_person(collisions)
        super().__init__(" ".join(p.message for p in self.people))
        self.collisions = collisions


def with_relations(stmt):
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


# ---- my work and the team view ----


@dataclass
class MyWork:
    today: date
    overdue: list[Assignment]
    due_soon: list[Assignment]
    later: list[Assignment]
    snoozed: list[Assignment]
    truncated: bool = False

    @property
    def total(self) -> int:
        return len(self.overdue) + len(self.due_soon) + len(self.later) + len(self.snoozed)


def my_work(user: User, now: datetime, *, limit: int = 300) -> MyWork:
    """The user's open work in one query, split into overdue, due soon, later and snoozed."""
    today = local_today(now, user.timezone)
    rows = list(
        db.session.scalars(
            with_relations(
                sa.select(Assignment)
                .where(Assignment.active(), Assignment.assignee_id == user.id)
                .order_by(Assignment.due_on.asc().nulls_last(), PRIORITY_ORDER, Assignment.id)
                .limit(limit + 1)
            )
        )
    )
    work = MyWork(today, [], [], [], [], truncated=len(rows) > limit)
    for a in rows[:limit]:
        if a.is_snoozed(today):
            work.snoozed.append(a)
        elif a.is_overdue(today):
            work.overdue.append(a)
        elif a.is_due_soon(today):
            work.due_soon.append(a)
        else:
            work.later.append(a)
    return work


TEAM_STATUSES = {"active": "Open or in progress", **ASSIGNMENT_STATUSES, "all": "Any status"}


@dataclass
class TeamFilter:
    assignee: int | None = None
    status: str = "active"
    campaign: int | None = None
    due_from: date | None = None
    due_to: date | None = None
    overdue: bool = False

    @classmethod
    def from_args(cls, args) -> TeamFilter:
        """Read the team view's filters from query arguments, dropping what is not allowed."""

        def number(name):
            return parse_id(args.get(name))

        def day(name):
            try:
                return date.fromisoformat((args.get(name) or "").strip())
            except ValueError:
                return None

        status = args.get("status") or "active"
        return cls(
            assignee=number("assignee"),
            status=status if status in TEAM_STATUSES else "active",
            campaign=number("campaign"),
            due_from=day("due_from"),
            due_to=day("due_to"),
            overdue=(args.get("overdue") or "") in {"1", "on", "true", "y"},
        )

    def apply(self, stmt, today: date):
        stmt = stmt.where(Assignment.shown())
        if self.overdue:
            stmt = stmt.where(Assignment.overdue(today))
        elif self.status == "active":
            stmt = stmt.where(Assignment.is_open)
        elif self.status != "all":
            stmt = stmt.where(Assignment.status == self.status)
        if self.assignee:
            stmt = stmt.where(Assignment.assignee_id == self.assignee)
        if self.campaign:
            stmt = stmt.where(Assignment.campaign_id == self.campaign)
        if self.due_from:
            stmt = stmt.where(Assignment.due_on >= self.due_from)
        if self.due_to:
            stmt = stmt.where(Assignment.due_on <= self.due_to)
        return stmt


def team_page(flt: TeamFilter, *, page: int, per_page: int, today: date, viewer: User) -> Page:
    """One page of everyone's assignments in three queries: the count, the page's ids (a narrow
    sort, so deep pages stay cheap), then those rows with their relations joined."""
    base = flt.apply(sa.select(Assignment.id), today).where(Assignment.readable_by(viewer))
    total = db.session.scalar(sa.select(sa.func.count()).select_from(base.subquery()))
    page = clamp_page(page, total, per_page)
    ids = list(
        db.session.scalars(
            base.order_by(Assignment.due_on.asc().nulls_last(), PRIORITY_ORDER, Assignment.id)
            .limit(per_page)
            .offset((page - 1) * per_page)
        )
    )
    rows = (
        {
            a.id: a
            for a in db.session.scalars(
                with_relations(sa.select(Assignment).where(Assignment.id.in_(ids)))
            )
        }
        if ids
        else {}
    )
    return Page([rows[i] for i in ids], total, page, per_page)


def team_choices() -> dict:
    """Members and campaigns for the team view's filter bar and the assignment form."""
    members = list(
        db.session.execute(
            sa.select(User.id, User.name, User.home_state)
            .where(User.is_active.is_(True))
            .order_by(User.name)
        )
    )
    campaigns = list(
        db.session.execute(
            sa.select(Campaign.id, Campaign.name)
            .where(Campaign.deleted_at.is_(None))
            .order_by(Campaign.created_at.desc())
        )
    )
    return {"members": members, "campaigns": campaigns}


def office_choices() -> list:
    """Offices and agencies an assignment can target instead of a person."""
    return list(
        db.session.execute(
            sa.select(Organization.id, Organization.name)
            .where(Organization.deleted_at.is_(None))
            .order_by(Organization.name)
        )
    )


def open_for_person(person_id: int, viewer: User) -> list[Assignment]:
    """Open work on a person's page: assignments for the person or anyone in their office that
    the viewer may see."""
    return list(
        db.session.scalars(
            with_relations(
                Assignment.visible_to(viewer)
                .where(Assignment.active(), Assignment.person_id.in_(office_of(person_id)))
                .order_by(Assignment.due_on.asc().nulls_last(), Assignment.id)
            )
        )
    )


# ---- the collision guard ----


@dataclass
class Collision:
    target_id: int
    user_id: int
    user_name: str
    kind: str  # "assignment" or "contact"
    person_name: str
    when: date | datetime | None
    ref_id: int

    @property
    def phrase(self) -> str:
        """What they did, without their name (a person's collisions read as one sentence)."""
        if self.kind == "assignment":
            due = f", due {self.when:%b %-d}" if self.when else ""
            return f"already has an open assignment for {self.person_name}{due}"
        return f"logged a contact with {self.person_name} on {self.when:%b %-d}"

    @property
    def message(self) -> str:
        return f"{self.user_name} {self.phrase}."


@dataclass
class PersonCollisions:
    """One member's collisions on the offices at hand: each person is named once."""

    user_id: int
    user_name: str
    items: list[Collision]

    @property
    def message(self) -> str:
        phrases = [c.phrase for c in self.items]
        joined = (
            phrases[0] if len(phrases) == 1 else ", ".join(phrases[:-1]) + " and " + phrases[-1]
        )
        return f"{self.user_name} {joined}."


def by_person(collisions: list[Collision]) -> list[PersonCollisions]:
    """Collisions grouped by the member they concern, in order of first appearance, each
    assignment or contact once (a senator and her staffer in one contact are one contact)."""
    groups: dict[int, PersonCollisions] = {}
    seen = set()
    for c in collisions:
        if (c.kind, c.ref_id) in seen:
            continue
        seen.add((c.kind, c.ref_id))
        group = groups.setdefault(c.user_id, PersonCollisions(c.user_id, c.user_name, []))
        group.items.append(c)
    return list(groups.values())


def find_collisions(
    viewer: User, person_ids, now: datetime, *, for_user_id: int | None, exclude_assignment_ids=()
) -> dict[int, list[Collision]]:
    """For each target: other members' open assignments for the same office, and their contacts
    with it in the last 7 days (private contacts only if the viewer may see them).

    `for_user_id` is the member who would do the work; their own activity is no collision.
    None keeps everyone's, for callers that filter per row. The viewer's own contacts are no
    collision either (a coordinator knows whom they talked to). Four queries for any number of
    targets.
    """
    groups = office_groups(person_ids)
    everyone = set().union(*groups.values()) if groups else set()
    if not everyone:
        return {}
    found: dict[int, list[Collision]] = defaultdict(list)
    owners: dict[int, list[Collision]] = defaultdict(list)  # person in an office -> activity
    open_rows = db.session.execute(
        sa.select(
            Assignment.id,
            Assignment.person_id,
            Assignment.assignee_id,
            User.name,
            Person.full_name,
            Assignment.due_on,
        )
        .join(User, User.id == Assignment.assignee_id)
        .join(Person, Person.id == Assignment.person_id)
        .where(
            Assignment.active(),
            Assignment.readable_by(viewer),
            Assignment.person_id.in_(everyone),
            Assignment.id.not_in(list(exclude_assignment_ids) or [0]),
        )
        .order_by(Assignment.due_on.asc().nulls_last(), Assignment.id)
    )
    for aid, pid, uid, uname, pname, due in open_rows:
        owners[pid].append(Collision(0, uid, uname, "assignment", pname, due, aid))
    since = now - timedelta(days=COLLISION_DAYS)
    recent = (
        Interaction.visible_to(viewer)
        .with_only_columns(
            Interaction.id,
            interaction_people.c.person_id,
            Interaction.logged_by_id,
            User.name,
            Person.full_name,
            Interaction.occurred_at,
        )
        .join(interaction_people, interaction_people.c.interaction_id == Interaction.id)
        .join(User, User.id == Interaction.logged_by_id)
        .join(Person, Person.id == interaction_people.c.person_id)
        .where(Interaction.occurred_at >= since)
        .order_by(Interaction.occurred_at.desc())
    )
    # A few offices: look them up by person. Hundreds (a campaign plan): read the week's
    # contacts by date and keep theirs, which is far less work than thousands of lookups.
    if len(everyone) <= MANY_PEOPLE:
        recent = recent.where(interaction_people.c.person_id.in_(everyone))
    for iid, pid, uid, uname, pname, when in db.session.execute(recent):
        if pid in everyone:
            owners[pid].append(Collision(0, uid, uname, "contact", pname, when, iid))
    for target, group in groups.items():
        seen = set()
        for pid in sorted(group, key=lambda p: p != target):
            for c in owners.get(pid, ()):
                own_contact = c.kind == "contact" and c.user_id == viewer.id
                if c.user_id == for_user_id or own_contact or (c.kind, c.ref_id) in seen:
                    continue
                seen.add((c.kind, c.ref_id))
                found[target].append(
                    Collision(
                        target, c.user_id, c.user_name, c.kind, c.person_name, c.when, c.ref_id
                    )
                )
    return dict(found)


def check_collisions(
    viewer: User, person_id: int | None, assignee_id: int, now: datetime, exclude=()
) -> None:
    if person_id is None:
        return
    hits = find_collisions(
        viewer, [person_id], now, for_user_id=assignee_id, exclude_assignment_ids=exclude
    ).get(person_id)
    if hits:
        raise CollisionWarning(hits)


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
) -> Assignment:
    """Hide open work from my lists and reminders until a date (None wakes it up)."""
    if not authz.can_work_on(actor, a):
        raise NotAllowed("Only the assignee or a coordinator can snooze this.")
    check_version(a, expected_version)
    if not a.is_open:
        raise DomainError("Only open work can be snoozed.", field="until")
    today = local_today(now, actor.timezone)
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
    if not actor.is_coordinator:
        raise NotAllowed("Only coordinators can restore assignments.")
    a.deleted_at = None
    audit.record(actor, "restore", a, now=now)
    db.session.commit()


# ---- the quick log: follow-ups and completion through logging ----


@dataclass
class FollowUpRequest:
    """A template chosen in the quick log, or a custom follow-up (label and days)."""

    template_id: int | None = None
    label: str | None = None
    due_in_days: int | None = None


def active_templates() -> list[FollowUpTemplate]:
    return list(
        db.session.scalars(
            sa.select(FollowUpTemplate)
            .where(FollowUpTemplate.active.is_(True))
            .order_by(FollowUpTemplate.position, FollowUpTemplate.label)
        )
    )


def matching_open_work(user: User, person_ids) -> list[Assignment]:
    """The user's open assignments whose target is in the office of anyone contacted."""
    groups = office_groups(person_ids)
    everyone = set().union(*groups.values()) if groups else set()
    if not everyone:
        return []
    orgs = sa.select(Person.organization_id).where(
        Person.id.in_(person_ids), Person.organization_id.is_not(None)
    )
    return list(
        db.session.scalars(
            with_relations(
                sa.select(Assignment)
                .where(
                    Assignment.active(),
                    Assignment.assignee_id == user.id,
                    sa.or_(
                        Assignment.person_id.in_(everyone),
                        sa.and_(
                            Assignment.person_id.is_(None), Assignment.organization_id.in_(orgs)
                        ),
                    ),
                )
                .order_by(Assignment.due_on.asc().nulls_last(), Assignment.id)
            )
        )
    )


def picker_hint(user: User, person_ids: list[int], now: datetime) -> dict:
    """What the people picker shows beside the last contact: other members' open work and recent
    contacts with these offices, and the user's own open work there (to complete by logging)."""
    if not person_ids:
        return {"collisions": [], "open_work": []}
    hits = find_collisions(user, person_ids, now, for_user_id=user.id)
    collisions = by_person([c for pid in person_ids for c in hits.get(pid, [])])
    return {"collisions": collisions, "open_work": matching_open_work(user, person_ids)}


def complete_with_contact(
    actor: User, interaction: Interaction, assignment_ids: list[int], now: datetime
) -> None:
    """Inside the logging transaction: mark done the logger's open assignments this contact
    did (only theirs, and only for the people contacted)."""
    if not assignment_ids:
        return
    allowed = {a.id: a for a in matching_open_work(actor, [p.id for p in interaction.people])}
    for assignment_id in dict.fromkeys(assignment_ids):
        a = allowed.get(assignment_id)
        if a is None:
            existing = db.session.get(Assignment, assignment_id)
            if existing is not None and existing.status == "done":
                continue  # finished meanwhile (a double submit, or a cadence settle)
            raise DomainError(
                "Only your own open assignments for the people contacted can "
                "be completed with this contact."
            )
        complete_in_transaction(actor, a, interaction.id, now)


def create_follow_ups(
    actor: User, interaction: Interaction, requests: list[FollowUpRequest], now: datetime
) -> list[Assignment]:
    """One assignment per follow-up and person contacted, for the logger, due N days from today."""
    if not requests:
        return []
    ids = [r.template_id for r in requests if r.template_id]
    templates = (
        {
            t.id: t
            for t in db.session.scalars(
                sa.select(FollowUpTemplate).where(
                    FollowUpTemplate.id.in_(ids), FollowUpTemplate.active.is_(True)
                )
            )
        }
        if ids
        else {}
    )
    today = local_today(now, actor.timezone)
    issue_id = interaction.issues[0].id if len(interaction.issues) == 1 else None
    when = interaction.occurred_at
    note = f"Follow-up to the {interaction.kind.replace('_', ' ')} of {when:%b %-d, %Y}."
    created = []
    for req in requests:
        if req.template_id:
            template = templates.get(req.template_id)
            if template is None:
                raise DomainError("That follow-up is no longer offered.", field="follow_ups")
            label, days = template.label, template.due_in_days
        else:
            label, days = (req.label or "").strip(), req.due_in_days
            if not label or len(label) > 200:
                raise DomainError(
                    "Describe the follow-up (up to 200 characters).", field="custom_follow_up"
                )
            if days is None or not 0 <= days <= 365:
                raise DomainError("Due in 0 to 365 days.", field="custom_due_in_days")
        for person in interaction.people:
            created.append(
                build(
                    actor.id,
                    AssignmentData(
                        title=label,
                        assignee_id=actor.id,
                        person_id=person.id,
                        issue_id=issue_id,
                        due_on=today + timedelta(days=days),
                        source="follow-up",
                        notes=note,
                        from_interaction_id=interaction.id,
                    ),
                )
            )
    record_created(actor, created, now)
    return created


# ---- follow-up templates (coordinators) ----


def all_templates() -> list[FollowUpTemplate]:
    return list(
        db.session.scalars(
            sa.select(FollowUpTemplate).order_by(FollowUpTemplate.position, FollowUpTemplate.label)
        )
    )


TEMPLATE_FIELDS = ("label", "due_in_days", "active", "position")


def get_template(template_id: int) -> FollowUpTemplate:
    template = db.session.get(FollowUpTemplate, template_id)
    if template is None:
        raise LookupError(template_id)
    return template


def save_template(
    actor: User,
    template: FollowUpTemplate | None,
    *,
    label: str,
    due_in_days: int,
    active: bool,
    position: int,
    now: datetime,
) -> FollowUpTemplate:
    """Add or change a follow-up the quick log offers (coordinators)."""
    if not actor.is_coordinator:
        raise NotAllowed("Only coordinators manage follow-ups.")
    label = (label or "").strip()
    if not label or len(label) > 120:
        raise DomainError("Give the follow-up a label (up to 120 characters).", field="label")
    if not 0 <= due_in_days <= 365:
        raise DomainError("Due in 0 to 365 days.", field="due_in_days")
    clash = db.session.scalar(
        sa.select(FollowUpTemplate.id).where(
            sa.func.lower(FollowUpTemplate.label) == label.lower(),
            FollowUpTemplate.id != (template.id if template else 0),
        )
    )
    if clash:
        raise DomainError("There is already a follow-up with this label.", field="label")
    before = audit.snapshot(template, TEMPLATE_FIELDS) if template else None
    if template is None:
        template = FollowUpTemplate()
        db.session.add(template)
    template.label, template.due_in_days = label, due_in_days
    template.active, template.position = active, position
    db.session.flush()
    audit.record_saved(actor, template, before, TEMPLATE_FIELDS, now)
    db.session.commit()
    return template
