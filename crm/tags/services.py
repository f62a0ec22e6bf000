"""Tags: coordinators keep the list (create, rename, retire, reinstate); members put them on
people, organizations and the contacts they may see; the list with how often each is used."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from crm import audit
from crm.errors import DomainError, NotAllowed
from crm.extensions import db
from crm.models import (
    TAGGABLE,
    Interaction,
    Organization,
    Person,
    Tag,
    User,
    interaction_tags,
    organization_tags,
    person_tags,
)


def require_coordinator(actor: User) -> None:
    """Raise NotAllowed unless the actor is a coordinator."""
    if not actor.is_coordinator:
        raise NotAllowed("Only coordinators change the list of tags.")


def get_tag(tag_id: int, viewer: User) -> Tag:
    """The tag with this id (retired ones too); LookupError when missing."""
    tag = db.session.get(Tag, tag_id)
    if tag is None:
        raise LookupError(tag_id)
    return tag


def clean_name(name: str | None, tag: Tag | None = None) -> tuple[str, str]:
    """The name as typed (spaces tidied) and its key; refused when another tag has that key."""
    name = " ".join((name or "").split())
    if not name:
        raise DomainError("Name the tag.", field="name")
    if len(name) > 60:
        raise DomainError("Keep a tag under 61 characters.", field="name")
    key = Tag.key_of(name)
    other = db.session.scalar(sa.select(Tag).where(Tag.name_key == key))
    if other is not None and other is not tag:
        state = " (retired: reinstate it)" if other.retired_at else ""
        raise DomainError(f"There is a tag “{other.name}” already{state}.", field="name")
    return name, key


def create_tag(actor: User, name: str, now: datetime) -> Tag:
    """Add a tag to the list."""
    require_coordinator(actor)
    name, key = clean_name(name)
    tag = Tag(name=name, name_key=key)
    db.session.add(tag)
    db.session.flush()
    audit.record(actor, "create", tag, after={"name": name}, now=now)
    db.session.commit()
    return tag


def rename_tag(actor: User, tag: Tag, name: str, now: datetime) -> None:
    """Rename a tag everywhere it is used (records link to the tag, not to its name)."""
    require_coordinator(actor)
    name, key = clean_name(name, tag)
    if name != tag.name:
        audit.record(actor, "update", tag, {"name": tag.name}, {"name": name}, now)
        tag.name, tag.name_key = name, key
        db.session.commit()


def retire_tag(actor: User, tag: Tag, now: datetime) -> None:
    """Take a tag out of pickers, filters and records; its links stay for a reinstate."""
    require_coordinator(actor)
    if tag.retired_at is None:
        tag.retired_at = now
        audit.record(actor, "retire", tag, now=now)
        db.session.commit()


def reinstate_tag(actor: User, tag: Tag, now: datetime) -> None:
    """Bring a retired tag back into use (coordinators; audited), and commit."""
    require_coordinator(actor)
    if tag.retired_at is not None:
        tag.retired_at = None
        audit.record(actor, "reinstate", tag, now=now)
        db.session.commit()


def set_tag(
    actor: User,
    kind: str,
    record: Person | Organization | Interaction,
    tag_id: int | None,
    applied: bool,
    now: datetime,
) -> Tag:
    """Put a tag on a record or take it off. The caller loaded the record as the actor may see
    it (a private contact only for its audience), so whoever sees it may tag it."""
    table, column = TAGGABLE[kind]
    tag = db.session.get(Tag, tag_id) if tag_id else None
    if tag is None or (applied and tag.retired_at is not None):
        raise DomainError("Choose a tag from the list.", field="tag_id")
    match = sa.and_(column == record.id, table.c.tag_id == tag.id)
    present = db.session.scalar(sa.select(sa.func.count()).select_from(table).where(match))
    if applied and not present:
        db.session.execute(table.insert().values({column.name: record.id, "tag_id": tag.id}))
    elif not applied and present:
        db.session.execute(table.delete().where(match))
    else:
        return tag
    audit.record(actor, "tag" if applied else "untag", record, after={"tag": tag.name}, now=now)
    db.session.commit()
    return tag


@dataclass
class TagRow:
    """A tag offered on a record, and whether the record has it."""

    id: int
    name: str
    applied: bool


def tags_on(kind: str, record_id: int) -> list[TagRow]:
    """Every listed tag, marked where it is on the record (one statement)."""
    return [TagRow(*row) for row in db.session.execute(Tag.on(kind, record_id))]


def tag_choices() -> list[tuple[int, str]]:
    """Listed tags, for the filters."""
    return [(t.id, t.name) for t in db.session.scalars(Tag.listed())]


@dataclass
class TagUse:
    """A tag and how many people, organizations and contacts carry it."""

    tag: Tag
    people: int
    organizations: int
    interactions: int


def list_tags(viewer: User) -> list[TagUse]:
    """The tags with how many people, organizations and contacts carry each; contacts counted
    as the viewer may see them (a private contact counts only for its audience)."""

    def counts(table, column, live, join_on) -> dict[int, int]:
        stmt = (
            sa.select(table.c.tag_id, sa.func.count())
            .join(join_on, column == join_on.id)
            .where(live)
            .group_by(table.c.tag_id)
        )
        return dict(db.session.execute(stmt).all())

    people = counts(person_tags, person_tags.c.person_id, Person.deleted_at.is_(None), Person)
    orgs = counts(
        organization_tags,
        organization_tags.c.organization_id,
        Organization.deleted_at.is_(None),
        Organization,
    )
    contacts = dict(
        db.session.execute(
            sa.select(interaction_tags.c.tag_id, sa.func.count())
            .join(Interaction, Interaction.id == interaction_tags.c.interaction_id)
            .where(Interaction.in_audience(viewer), Interaction.deleted_at.is_(None))
            .group_by(interaction_tags.c.tag_id)
        ).all()
    )
    stmt = sa.select(Tag).order_by(Tag.retired_at.is_not(None), Tag.name_key)
    if not viewer.is_coordinator:
        stmt = stmt.where(Tag.retired_at.is_(None))
    return [
        TagUse(t, people.get(t.id, 0), orgs.get(t.id, 0), contacts.get(t.id, 0))
        for t in db.session.scalars(stmt)
    ]
