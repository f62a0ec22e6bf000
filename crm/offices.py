"""Offices: who works in whose office (a staffer contacted counts as a contact with the
legislator's office), and when a person with a keep-in-touch cadence is next due a touch.

Small queries over the directory that the contact log, assignments and cadences all read; this
module imports only the models, so any feature may use it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from crm.extensions import db
from crm.models import Person, StaffRole


def office_group(people: list[Person]) -> list[int]:
    """The people plus the legislators their current staff roles work for: a staffer contacted
    counts as a contact with the office."""
    ids = {p.id for p in people}
    return sorted(ids | set(db.session.scalars(employers_of(ids))))


def employers_of(ids) -> sa.Select:
    """The legislators the people's current staff roles work for, as a select of ids."""
    return sa.select(StaffRole.employer_id).where(
        StaffRole.staff_id.in_(ids),
        StaffRole.end_date.is_(None),
        StaffRole.employer_id.is_not(None),
    )


def office_ids(ids) -> sa.CompoundSelect:
    """office_group's ids as a select, for `Person.id IN` it inside another statement: the
    people (read by primary key, so the IN walks it; an OR of two INs scans people on
    PostgreSQL) and the legislators they work for."""
    people = Person.__table__.alias("contacted")
    return sa.union_all(sa.select(people.c.id).where(people.c.id.in_(ids)), employers_of(ids))


def office_groups(person_ids) -> dict[int, set[int]]:
    """For each person, everyone in their office: the person, the legislator they work for, and
    that legislator's current staff. Two queries for any number of people."""
    ids = set(person_ids)
    if not ids:
        return {}
    employer_of = dict(
        db.session.execute(
            sa.select(StaffRole.staff_id, StaffRole.employer_id).where(
                StaffRole.staff_id.in_(ids),
                StaffRole.end_date.is_(None),
                StaffRole.employer_id.is_not(None),
            )
        ).all()
    )
    heads = {employer_of.get(i, i) for i in ids}
    staff: dict[int, set[int]] = {h: set() for h in heads}
    for employer, staffer in db.session.execute(
        sa.select(StaffRole.employer_id, StaffRole.staff_id).where(
            StaffRole.employer_id.in_(heads), StaffRole.end_date.is_(None)
        )
    ):
        staff[employer].add(staffer)
    return {i: {i, employer_of.get(i, i)} | staff[employer_of.get(i, i)] for i in ids}


def current_employer(person_id) -> sa.ScalarSelect:
    """The legislator a staffer works for now (their first current role), as a scalar subquery;
    NULL for anyone else. `person_id` may be a value, a column or a bound parameter."""
    return (
        sa.select(StaffRole.employer_id)
        .where(
            StaffRole.staff_id == person_id,
            StaffRole.end_date.is_(None),
            StaffRole.employer_id.is_not(None),
        )
        .order_by(StaffRole.id)
        .limit(1)
        .scalar_subquery()
    )


def office_of(person_id) -> sa.Select:
    """office_groups() of one person as a select of ids, to read inside another statement;
    `person_id` may be a value or a bound parameter."""
    head = sa.func.coalesce(
        current_employer(person_id),
        person_id,
    )
    return sa.union(
        sa.select(sa.type_coerce(person_id, sa.Integer)),
        sa.select(head),
        sa.select(StaffRole.staff_id).where(
            StaffRole.employer_id == head, StaffRole.end_date.is_(None)
        ),
    )


def touch_due(last: datetime | None, cadence: int | None) -> date | None:
    """The day a touch is due: the last contact plus the cadence (None without either)."""
    return (last + timedelta(days=cadence)).date() if last and cadence else None


def touch_due_sql(
    last: datetime | sa.ColumnElement[date], cadence: sa.ColumnElement[int]
) -> sa.ColumnElement[date]:
    """touch_due(last, cadence) inside a statement, for a cadence column: the day of `last`
    (UTC) plus the cadence in days (NULL where the cadence is). `last` may also be that day
    as a date expression (a bound parameter)."""
    if isinstance(last, datetime):
        last = sa.literal(last.astimezone(UTC).date(), sa.Date)
    return _PlusDays(last, cadence)


class _PlusDays(FunctionElement):
    """A date plus a number of days, as each engine writes it."""

    type = sa.Date()
    inherit_cache = True


@compiles(_PlusDays)
def _plus_days(element, compiler, **kw) -> str:
    day, days = (compiler.process(c, **kw) for c in element.clauses)
    return f"(CAST({day} AS DATE) + {days})"  # PostgreSQL: date + integer is a date


@compiles(_PlusDays, "sqlite")
def _plus_days_sqlite(element, compiler, **kw) -> str:
    day, days = (compiler.process(c, **kw) for c in element.clauses)
    return f"date({day}, '+' || {days} || ' days')"
