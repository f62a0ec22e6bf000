"""The contact log: who met whom, when, about what."""

from __future__ import annotations

import functools
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Mapped, Session, aliased, mapped_column, relationship
from sqlalchemy.sql import Select

from crm.extensions import db
from crm.models.base import SoftDelete, Timestamps, UTCDateTime, Versioned

if TYPE_CHECKING:
    from crm.models.user import User

INTERACTION_KINDS = {
    "meeting": "Meeting",
    "call": "Call",
    "email": "Email",
    "virtual_meeting": "Virtual meeting",
    "letter": "Letter",
    "event": "Event",
    "hearing": "Hearing",
    "other": "Other",
}

# The people and members links carry a copy of the interaction's occurred_at (kept by
# sync_link_times below), so "a person's / a member's latest contacts" read the newest few
# entries of one index instead of sorting their whole history.
interaction_people = sa.Table(
    "interaction_people",
    db.metadata,
    sa.Column("interaction_id", sa.ForeignKey("interactions.id"), primary_key=True),
    sa.Column("person_id", sa.ForeignKey("people.id"), primary_key=True),
    sa.Column("occurred_at", UTCDateTime),
    sa.Index("ix_interaction_people_timeline", "person_id", "occurred_at", "interaction_id"),
)
interaction_members = sa.Table(
    "interaction_members",
    db.metadata,
    sa.Column("interaction_id", sa.ForeignKey("interactions.id"), primary_key=True),
    sa.Column("user_id", sa.ForeignKey("users.id"), primary_key=True),
    sa.Column("occurred_at", UTCDateTime),
    sa.Index("ix_interaction_members_timeline", "user_id", "occurred_at", "interaction_id"),
)
TIMED_LINKS = (interaction_people, interaction_members)
interaction_issues = sa.Table(
    "interaction_issues",
    db.metadata,
    sa.Column("interaction_id", sa.ForeignKey("interactions.id"), primary_key=True),
    sa.Column("issue_id", sa.ForeignKey("issues.id"), primary_key=True),
    sa.Index("ix_interaction_issues_issue", "issue_id", "interaction_id"),
)
interaction_bills = sa.Table(
    "interaction_bills",
    db.metadata,
    sa.Column("interaction_id", sa.ForeignKey("interactions.id"), primary_key=True),
    sa.Column("bill_id", sa.ForeignKey("bills.id"), primary_key=True),
    sa.Index("ix_interaction_bills_bill", "bill_id", "interaction_id"),
)


class StaffView:
    """The view of coordinators and admins (every audience), for a read made once on behalf
    of many of them (the digests' shared part)."""

    is_coordinator = True
    id = None


STAFF_VIEW = StaffView()


