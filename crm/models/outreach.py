"""Coordinated outreach: assignments, campaigns, follow-up templates."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.sql import Select

from crm.extensions import db
from crm.models.base import SoftDelete, Timestamps, UTCDateTime, Versioned

if TYPE_CHECKING:
    from crm.models.user import User

ASSIGNMENT_STATUSES = {
    "open": "Open",
    "in_progress": "In progress",
    "done": "Done",
    "cancelled": "Cancelled",
}
PRIORITIES = {"low": "Low", "normal": "Normal", "high": "High"}


class Campaign(Timestamps, SoftDelete, db.Model):
    __tablename__ = "campaigns"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    goal: Mapped[str | None] = mapped_column(sa.Text)
    issue_id: Mapped[int | None] = mapped_column(sa.ForeignKey("issues.id"))
    bill_id: Mapped[int | None] = mapped_column(sa.ForeignKey("bills.id"))
    target_filter: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    starts_on: Mapped[date | None]
    ends_on: Mapped[date | None]
    status: Mapped[str] = mapped_column(sa.String(20), default="active")
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))

    issue = relationship("Issue")
    bill = relationship("Bill")
    created_by = relationship("User")


class Assignment(Timestamps, SoftDelete, Versioned, db.Model):
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
        the viewer's audience (Interaction.hidden_from), which only their assignee also sees."""
        from crm.models.interaction import Interaction

        hidden = Interaction.hidden_from(viewer)
        if hidden is None:
            return sa.true()
        clauses = [cls.from_interaction_id.is_(None), cls.from_interaction_id.not_in(hidden)]
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


class FollowUpTemplate(Timestamps, db.Model):
    """A follow-up the quick log offers ("send the one-pager" in 2 days)."""

    __tablename__ = "follow_up_templates"

    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(sa.String(120), unique=True)
    due_in_days: Mapped[int] = mapped_column(default=3)
    active: Mapped[bool] = mapped_column(default=True)
    position: Mapped[int] = mapped_column(default=0)
