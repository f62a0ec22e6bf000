"""Keep-in-touch cadence: a person's relationship holder touches them every N days.

`next_touch_due` is kept by crm.interactions.services (touch_people, refresh_last_contact) on
every contact logged by anyone. Here: the daily job that gives the holder one follow-up per lapse
(`lapse_key` is unique, so a lapse makes one assignment however often the job runs), settling
those follow-ups when anyone's contact answers them, and the "due for a touch" list.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from crm.assignments.services import (
    AssignmentData,
    build,
    complete_in_transaction,
    queue_notices,
    record_created,
)
from crm.clock import local_today
from crm.email import dispatch
from crm.extensions import db
from crm.models import Assignment, Interaction, Person, User
from crm.offices import office_group


def lapse_key(person_id: int, due: date | None) -> str:
    """One key per lapse: the date the touch fell due ("never" before the first contact)."""
    return f"cadence:{person_id}:{due.isoformat() if due else 'never'}"


def lapsed_people(now: datetime):
    """People with an active holder and a cadence whose touch is due by tomorrow (UTC), or who
    were never contacted; each holder's own date decides below."""
    return (
        sa.select(Person, User)
        .join(User, User.id == Person.holder_id)
        .where(
            Person.cadence_days.is_not(None),
            Person.cadence_days > 0,
            Person.deleted_at.is_(None),
            Person.in_office.is_(True),
            User.is_active.is_(True),
            sa.or_(
                Person.next_touch_due <= now.date() + timedelta(days=1),
                Person.last_contacted_at.is_(None),
            ),
        )
        .order_by(Person.id)
    )


def refresh_cadence(now: datetime) -> dict:
    """Hourly (CADENCE_EVERY): give each holder one follow-up per lapsed cadence; returns counts
    for the job log.

    A holder who already has open work for the person gets no second item. Two runs at once
    cannot both create one: the unique lapse_key refuses the second, which then creates nothing.
    """
    candidates = list(db.session.execute(lapsed_people(now)).tuples())
    summary = {"lapsed": 0, "created": 0, "already_made": 0, "already_open": 0}
    if not candidates:
        return summary
    ids = [p.id for p, _ in candidates]
    busy = set(
        db.session.execute(
            sa.select(Assignment.person_id, Assignment.assignee_id).where(
                Assignment.person_id.in_(ids),
                Assignment.is_open,
                Assignment.deleted_at.is_(None),
            )
        ).tuples()
    )
    made = set(
        db.session.scalars(
            sa.select(Assignment.lapse_key).where(
                Assignment.lapse_key.like("cadence:%"), Assignment.person_id.in_(ids)
            )
        )
    )
    created = []
    for person, holder in candidates:
        today = local_today(now, holder.timezone)
        due = person.next_touch_due
        if person.last_contacted_at is not None and (due is None or due > today):
            continue
        summary["lapsed"] += 1
        key = lapse_key(person.id, due if person.last_contacted_at else None)
        if key in made:
            summary["already_made"] += 1
            continue
        if (person.id, holder.id) in busy:
            summary["already_open"] += 1
            continue
        last = (
            f"Last contact {person.last_contacted_at:%b %-d, %Y}"
            if person.last_contacted_at
            else "Nobody has contacted them yet"
        )
        created.append(
            build(
                None,
                AssignmentData(
                    title=f"Keep in touch with {person.full_name}",
                    assignee_id=holder.id,
                    person_id=person.id,
                    due_on=due if person.last_contacted_at else today,
                    source="cadence",
                    lapse_key=key,
                    notes=f"{last}; you hold this relationship, to be touched every "
                    f"{person.cadence_days} days.",
                ),
            )
        )
    if not created:
        return summary
    try:
        record_created(None, created, now)
        rows = queue_notices(None, created, now)
        db.session.commit()
    except sa.exc.IntegrityError:  # another run made them first
        db.session.rollback()
        summary["already_made"] += len(created)
        return summary
    dispatch(rows)
    summary["created"] = len(created)
    return summary


def answered() -> sa.ColumnElement[bool]:
    """The keep-in-touch follow-ups a contact answers, for the Person of the statement: open,
    not deleted, on the person, and due before the person's (moved) next touch, or undated."""
    return sa.and_(
        Assignment.source == "cadence",
        Assignment.is_open,
        Assignment.deleted_at.is_(None),
        Assignment.person_id == Person.id,
        sa.or_(Assignment.due_on.is_(None), Person.next_touch_due > Assignment.due_on),
    )


def answers_any() -> sa.ColumnElement[bool]:
    """Whether the Person of the statement (e.g. an UPDATE's RETURNING after a contact moved
    them) has a follow-up the contact answers (answered())."""
    return sa.exists().where(answered())


def settle_answered(
    actor: User,
    interaction: Interaction,
    now: datetime,
    office: list[int] | None = None,
    answering: list[int] | None = None,
) -> list[Assignment]:
    """Inside the logging transaction: a contact by anyone that moved a person's next touch past
    a keep-in-touch follow-up's due date answers it, so it is marked done with this contact.
    `office`: the contact's office_group, when the caller has it already; `answering`: those of
    them answers_any() found after the contact moved them, when the caller asked (none: no
    statement)."""
    ids = office if office is not None else office_group(interaction.people)
    if answering is not None:
        if not answering:
            return []
        ids = answering
    db.session.flush()
    answered_now = list(
        db.session.scalars(
            sa.select(Assignment)
            .join(Person, Person.id == Assignment.person_id)
            .where(answered(), Assignment.person_id.in_(ids))
            .execution_options(populate_existing=True)
        )
    )
    # Work settled by a private contact does not name its author (its audit row says "the CRM").
    by = actor if interaction.named_author_id else None
    for a in answered_now:
        complete_in_transaction(by, a, interaction.id, now)
    return answered_now


def due_for_touch(
    now: datetime, tz: str, *, holder_id: int | None, horizon_days: int = 7, limit: int = 200
) -> tuple[date, list[Person]]:
    """People whose keep-in-touch date falls within the horizon (or who were never contacted),
    longest overdue first; one query."""
    today = local_today(now, tz)
    stmt = (
        sa.select(Person)
        .where(
            Person.cadence_days.is_not(None),
            Person.holder_id.is_not(None),
            Person.deleted_at.is_(None),
            Person.in_office.is_(True),
            sa.or_(
                Person.next_touch_due <= today + timedelta(days=horizon_days),
                Person.last_contacted_at.is_(None),
            ),
        )
        .order_by(Person.next_touch_due.asc().nulls_first(), Person.sort_name, Person.id)
        .options(joinedload(Person.holder), joinedload(Person.last_contacted_by))
        .limit(limit)
    )
    if holder_id:
        stmt = stmt.where(Person.holder_id == holder_id)
    return today, list(db.session.scalars(stmt))
