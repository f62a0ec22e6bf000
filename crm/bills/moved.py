"""What moved on the tracked bills: the changes the refresh of the official record found this
week (new cosponsors, withdrawals, actions, referrals), each with the directory person it names
and that person's relationship holder. Read by the dashboard panel and the weekly digest, one
statement each. The official record is public: nothing here depends on who reads it, except
which of the new cosponsors are the reader's own offices."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from crm.extensions import db
from crm.models import Bill, BillChange, Person

WEEK = timedelta(days=7)
KIND_LABELS = {
    "cosponsor": "New cosponsor",
    "withdrawn": "Cosponsor withdrew",
    "action": "Action",
    "referral": "Referred to",
}


@dataclass(frozen=True)
class BillMove:
    """One change to a tracked bill (cosponsor, withdrawal, action, referral) and whom it names."""

    bill_id: int
    bill_label: str
    bill_title: str
    kind: str  # cosponsor, withdrawn, action, referral
    happened_on: date | None
    detail: str
    person_id: int | None  # the directory's person the change names (by bioguide id)
    person_name: str | None
    holder_id: int | None  # that person's relationship holder

    @property
    def kind_label(self) -> str:
        """The kind of change in words."""
        return KIND_LABELS.get(self.kind, self.kind)


@functools.cache
def bill_moves_select(limit: int) -> sa.Select:
    """bill_moves' statement, built once per limit (the start bound as `since`)."""
    return (
        sa.select(
            Bill.id,
            Bill.number,
            Bill.title,
            BillChange.kind,
            BillChange.happened_on,
            BillChange.detail,
            Person.id,
            Person.full_name,
            Person.holder_id,
        )
        .join(Bill, Bill.id == BillChange.bill_id)
        .outerjoin(
            Person,
            sa.and_(Person.bioguide_id == BillChange.bioguide_id, Person.deleted_at.is_(None)),
        )
        .where(
            Bill.tracked.is_(True),
            BillChange.recorded_at >= sa.bindparam("since", type_=BillChange.recorded_at.type),
        )
        .order_by(BillChange.happened_on.desc().nulls_last(), BillChange.id.desc())
        .limit(limit)
    )


def bill_moves(since: datetime, limit: int = 200) -> list[BillMove]:
    """Changes recorded on tracked bills since a time, newest first by their record date, in
    one statement."""
    rows = db.session.execute(bill_moves_select(limit), {"since": since}).all()
    return [BillMove(*row) for row in rows]


def my_cosponsors(moves: list[BillMove], user_id: int) -> list[BillMove]:
    """The new cosponsors among the moves whose relationship the user holds."""
    return [m for m in moves if m.kind == "cosponsor" and m.holder_id == user_id]


def what_moved(user_id: int, now: datetime, limit: int = 8) -> dict:
    """The dashboard panel: this week's moves on tracked bills, and the user's own offices
    among the new cosponsors (one statement)."""
    moves = bill_moves(now - WEEK)
    return {"moves": moves[:limit], "total": len(moves), "mine": my_cosponsors(moves, user_id)}
