"""Follow-ups from the quick log (templates offered, work completed by a contact) and the
coordinators' follow-up templates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from crm import audit
from crm.assignments.collisions import by_person, find_collisions
from crm.assignments.services import (
    AssignmentData,
    build,
    complete_in_transaction,
    record_created,
    with_relations,
)
from crm.clock import local_today
from crm.errors import DomainError, NotAllowed
from crm.extensions import db
from crm.models import (
    Assignment,
    FollowUpTemplate,
    Interaction,
    Person,
    User,
)
from crm.offices import office_groups

# ---- the quick log: follow-ups and completion through logging ----


@dataclass
class FollowUpRequest:
    """A template chosen in the quick log, or a custom follow-up (label and days)."""

    template_id: int | None = None
    label: str | None = None
    due_in_days: int | None = None


def active_templates() -> list[FollowUpTemplate]:
    """The follow-up templates the quick log offers, in their order."""
    return list(
        db.session.scalars(
            sa.select(FollowUpTemplate)
            .where(FollowUpTemplate.active.is_(True))
            .order_by(FollowUpTemplate.position, FollowUpTemplate.label)
        )
    )


def matching_open_work(
    user: User,
    person_ids,
    organization_id: int | None = None,
    groups: dict[int, set[int]] | None = None,
) -> list[Assignment]:
    """The user's open assignments whose target is in the office of anyone contacted, or is
    the organization contacted itself. `groups`: office_groups(person_ids), if already read."""
    groups = office_groups(person_ids) if groups is None else groups
    everyone = set().union(*groups.values()) if groups else set()
    if not everyone and not organization_id:
        return []
    orgs = sa.select(Person.organization_id).where(
        Person.id.in_(person_ids), Person.organization_id.is_not(None)
    )
    if organization_id:
        orgs = orgs.union(sa.select(sa.literal(organization_id)))
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
    groups = office_groups(person_ids)  # both read the offices: once
    hits = find_collisions(user, person_ids, now, for_user_id=user.id, groups=groups)
    collisions = by_person([c for pid in person_ids for c in hits.get(pid, [])])
    open_work = matching_open_work(user, person_ids, groups=groups)
    return {"collisions": collisions, "open_work": open_work}


def complete_with_contact(
    actor: User, interaction: Interaction, assignment_ids: list[int], now: datetime
) -> None:
    """Inside the logging transaction: mark done the logger's open assignments this contact
    did (only theirs, and only for the people contacted)."""
    if not assignment_ids:
        return
    allowed = {
        a.id: a
        for a in matching_open_work(
            actor, [p.id for p in interaction.people], interaction.organization_id
        )
    }
    for assignment_id in dict.fromkeys(assignment_ids):
        a = allowed.get(assignment_id)
        if a is None:
            existing = db.session.get(Assignment, assignment_id)
            if existing is not None and existing.status == "done":
                continue  # finished meanwhile (a double submit, or a cadence settle)
            raise DomainError(
                "Only your own open assignments for the people or organization contacted can "
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
    """Every follow-up template, active or not, in their order."""
    return list(
        db.session.scalars(
            sa.select(FollowUpTemplate).order_by(FollowUpTemplate.position, FollowUpTemplate.label)
        )
    )


TEMPLATE_FIELDS = ("label", "due_in_days", "active", "position")


def get_template(template_id: int) -> FollowUpTemplate:
    """One follow-up template; raises LookupError when there is none."""
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
