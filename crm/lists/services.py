"""Saved lists: a named directory filter, kept as the query string of the directory's filters and
applied again each time it is opened, exported or used by a campaign. A member's list is theirs
alone; a coordinator may share one with everyone."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import parse_qsl, urlencode

import sqlalchemy as sa
from werkzeug.datastructures import MultiDict

from crm import audit
from crm.errors import DomainError, NotAllowed
from crm.extensions import db
from crm.models import Campaign, SavedList, User
from crm.people.filters import DirectoryFilter

FIELDS = ("name", "query", "shared")


def filter_of(query: str) -> DirectoryFilter:
    """The directory filter a query string means (unknown keys and bad values dropped)."""
    try:
        pairs = parse_qsl(query or "", max_num_fields=50)
    except ValueError:  # more fields than any filter has
        pairs = []
    return DirectoryFilter.from_args(MultiDict(pairs))


def clean_query(query: str | None) -> str:
    """The filters of a directory query string, in their one spelling; refused when nothing is
    filtered (a list of the whole directory is the directory)."""
    flt = filter_of((query or "").lstrip("?"))
    if not flt.active:
        raise DomainError("Choose at least one filter in the directory, then save it as a list.")
    text = urlencode(flt.query_args())
    if len(text) > SavedList.__table__.c.query.type.length:
        raise DomainError("These filters are too long to save.")
    return text


def get_list(list_id: int, viewer: User) -> SavedList:
    """A list the viewer may open: their own or a shared one."""
    saved = db.session.scalar(SavedList.visible_to(viewer).where(SavedList.id == list_id))
    if saved is None:
        raise LookupError(list_id)
    return saved


def lists_for(viewer: User) -> list[SavedList]:
    """The viewer's lists and the shared ones, by name."""
    stmt = SavedList.visible_to(viewer).order_by(sa.func.lower(SavedList.name), SavedList.id)
    return list(db.session.scalars(stmt))


def save_list(actor: User, name: str, query: str, shared: bool, now: datetime) -> SavedList:
    """Save the directory's current filters under a name (shared: coordinators only)."""
    name = " ".join((name or "").split())
    if not name:
        raise DomainError("Name the list.", field="name")
    if len(name) > 120:
        raise DomainError("Keep the name under 121 characters.", field="name")
    if shared and not actor.is_coordinator:
        raise DomainError("Only coordinators share lists with everyone.", field="shared")
    saved = SavedList(name=name, query=clean_query(query), owner_id=actor.id, shared=shared)
    db.session.add(saved)
    db.session.flush()
    audit.record(actor, "create", saved, after=audit.snapshot(saved, FIELDS), now=now)
    db.session.commit()
    return saved


def delete_list(actor: User, saved: SavedList, now: datetime) -> None:
    """Delete a list; a campaign that took its targets from it keeps the filter as it was."""
    if not saved.changeable_by(actor):
        raise NotAllowed("Only its owner (or a coordinator, for a shared list) deletes a list.")
    db.session.execute(
        sa.update(Campaign).where(Campaign.saved_list_id == saved.id).values(saved_list_id=None)
    )
    audit.record(actor, "delete", saved, before=audit.snapshot(saved, FIELDS), now=now)
    db.session.delete(saved)
    db.session.commit()
