"""Reading assignments: my work, the team view with its filters, and a person's open work."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from crm.assignments.services import PRIORITY_ORDER, with_relations
from crm.clock import local_today
from crm.extensions import db
from crm.ids import parse_id
from crm.models import (
    ASSIGNMENT_STATUSES,
    Assignment,
    Campaign,
    Organization,
    Person,
    User,
)
from crm.offices import office_of
from crm.pagination import Page, clamp_page


@dataclass
class MyWork:
    """A member's open assignments, grouped: overdue, due soon, later, snoozed."""

    today: date
    overdue: list[Assignment]
    due_soon: list[Assignment]
    later: list[Assignment]
    snoozed: list[Assignment]
    truncated: bool = False

    @property
    def total(self) -> int:
        """How many assignments the page lists, across all four groups."""
        return len(self.overdue) + len(self.due_soon) + len(self.later) + len(self.snoozed)


@functools.cache
def my_work_select(limit: int) -> sa.Select:
    """my_work's statement, built once per limit (the assignee bound as `assignee_id`): the
    first limit + 1 open assignments by due date, priority and id, with their relations."""
    return with_relations(
        sa.select(Assignment)
        .where(
            Assignment.active(),
            Assignment.assignee_id == sa.bindparam("assignee_id", type_=sa.Integer),
        )
        .order_by(Assignment.due_on.asc().nulls_last(), PRIORITY_ORDER, Assignment.id)
        .limit(limit + 1)
    )


def my_work(user: User, now: datetime, *, limit: int = 300) -> MyWork:
    """The user's open work in one query, split into overdue, due soon, later and snoozed."""
    today = local_today(now, user.timezone)
    rows = list(db.session.scalars(my_work_select(limit), {"assignee_id": user.id}))
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
    """The team view's filters: assignee, status, campaign, due dates, overdue only."""

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
        """The statement narrowed to the shown assignments this filter asks for."""
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


@dataclass(slots=True)
class OpenWork:
    """An assignment as a person's page lists it: the columns shown, not the ORM object."""

    id: int
    title: str
    assignee_name: str
    person_id: int | None
    person_name: str | None
    due_on: date | None
    status: str


def open_work_select(person_id: int, viewer: User) -> sa.Select:
    """Open work on a person's page: the assignments for the person or anyone in their office
    that the viewer may see, as rows (id, title, assignee_name, person_id, person_name, due_on,
    status, rank), rank the order shown (due first, undated last). For open_work, or a UNION
    ALL with more of a page's rows."""
    assignee, target = aliased(User), aliased(Person)
    rank = sa.func.row_number().over(order_by=(Assignment.due_on.asc().nulls_last(), Assignment.id))
    return (
        Assignment.visible_to(viewer)
        .with_only_columns(
            Assignment.id,
            Assignment.title,
            assignee.name.label("assignee_name"),
            Assignment.person_id,
            target.full_name.label("person_name"),
            Assignment.due_on,
            Assignment.status,
            rank.label("rank"),
        )
        .join(assignee, assignee.id == Assignment.assignee_id)
        .outerjoin(target, target.id == Assignment.person_id)
        .where(Assignment.active(), Assignment.person_id.in_(office_of(person_id)))
    )


def open_work(rows) -> list[OpenWork]:
    """open_work_select() rows, in any order, as OpenWork in the order shown."""
    return [OpenWork(*r[:7]) for r in sorted(rows, key=lambda r: r[7])]
