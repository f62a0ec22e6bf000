"""Tags (a coordinator's vocabulary) on people, organizations and contacts, and saved lists
(a named directory filter)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.sql import Select

from crm.extensions import db
from crm.models.base import Timestamps, UTCDateTime
from crm.models.directory import fold

person_tags = sa.Table(
    "person_tags",
    db.metadata,
    sa.Column("person_id", sa.ForeignKey("people.id"), primary_key=True),
    sa.Column("tag_id", sa.ForeignKey("tags.id"), primary_key=True),
    sa.Index("ix_person_tags_tag", "tag_id", "person_id"),
)
organization_tags = sa.Table(
    "organization_tags",
    db.metadata,
    sa.Column("organization_id", sa.ForeignKey("organizations.id"), primary_key=True),
    sa.Column("tag_id", sa.ForeignKey("tags.id"), primary_key=True),
    sa.Index("ix_organization_tags_tag", "tag_id", "organization_id"),
)
interaction_tags = sa.Table(
    "interaction_tags",
    db.metadata,
    sa.Column("interaction_id", sa.ForeignKey("interactions.id"), primary_key=True),
    sa.Column("tag_id", sa.ForeignKey("tags.id"), primary_key=True),
    sa.Index("ix_interaction_tags_tag", "tag_id", "interaction_id"),
)
# What a tag can be put on: the link table and its column naming the record.
TAGGABLE = {
    "person": (person_tags, person_tags.c.person_id),
    "organization": (organization_tags, organization_tags.c.organization_id),
    "interaction": (interaction_tags, interaction_tags.c.interaction_id),
}


class Tag(Timestamps, db.Model):
    """A label members put on records ("Conrad 30 champion", "Hill day 2027"); coordinators keep
    the list. A retired tag leaves pickers, filters and records; its links stay for a reinstate."""

    __tablename__ = "tags"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(60))
    # The name folded (case and accents): "Champion" and "champion" are one tag.
    name_key: Mapped[str] = mapped_column(sa.String(60), unique=True)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def __repr__(self) -> str:
        return f"<Tag {self.name}>"

    @staticmethod
    def key_of(name: str) -> str:
        """The tag's matching key: folded, single-spaced, at most 60 characters."""
        return " ".join(fold(name).split())[:60]

    @classmethod
    def listed(cls) -> Select:
        """Tags in use: not retired, by name."""
        return sa.select(cls).where(cls.retired_at.is_(None)).order_by(cls.name_key)

    @classmethod
    def on(cls, kind: str, record_id: int) -> Select:
        """(id, name, applied) for every listed tag, whether it is on the record: the record's
        tags and the picker's choices in one statement."""
        return (
            sa.select(cls.id, cls.name, cls.applied_to(kind, record_id).label("applied"))
            .where(cls.retired_at.is_(None))
            .order_by(cls.name_key)
        )

    @classmethod
    def applied_to(cls, kind: str, record_id: int) -> sa.ColumnElement[bool]:
        """Whether the tag is on the record (a column of a select over tags)."""
        table, column = TAGGABLE[kind]
        return sa.exists().where(column == record_id, table.c.tag_id == cls.id)

    @classmethod
    def tagged(cls, kind: str, tag_id: int) -> Select:
        """Ids of the records of a kind carrying the tag (a filter's IN clause)."""
        table, column = TAGGABLE[kind]
        return sa.select(column).where(table.c.tag_id == tag_id)


class SavedList(Timestamps, db.Model):
    """A named directory filter: the query string of the directory's filters, re-applied each
    time it is opened (a filter, not a frozen set of people). A member's own list is theirs
    alone; a coordinator may share one with everyone."""

    __tablename__ = "saved_lists"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    query: Mapped[str] = mapped_column(sa.String(2000))
    owner_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    shared: Mapped[bool] = mapped_column(default=False)

    owner = relationship("User")

    @classmethod
    def visible_to(cls, viewer) -> Select:
        """The lists a user may open: their own and the shared ones."""
        return sa.select(cls).where(sa.or_(cls.shared.is_(True), cls.owner_id == viewer.id))

    def changeable_by(self, user) -> bool:
        """Its owner, or a coordinator for a shared list."""
        return self.owner_id == user.id or (self.shared and user.is_coordinator)
