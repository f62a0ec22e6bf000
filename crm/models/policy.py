"""What the coalition lobbies on: issues, bills, and each person's stated position."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.sql import Select

from crm.extensions import db
from crm.models.base import Timestamps, UTCDateTime

if TYPE_CHECKING:
    from crm.models.user import User

STANCES = {
    "support": "Support",
    "lean_support": "Lean support",
    "undecided": "Undecided",
    "lean_oppose": "Lean oppose",
    "oppose": "Oppose",
    "unknown": "Unknown",
}

bill_issues = sa.Table(
    "bill_issues",
    db.metadata,
    sa.Column("bill_id", sa.ForeignKey("bills.id"), primary_key=True),
    sa.Column("issue_id", sa.ForeignKey("issues.id"), primary_key=True),
)


class Issue(Timestamps, db.Model):
    """An issue the coalition works on, with talking points for meeting briefs."""

    __tablename__ = "issues"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200), unique=True)
    slug: Mapped[str] = mapped_column(sa.String(80), unique=True)
    description: Mapped[str | None] = mapped_column(sa.Text)
    active: Mapped[bool] = mapped_column(default=True)
    talking_points: Mapped[str | None] = mapped_column(sa.Text)  # printed on meeting briefs

    bills: Mapped[list[Bill]] = relationship(secondary=bill_issues, back_populates="issues")


class Bill(Timestamps, db.Model):
    """A federal or state bill, with what its official record says."""

    __tablename__ = "bills"

    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction: Mapped[str] = mapped_column(sa.String(2))  # US or a state code
    session: Mapped[str] = mapped_column(sa.String(40))  # "119" (Congress) or "2026"
    number: Mapped[str] = mapped_column(sa.String(40))  # "H.R. 1585"
    title: Mapped[str] = mapped_column(sa.String(500))
    status: Mapped[str | None] = mapped_column(sa.String(120))
    url: Mapped[str | None] = mapped_column(sa.String(500))
    introduced_on: Mapped[date | None]
    chamber: Mapped[str | None] = mapped_column(sa.String(10))  # chamber of origin
    # From the official record (Bill Status XML), for bills of Congress imported or refreshed.
    bill_type: Mapped[str | None] = mapped_column(sa.String(10))  # hr, s, hjres, sconres, ...
    policy_area: Mapped[str | None] = mapped_column(sa.String(200))
    latest_action_on: Mapped[date | None]
    latest_action: Mapped[str | None] = mapped_column(sa.Text)
    record: Mapped[dict | None] = mapped_column(sa.JSON)  # titles, subjects, texts, related, ...
    record_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    tracked: Mapped[bool] = mapped_column(default=False)
    talking_points: Mapped[str | None] = mapped_column(sa.Text)  # printed on meeting briefs

    issues: Mapped[list[Issue]] = relationship(secondary=bill_issues, back_populates="bills")

    __table_args__ = (sa.UniqueConstraint("jurisdiction", "session", "number"),)

    @property
    def label(self) -> str:
        """The bill's short label, e.g. "H.R. 1585 (119)"."""
        return Bill.label_of(self.jurisdiction, self.number, self.session)

    @staticmethod
    def label_of(jurisdiction: str, number: str, session: str) -> str:
        """e.g. "H.R. 1585 (119)", "TX HB 12 (89R)"."""
        where = "" if jurisdiction == "US" else f"{jurisdiction} "
        return f"{where}{number} ({session})"


class Position(db.Model):
    """Append-only: the latest row for (person, issue or bill) is the current position."""

    __tablename__ = "positions"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id"))
    issue_id: Mapped[int | None] = mapped_column(sa.ForeignKey("issues.id"))
    bill_id: Mapped[int | None] = mapped_column(sa.ForeignKey("bills.id"))
    stance: Mapped[str] = mapped_column(sa.String(20))
    commitment: Mapped[str | None] = mapped_column(sa.String(200))
    commitment_status: Mapped[str | None] = mapped_column(sa.String(10))  # pending, kept, broken
    notes: Mapped[str | None] = mapped_column(sa.Text)
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    interaction_id: Mapped[int | None] = mapped_column(sa.ForeignKey("interactions.id"), index=True)

    person = relationship("Person")
    issue: Mapped[Issue | None] = relationship()
    bill: Mapped[Bill | None] = relationship()
    recorded_by = relationship("User")

    @classmethod
    def counts_for(cls, viewer: User | None, entity=None) -> sa.ColumnElement[bool]:
        """The positions that count for the viewer: recorded directly, or stated in a contact
        that is not deleted and that the viewer may see (Interaction.in_audience). Everything
        that reads positions (current positions, history, commitments, changes) builds on it.

        Tested per position with one primary-key lookup of its contact: the cost follows the
        positions read, not the number of deleted and private contacts in the log."""
        from crm.models.interaction import Interaction

        entity = cls if entity is None else entity  # an aliased Position, for correlated reads
        return Interaction.source_readable(entity.interaction_id, viewer, live=True)

    @classmethod
    def visible_to(cls, viewer: User | None) -> Select:
        """The positions the viewer may see, as a select."""
        return sa.select(cls).where(cls.counts_for(viewer))

    __table_args__ = (
        sa.CheckConstraint("(issue_id IS NULL) <> (bill_id IS NULL)", name="one_subject"),
        sa.Index("ix_positions_person_issue", "person_id", "issue_id", "recorded_at"),
        sa.Index("ix_positions_issue", "issue_id", "recorded_at"),
        sa.Index("ix_positions_bill", "bill_id", "recorded_at"),
    )
