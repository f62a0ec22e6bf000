"""The Conrad 30 program, state by state: each federal fiscal year (from 1 October) a state may
recommend 30 J-1 physicians for a waiver, 10 of them "flex" (outside shortage areas); and the
state's licensure pathway for internationally trained physicians."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.extensions import db
from crm.models.base import Timestamps, Versioned

SLOTS = 30
FLEX_SLOTS = 10
PATHWAY_STATUSES = {
    "none": "No pathway",
    "bill_pending": "Bill pending",
    "law_passed": "Law passed, board rules pending",
    "in_effect": "In effect",
}


class Conrad30Year(Timestamps, Versioned, db.Model):
    """One state's program in one federal fiscal year."""

    __tablename__ = "conrad30_years"

    id: Mapped[int] = mapped_column(primary_key=True)
    state: Mapped[str] = mapped_column(sa.String(2))
    fiscal_year: Mapped[int]  # FY2027 runs from 1 October 2026 to 30 September 2027
    slots_used: Mapped[int] = mapped_column(default=0)
    flex_used: Mapped[int] = mapped_column(default=0)
    window_opens: Mapped[date | None]
    window_closes: Mapped[date | None]
    program_office_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organizations.id"))
    coordinator_id: Mapped[int | None] = mapped_column(sa.ForeignKey("people.id"))
    covering_member_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    notes: Mapped[str | None] = mapped_column(sa.Text)

    program_office = relationship("Organization")
    coordinator = relationship("Person")
    covering_member = relationship("User")

    __table_args__ = (
        sa.UniqueConstraint("state", "fiscal_year"),
        sa.CheckConstraint("slots_used BETWEEN 0 AND 30", name="slots_range"),
        sa.CheckConstraint("flex_used BETWEEN 0 AND 10", name="flex_range"),
        sa.Index("ix_conrad30_window", "window_opens"),
    )


class LicensurePathway(Timestamps, db.Model):
    """A state's path to a licence for physicians trained abroad without a US residency."""

    __tablename__ = "licensure_pathways"

    id: Mapped[int] = mapped_column(primary_key=True)
    state: Mapped[str] = mapped_column(sa.String(2), unique=True)
    status: Mapped[str] = mapped_column(sa.String(20), default="none")
    law_year: Mapped[int | None]
    notes: Mapped[str | None] = mapped_column(sa.Text)
