"""Coordinated outreach: assignments, campaigns, follow-up templates."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.ext.hybrid import hybrid_method, hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.sql import Select

from crm.extensions import db
from crm.models.base import SoftDelete, Timestamps, UTCDateTime, Versioned
from crm.models.directory import Person

if TYPE_CHECKING:
    from crm.models.user import User

ASSIGNMENT_STATUSES = {
    "open": "Open",
    "in_progress": "In progress",
    "done": "Done",
    "cancelled": "Cancelled",
}
ACTIVE_STATUSES = ("open", "in_progress")  # work still to do
DUE_SOON_DAYS = 7  # "due soon": due today or within the next 7 days
PRIORITIES = {"low": "Low", "normal": "Normal", "high": "High"}


class Campaign(Timestamps, SoftDelete, db.Model):
    """An outreach campaign: a goal, an issue or bill, and a target filter of people."""

    __tablename__ = "campaigns"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    goal: Mapped[str | None] = mapped_column(sa.Text)
    issue_id: Mapped[int | None] = mapped_column(sa.ForeignKey("issues.id"))
    bill_id: Mapped[int | None] = mapped_column(sa.ForeignKey("bills.id"))
    target_filter: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    # Targets from a saved list: its filter, as it is when the campaign is read (target_filter
    # keeps a copy, used if the list is deleted).
    saved_list_id: Mapped[int | None] = mapped_column(sa.ForeignKey("saved_lists.id"))
    starts_on: Mapped[date | None]
    ends_on: Mapped[date | None]
    status: Mapped[str] = mapped_column(sa.String(20), default="active")
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))

    issue = relationship("Issue")
    bill = relationship("Bill")
    created_by = relationship("User")
    saved_list = relationship("SavedList")


class Assignment(Timestamps, SoftDelete, Versioned, db.Model):
    """Outreach a member is asked to do about a person or office, with a due date and status."""

    __tablename__ = "assignments"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int | None] = mapped_column(sa.ForeignKey("people.id"), index=True)
    organization_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organizations.id"))
    issue_id: Mapped[int | None] = mapped_column(sa.ForeignKey("issues.id"))
    bill_id: Mapped[int | None] = mapped_column(sa.ForeignKey("bills.id"))
    campaign_id: Mapped[int | None] = mapped_column(sa.ForeignKey("campaigns.id"), index=True)
    assignee_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    title: Mapped[str] = mapped_column(sa.String(200))
    notes: Mapped[str | None] = mapped_column(sa.Text)
    due_on: Mapped[date | None]
    priority: Mapped[str] = mapped_column(sa.String(10), default="normal")
    status: Mapped[str] = mapped_column(sa.String(20), default="open")
    snoozed_until: Mapped[date | None]
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_interaction_id: Mapped[int | None] = mapped_column(sa.ForeignKey("interactions.id"))
    source: Mapped[str] = mapped_column(
        sa.String(20), default="manual"
    )  # campaign, cadence, follow-up
    # A follow-up's contact: its title was typed in that log, so it is as private as the log.
    from_interaction_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("interactions.id"), index=True
    )
    # For cadence follow-ups: the lapse this assignment answers, so each lapse makes one.
    lapse_key: Mapped[str | None] = mapped_column(sa.String(80), unique=True)

    person = relationship("Person")
    organization = relationship("Organization")
    issue = relationship("Issue")
    bill = relationship("Bill")
    campaign = relationship("Campaign")
    assignee = relationship("User", foreign_keys=[assignee_id])
    created_by = relationship("User", foreign_keys=[created_by_id])

    @classmethod
    def readable_by(cls, viewer: User | None) -> sa.ColumnElement[bool]:
        """Assignments the viewer may see: all but the follow-ups of private contacts outside
        the viewer's audience (Interaction.source_readable), which only their assignee also
        sees."""
        from crm.models.interaction import Interaction

        if viewer is not None and viewer.is_coordinator:
            return sa.true()
        clauses = [Interaction.source_readable(cls.from_interaction_id, viewer, live=False)]
        if viewer is not None:
            clauses.append(cls.assignee_id == viewer.id)
        return sa.or_(*clauses)

    @classmethod
    def visible_to(cls, viewer: User | None) -> Select:
        """The assignments the viewer may see, as a select (deleted ones included: the
        callers' own state predicates decide about those)."""
        return sa.select(cls).where(cls.readable_by(viewer))

    __table_args__ = (
        sa.Index("ix_assignments_assignee_status", "assignee_id", "status", "due_on"),
        sa.Index("ix_assignments_status_due", "status", "due_on"),
    )

    # ---- the state of the work: each rule once, for a loaded row and in SQL alike ----
    # The hybrids read only the row's own columns; `shown()`, `active()` and `overdue()` add
    # what a list of work also needs (not deleted, not about a deleted person) for queries.

    @hybrid_property
    def is_open(self) -> bool:
        """Open or in progress: work still to do."""
        return self.status in ACTIVE_STATUSES

    @is_open.inplace.expression
    @classmethod
    def _is_open_expression(cls) -> sa.ColumnElement[bool]:
        return cls.status.in_(ACTIVE_STATUSES)

    @hybrid_method
    def is_snoozed(self, today: date) -> bool:
        """Snoozed past `today` (snoozed until today means awake today)."""
        return self.snoozed_until is not None and self.snoozed_until > today

    @is_snoozed.expression
    @classmethod
    def _is_snoozed_expression(cls, today) -> sa.ColumnElement[bool]:
        # NULL-safe, so that ~is_snoozed(today) keeps the rows never snoozed.
        return sa.and_(cls.snoozed_until.is_not(None), cls.snoozed_until > today)

    @hybrid_method
    def is_overdue(self, today: date) -> bool:
        """Open, due before `today`, and not snoozed past it."""
        return (
            self.is_open
            and self.due_on is not None
            and self.due_on < today
            and not self.is_snoozed(today)
        )

    @is_overdue.expression
    @classmethod
    def _is_overdue_expression(cls, today) -> sa.ColumnElement[bool]:
        return sa.and_(cls.is_open, cls.due_on < today, ~cls.is_snoozed(today))

    @hybrid_method
    def is_due_soon(self, today: date) -> bool:
        """Open, due today or within DUE_SOON_DAYS, and not snoozed."""
        return (
            self.is_open
            and self.due_on is not None
            and today <= self.due_on <= today + timedelta(days=DUE_SOON_DAYS)
            and not self.is_snoozed(today)
        )

    @is_due_soon.expression
    @classmethod
    def _is_due_soon_expression(cls, today) -> sa.ColumnElement[bool]:
        return sa.and_(
            cls.is_open,
            cls.due_on >= today,
            cls.due_on <= today + timedelta(days=DUE_SOON_DAYS),
            ~cls.is_snoozed(today),
        )

    @classmethod
    def shown(cls) -> sa.ColumnElement[bool]:
        """Not deleted, and not about a deleted person (restoring either brings the work back)."""
        gone = sa.select(Person.id).where(Person.deleted_at.is_not(None))
        return sa.and_(
            cls.deleted_at.is_(None),
            sa.or_(cls.person_id.is_(None), cls.person_id.not_in(gone)),
        )

    @classmethod
    def active(cls) -> sa.ColumnElement[bool]:
        """Work to do that lists show: open or in progress, and shown."""
        return sa.and_(cls.is_open, cls.shown())

    @classmethod
    def overdue(cls, today: date) -> sa.ColumnElement[bool]:
        """Late work that lists and counts show: shown, and is_overdue(today)."""
        return sa.and_(cls.shown(), cls.is_overdue(today))

    @property
    def target_name(self) -> str:
        """Whom the work is about: the person, else the office or agency."""
        if self.person is not None:
            return self.person.full_name
        return self.organization.name if self.organization is not None else ""


class FollowUpTemplate(Timestamps, db.Model):
    """A follow-up the quick log offers ("send the one-pager" in 2 days)."""

    __tablename__ = "follow_up_templates"

    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(sa.String(120), unique=True)
    due_in_days: Mapped[int] = mapped_column(default=3)
    active: Mapped[bool] = mapped_column(default=True)
    position: Mapped[int] = mapped_column(default=0)
