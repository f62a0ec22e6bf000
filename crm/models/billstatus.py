"""The official record of a bill, from the Bill Status XML of the Library of Congress / GPO:
sponsors and cosponsors, actions, committees referred, and what each refresh found changed."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.extensions import db
from crm.models.base import UTCDateTime


class BillSponsor(db.Model):
    """A sponsor or cosponsor as the record names them. People are matched to the directory by
    bioguide id when read (Person.bioguide_id), so a member who joins the directory later is
    linked without touching these rows."""

    __tablename__ = "bill_sponsors"

    id: Mapped[int] = mapped_column(primary_key=True)
    bill_id: Mapped[int] = mapped_column(sa.ForeignKey("bills.id"))
    role: Mapped[str] = mapped_column(sa.String(10))  # sponsor, cosponsor
    bioguide_id: Mapped[str] = mapped_column(sa.String(10))
    full_name: Mapped[str] = mapped_column(sa.String(200))  # "Rep. Davis, Rodney [R-IL-13]"
    first_name: Mapped[str | None] = mapped_column(sa.String(100))
    last_name: Mapped[str | None] = mapped_column(sa.String(100))
    party: Mapped[str | None] = mapped_column(sa.String(5))
    state: Mapped[str | None] = mapped_column(sa.String(2))
    district: Mapped[str | None] = mapped_column(sa.String(10))
    original: Mapped[bool] = mapped_column(default=False)
    sponsored_on: Mapped[date | None]
    withdrawn_on: Mapped[date | None]

    __table_args__ = (
        sa.UniqueConstraint("bill_id", "role", "bioguide_id"),
        sa.Index("ix_bill_sponsors_bioguide", "bioguide_id", "bill_id"),
    )


class BillAction(db.Model):
    """One action of the record. The same step often appears once per reporting system (House
    floor, Senate, Library of Congress): each is kept, with its source."""

    __tablename__ = "bill_actions"

    id: Mapped[int] = mapped_column(primary_key=True)
    bill_id: Mapped[int] = mapped_column(sa.ForeignKey("bills.id"))
    acted_on: Mapped[date]
    text: Mapped[str] = mapped_column(sa.Text)
    action_type: Mapped[str | None] = mapped_column(sa.String(40))
    action_code: Mapped[str | None] = mapped_column(sa.String(20))
    source: Mapped[str | None] = mapped_column(sa.String(80))
    committee_codes: Mapped[str | None] = mapped_column(sa.String(200))  # "hswm00 hsif14"

    __table_args__ = (sa.Index("ix_bill_actions_bill", "bill_id", "acted_on"),)


class BillCommittee(db.Model):
    """A committee or subcommittee the bill was referred to, linked to the directory's committee
    by its code (GPO's "ssju04" is the directory's SSJU04, "hswm00" its HSWM)."""

    __tablename__ = "bill_committees"

    id: Mapped[int] = mapped_column(primary_key=True)
    bill_id: Mapped[int] = mapped_column(sa.ForeignKey("bills.id"))
    system_code: Mapped[str] = mapped_column(sa.String(10))
    committee_id: Mapped[int | None] = mapped_column(sa.ForeignKey("committees.id"))
    name: Mapped[str] = mapped_column(sa.String(255))
    chamber: Mapped[str | None] = mapped_column(sa.String(10))
    activity: Mapped[str | None] = mapped_column(sa.String(60))  # the latest: "Referred to", ...
    activity_on: Mapped[date | None]

    committee = relationship("Committee")

    __table_args__ = (sa.UniqueConstraint("bill_id", "system_code"),)


class BillChange(db.Model):
    """What a refresh of the record found new: a cosponsor, a withdrawal, an action, a referral,
    with the date the record gives it (the digest and the bill page read these)."""

    __tablename__ = "bill_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    bill_id: Mapped[int] = mapped_column(sa.ForeignKey("bills.id"))
    kind: Mapped[str] = mapped_column(sa.String(20))  # cosponsor, withdrawn, action, referral
    happened_on: Mapped[date | None]
    detail: Mapped[str] = mapped_column(sa.String(500))
    bioguide_id: Mapped[str | None] = mapped_column(sa.String(10))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (sa.Index("ix_bill_changes_bill", "bill_id", "happened_on"),)
