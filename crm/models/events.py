"""Advocacy days: members meet a list of offices in one day; each meeting has a time, a place,
the members attending and a lead, and becomes a logged contact after the day (the debrief)."""

from __future__ import annotations

from datetime import date, datetime, time

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.extensions import db
from crm.models.base import Timestamps, UTCDateTime, Versioned

day_members = sa.Table(
    "advocacy_day_members",
    db.metadata,
    sa.Column("day_id", sa.ForeignKey("advocacy_days.id"), primary_key=True),
    sa.Column("user_id", sa.ForeignKey("users.id"), primary_key=True),
)
meeting_members = sa.Table(
    "day_meeting_members",
    db.metadata,
    sa.Column("meeting_id", sa.ForeignKey("day_meetings.id"), primary_key=True),
    sa.Column("user_id", sa.ForeignKey("users.id"), primary_key=True),
)


class AdvocacyDay(Timestamps, Versioned, db.Model):
    """A lobby day: its date, hours, members, targets and meetings."""

    __tablename__ = "advocacy_days"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    day: Mapped[date]
    place: Mapped[str | None] = mapped_column(sa.String(200))  # "Capitol Hill, Washington DC"
    timezone: Mapped[str] = mapped_column(sa.String(64), default="America/New_York")
    starts: Mapped[time] = mapped_column(default=time(9, 0))
    ends: Mapped[time] = mapped_column(default=time(17, 0))
    meeting_minutes: Mapped[int] = mapped_column(default=30)
    min_gap_minutes: Mapped[int] = mapped_column(default=10)
    issue_id: Mapped[int | None] = mapped_column(sa.ForeignKey("issues.id"))
    bill_id: Mapped[int | None] = mapped_column(sa.ForeignKey("bills.id"))
    notes: Mapped[str | None] = mapped_column(sa.Text)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    issue = relationship("Issue")
    bill = relationship("Bill")
    members = relationship("User", secondary=day_members, order_by="User.name")
    targets: Mapped[list[DayTarget]] = relationship(
        back_populates="day", cascade="all, delete-orphan", order_by="DayTarget.id"
    )
    meetings: Mapped[list[DayMeeting]] = relationship(
        back_populates="day", cascade="all, delete-orphan", order_by="DayMeeting.starts_at"
    )


class DayTarget(db.Model):
    """An office the day means to meet (the legislator stands for the office)."""

    __tablename__ = "day_targets"

    id: Mapped[int] = mapped_column(primary_key=True)
    day_id: Mapped[int] = mapped_column(sa.ForeignKey("advocacy_days.id"))
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id"))

    day: Mapped[AdvocacyDay] = relationship(back_populates="targets")
    person = relationship("Person")

    __table_args__ = (sa.UniqueConstraint("day_id", "person_id"),)


class DayMeeting(db.Model):
    """One meeting of a lobby day with an office: when, where, who leads and attends."""

    __tablename__ = "day_meetings"

    id: Mapped[int] = mapped_column(primary_key=True)
    day_id: Mapped[int] = mapped_column(sa.ForeignKey("advocacy_days.id"), index=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    room: Mapped[str | None] = mapped_column(sa.String(60))
    building: Mapped[str | None] = mapped_column(sa.String(60))
    lead_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    interaction_id: Mapped[int | None] = mapped_column(sa.ForeignKey("interactions.id"))

    day: Mapped[AdvocacyDay] = relationship(back_populates="meetings")
    person = relationship("Person")
    lead = relationship("User", foreign_keys=[lead_id])
    members = relationship("User", secondary=meeting_members, order_by="User.name")
    interaction = relationship("Interaction")