class Interaction(Timestamps, SoftDelete, Versioned, db.Model):
    """A contact with one or more people (meeting, call, email...), logged by a member."""

    __tablename__ = "interactions"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(20), default="meeting")
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    subject: Mapped[str | None] = mapped_column(sa.String(200))
    notes: Mapped[str | None] = mapped_column(sa.Text)
    outcome: Mapped[str | None] = mapped_column(sa.Text)
    private: Mapped[bool] = mapped_column(default=False)
    logged_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    # A contact with an organization itself (an agency's public line, a program office's inbox),
    # with or without people there named: it shows on the organization's timeline.
    organization_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organizations.id"))
    source: Mapped[str] = mapped_column(sa.String(10), default="web")
    # A random key the form carries, so a double submit records one interaction, not two.
    submission_key: Mapped[str | None] = mapped_column(sa.String(64), unique=True)

    logged_by = relationship("User", foreign_keys=[logged_by_id])
    organization = relationship("Organization")
    people = relationship("Person", secondary=interaction_people, order_by="Person.sort_name")
    members = relationship("User", secondary=interaction_members, order_by="User.name")
    issues = relationship("Issue", secondary=interaction_issues, order_by="Issue.name")
    bills = relationship("Bill", secondary=interaction_bills, order_by="Bill.number")

    __table_args__ = (
        # Covers "contacts in the last N days" counts (by whom, deleted or not) without reading
        # the rows, and serves every newest-first feed.
        sa.Index("ix_interactions_recent", "occurred_at", "deleted_at", "logged_by_id"),
        sa.Index("ix_interactions_logged_by", "logged_by_id", "occurred_at"),
        # An organization's timeline, newest first, and "contacted since assigned" for campaigns
        # that target organizations.
        sa.Index("ix_interactions_organization", "organization_id", "occurred_at"),
        # The few deleted contacts, found without scanning the log: their positions stop counting.
        sa.Index(
            "ix_interactions_deleted",
            "id",
            postgresql_where=sa.text("deleted_at IS NOT NULL"),
            sqlite_where=sa.text("deleted_at IS NOT NULL"),
        ),
        # The few private contacts, found without scanning the log: who may see what is decided
        # against this small set (see in_audience and hidden_from below).
        # (The predicates are spelled as the queries render `private == true()`.)
        sa.Index(
            "ix_interactions_private",
            "id",
            "logged_by_id",
            postgresql_where=sa.text("private = true"),
            sqlite_where=sa.text("private = 1"),
        ),
        # The private contacts by date: the dashboard subtracts those hidden from its viewer
        # from the last 30 days' count, reading only these entries (Interaction.hidden_from),
        # with the id its test of the members present needs, so no row is visited.
        sa.Index(
            "ix_interactions_private_recent",
            "occurred_at",
            "deleted_at",
            "logged_by_id",
            "id",
            postgresql_where=sa.text("private = true"),
            sqlite_where=sa.text("private = 1"),
        ),
        # Activity over time (reports, dashboard counts) read from the index alone (deleted_at is
        # in it so that SQLite sees the index covers the query).
        sa.Index(
            "ix_interactions_live_when_kind",
            "occurred_at",
            "kind",
            "deleted_at",
            postgresql_where=sa.text("deleted_at IS NULL"),
            sqlite_where=sa.text("deleted_at IS NULL"),
        ),
    )

    # ---- who may see what: THE visibility rule; every read path builds on these ----

    @classmethod
    def in_audience(cls, viewer: User | None) -> sa.ColumnElement[bool]:
        """True for contacts the viewer may read: every contact that is not private, and a
        private one only for its author, the members present, coordinators and admins.

        `viewer=None` is the view of a member in no private contact's audience (what digests
        share between recipients)."""
        hidden = cls.hidden_from(viewer)
        # NOT IN the hidden ids (from the private contacts' partial index), not a test per row:
        # counts over a long stretch of the log (reports) then still read only their covering
        # indexes. Reads that fetch the rows themselves use readable_by, the same rule per row.
        return sa.true() if hidden is None else cls.id.not_in(hidden)

    @classmethod
    def readable_by(cls, viewer: User | None, entity=None) -> sa.ColumnElement[bool]:
        """in_audience tested on each row: for reads that fetch the contacts' rows anyway (a
        timeline, a feed, one contact), so the cost is the rows read, not every private contact
        in the log. `entity` is an alias of Interaction (a correlated read of a source contact).
        """
        entity = cls if entity is None else entity
        if viewer is not None and viewer.is_coordinator:
            return sa.true()
        return sa.or_(entity.private == sa.false(), cls.involves(viewer, entity))

    @classmethod
    def source_readable(
        cls, interaction_id, viewer: User | None, *, live: bool
    ) -> sa.ColumnElement[bool]:
        """What is derived from a contact (a position, a follow-up) through the column
        `interaction_id` may be read by the viewer: it names no contact, or one the viewer may
        read (and, with `live`, not deleted). One indexed lookup of the source contact per
        derived row, however many private contacts the log holds."""
        source = source_contact()
        conditions = [source.id == interaction_id, cls.readable_by(viewer, source)]
        if live:
            conditions.append(source.deleted_at.is_(None))
        elif viewer is not None and viewer.is_coordinator:
            return sa.true()
        return sa.or_(interaction_id.is_(None), sa.exists().where(*conditions))

    @classmethod
    def involves(cls, viewer: User | None, entity=None) -> sa.ColumnElement[bool]:
        """The viewer logged the contact or was present (None: nobody)."""
        if viewer is None:
            return sa.false()
        entity = cls if entity is None else entity
        # A count of the one link row, not IN or EXISTS: PostgreSQL may turn either into a
        # "hashed SubPlan" that reads every contact the viewer was ever on (thousands) to test
        # the few private rows a feed or a count reaches; a scalar subquery is one probe of the
        # link's primary key per row that gets this far.
        present = (
            sa.select(sa.func.count())
            .select_from(interaction_members)
            .where(
                interaction_members.c.interaction_id == entity.id,
                interaction_members.c.user_id == viewer.id,
            )
            .scalar_subquery()
            > 0
        )
        return sa.or_(entity.logged_by_id == viewer.id, present)

    @classmethod
    def audience_of(cls, ids) -> Select:
        """(contact id, user id) for the members who may read these contacts besides
        coordinators and admins: each one's author and the members present (in_audience,
        listed instead of tested, for a read made once on behalf of many members)."""
        return sa.union(
            sa.select(cls.id, cls.logged_by_id).where(cls.id.in_(ids)),
            sa.select(interaction_members.c.interaction_id, interaction_members.c.user_id).where(
                interaction_members.c.interaction_id.in_(ids)
            ),
        )

    @classmethod
    def visible_to(cls, viewer: User | None, *, include_deleted: bool = False) -> Select:
        """The contacts the viewer may see (not deleted ones, unless asked), as a select."""
        stmt = sa.select(cls).where(cls.readable_by(viewer))
        return stmt if include_deleted else stmt.where(cls.deleted_at.is_(None))

    @classmethod
    def hidden_from(cls, viewer: User | None) -> Select | None:
        """Ids of the private contacts outside the viewer's audience (None when there are none
        by rule: coordinators and admins). What is derived from a contact (its positions, its
        follow-ups) is hidden exactly when its contact's id is in here."""
        if viewer is not None and viewer.is_coordinator:
            return None
        # Never correlated: a read that joins the log itself still tests against this set.
        return (
            sa.select(cls.id)
            .where(cls.private == sa.true(), sa.not_(cls.involves(viewer)))
            .correlate(None)
        )

    @property
    def named_author_id(self) -> int | None:
        """The author that records derived from this contact may name to everyone (a person's
        last contact, the work it settled): nobody for a private contact."""
        return None if self.private else self.logged_by_id

    def __repr__(self) -> str:
        return f"<Interaction {self.id} {self.kind} {self.occurred_at:%Y-%m-%d}>"


