"""The audit trail: every service that changes data records who, what, before and after."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from crm.clock import utcnow
from crm.extensions import db
from crm.models import AuditEntry, User


def snapshot(obj: Any, fields: tuple[str, ...]) -> dict:
    """The listed attributes of a record, JSON-ready."""
    out = {}
    for f in fields:
        value = getattr(obj, f)
        if isinstance(value, (date, datetime, time)):
            value = value.isoformat()
        elif isinstance(value, (list, tuple, set)) and all(hasattr(v, "id") for v in value):
            value = sorted(v.id for v in value)  # linked records (a contact's people), as ids
        out[f] = value
    return out


def record(
    actor: User | None,
    action: str,
    entity: Any,
    before: dict | None = None,
    after: dict | None = None,
    now: datetime | None = None,
) -> AuditEntry:
    """Add an audit row to the current transaction (the caller commits)."""
    if entity.id is None:
        db.session.flush()
    entry = AuditEntry(
        actor_id=actor.id if actor else None,
        action=action,
        entity_type=entity.__tablename__,
        entity_id=entity.id,
        before=before,
        after=after,
        at=now or utcnow(),
    )
    db.session.add(entry)
    return entry


def changes(before: dict, after: dict) -> tuple[dict, dict]:
    """Only the fields that differ, as (before, after)."""
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after[k] for k in keys}


def record_saved(
    actor: User | None, entity: Any, before: dict | None, fields: tuple[str, ...], now: datetime
) -> None:
    """Audit a create (before is None), or only the fields an update changed (none: no row)."""
    after = snapshot(entity, fields)
    if before is None:
        record(actor, "create", entity, after=after, now=now)
        return
    b, a = changes(before, after)
    if a:
        record(actor, "update", entity, b, a, now)
