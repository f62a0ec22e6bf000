"""The collision guard: who on the team has contacted, or holds open work with, the people a new
contact or assignment is about, in the last COLLISION_DAYS days."""

from __future__ import annotations

import functools
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from crm.errors import DomainError
from crm.extensions import db
from crm.models import (
    Assignment,
    BoundViewer,
    Interaction,
    Person,
    User,
    interaction_people,
)
from crm.offices import office_groups

COLLISION_DAYS = 7
MANY_PEOPLE = 500  # above this many people, collisions read the week's contacts by date


class CollisionWarning(DomainError):
    """Someone else is already on this office; the user may go ahead once they have seen it."""

    def __init__(self, collisions: list[Collision]):
        self.people = by_person(collisions)
        super().__init__(" ".join(p.message for p in self.people))
        self.collisions = collisions


@dataclass
class Collision:
    """Another member already on an office: an open assignment, or a contact in the last 7 days."""

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
        """The warning as a sentence: who is already working on this office, and how."""
        return f"{self.user_name} {self.phrase}."


@dataclass
class PersonCollisions:
    """One member's collisions on the offices at hand: each person is named once."""

    user_id: int
    user_name: str
    items: list[Collision]

    @property
    def message(self) -> str:
        """One sentence naming everything this member is already doing about the office."""
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


@functools.cache
def others_work_select(is_coordinator: bool) -> sa.Select:
    """Other members' open assignments for the people bound as `people` (but those bound as
    `excluded`), as the viewer bound as `viewer_id` may see them; built once per kind of
    viewer."""
    return (
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
            Assignment.readable_by(BoundViewer(is_coordinator)),
            Assignment.person_id.in_(sa.bindparam("people", expanding=True)),
            Assignment.id.not_in(sa.bindparam("excluded", expanding=True)),
        )
        .order_by(Assignment.due_on.asc().nulls_last(), Assignment.id)
    )


@functools.cache
def recent_contacts_select(is_coordinator: bool, many: bool) -> sa.Select:
    """The contacts since the time bound as `since` that the viewer bound as `viewer_id` may
    see, one row per person contacted; built once per kind of viewer. A few offices (not
    `many`): looked up by the people bound as `people`. Hundreds (a campaign plan): the
    week's contacts read by date, for the caller to keep theirs, which is far less work than
    thousands of lookups."""
    since = sa.bindparam("since", type_=Interaction.occurred_at.type)
    stmt = (
        Interaction.visible_to(BoundViewer(is_coordinator))
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
        # The link's copy of the time as well: a busy office's week is then a range of the
        # person's timeline index, not every contact they ever had read to check its date.
        .where(Interaction.occurred_at >= since, interaction_people.c.occurred_at >= since)
        .order_by(Interaction.occurred_at.desc())
    )
    if many:
        return stmt
    return stmt.where(interaction_people.c.person_id.in_(sa.bindparam("people", expanding=True)))


def find_collisions(
    viewer: User,
    person_ids,
    now: datetime,
    *,
    for_user_id: int | None,
    exclude_assignment_ids=(),
    groups: dict[int, set[int]] | None = None,
) -> dict[int, list[Collision]]:
    """For each target: other members' open assignments for the same office, and their contacts
    with it in the last 7 days (private contacts only if the viewer may see them).

    `for_user_id` is the member who would do the work; their own activity is no collision.
    None keeps everyone's, for callers that filter per row. The viewer's own contacts are no
    collision either (a coordinator knows whom they talked to). Four queries for any number of
    targets. `groups`: office_groups(person_ids), when the caller has them already.
    """
    groups = office_groups(person_ids) if groups is None else groups
    everyone = set().union(*groups.values()) if groups else set()
    if not everyone:
        return {}
    found: dict[int, list[Collision]] = defaultdict(list)
    owners: dict[int, list[Collision]] = defaultdict(list)  # person in an office -> activity
    params = {
        "viewer_id": viewer.id,
        "people": sorted(everyone),
        "excluded": list(exclude_assignment_ids) or [0],
        "since": now - timedelta(days=COLLISION_DAYS),
    }
    open_rows = db.session.execute(others_work_select(viewer.is_coordinator), params)
    for aid, pid, uid, uname, pname, due in open_rows:
        owners[pid].append(Collision(0, uid, uname, "assignment", pname, due, aid))
    recent = recent_contacts_select(viewer.is_coordinator, len(everyone) > MANY_PEOPLE)
    for iid, pid, uid, uname, pname, when in db.session.execute(recent, params):
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
    """Raises CollisionWarning when other members already work on the person's office (their open
    assignments, their contacts in the last 7 days); nothing to check without a person."""
    if person_id is None:
        return
    hits = find_collisions(
        viewer, [person_id], now, for_user_id=assignee_id, exclude_assignment_ids=exclude
    ).get(person_id)
    if hits:
        raise CollisionWarning(hits)
