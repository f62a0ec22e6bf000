"""Column types and mixins shared by the models."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from crm.clock import utcnow


class UTCDateTime(sa.types.TypeDecorator):
    """Stores naive UTC, returns aware UTC: the same on SQLite and PostgreSQL."""

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        """The aware datetime as naive UTC for the database; naive input is refused."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        """The stored naive UTC value as an aware UTC datetime."""
        return None if value is None else value.replace(tzinfo=UTC)


class Timestamps:
    """When the row was created and last updated (UTC)."""

    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class SoftDelete:
    """Soft-deleted rows stay restorable by a coordinator and never show in pages or jobs."""

    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def is_deleted(self) -> bool:
        """True when the row is soft-deleted."""
        return self.deleted_at is not None


class Versioned:
    """Optimistic locking: a stale edit raises StaleDataError instead of overwriting."""

    version: Mapped[int] = mapped_column(default=1)

    @declared_attr.directive
    def __mapper_args__(cls):
        return {"version_id_col": cls.__table__.c.version}


def insert_or_skip(model, rows: list[dict], key: list[str], returning: tuple = ()) -> list:
    """INSERT rows, silently skipping those whose unique `key` already exists; returns the
    inserted rows' `returning` columns (default: id).

    The database decides (ON CONFLICT DO NOTHING), not a check-then-insert, so two processes
    inserting the same key at once produce one row. Callers pass rows in a stable order, so
    concurrent inserts of overlapping sets cannot deadlock on PostgreSQL.
    """
    from crm.extensions import db

    if not rows:
        return []
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:  # pragma: no cover - only SQLite and PostgreSQL are supported
        raise NotImplementedError(dialect)
    table = model.__table__
    cols = [table.c[name] for name in (returning or ("id",))]
    stmt = insert(table).on_conflict_do_nothing(index_elements=key).returning(*cols)
    result = db.session.execute(stmt, rows) if len(rows) > 1 else db.session.execute(stmt, rows[0])
    return list(result.all())