@functools.cache
def source_contact():
    """The contact a derived row (position, follow-up) came from, in correlated reads
    (Interaction.source_readable). Made once, after the mappers are configured: building an
    alias costs more than the lookup it serves."""
    return aliased(Interaction, name="source_contact")


def link_times_stale(obj: Interaction, new: bool) -> bool:
    """Whether this flush wrote people or members links, or moved a stored contact, so the
    links' copies of occurred_at need writing (the quick log inserts its links with the time)."""
    state = sa.inspect(obj)
    keys = ("people", "members") if new else ("occurred_at", "people", "members")
    return any(state.attrs[key].history.has_changes() for key in keys)


@event.listens_for(Session, "after_flush")
def sync_link_times(session: Session, _context) -> None:
    """Copy occurred_at onto the people and members links of interactions this flush added or
    changed (every write path goes through a flush, so the copies cannot drift)."""
    changed = [
        {"iid": obj.id, "at": obj.occurred_at}
        for objs, new in ((session.new, True), (session.dirty, False))
        for obj in objs
        if isinstance(obj, Interaction) and obj.id is not None and link_times_stale(obj, new)
    ]
    if not changed:
        return
    for link in TIMED_LINKS:
        session.connection().execute(
            sa.update(link)
            .where(link.c.interaction_id == sa.bindparam("iid"))
            .values(occurred_at=sa.bindparam("at")),
            changed,
        )
