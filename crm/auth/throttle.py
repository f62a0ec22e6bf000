"""Sign-in throttles as atomic counters in the database.

Each attempt is counted by one INSERT ... ON CONFLICT DO UPDATE ... RETURNING, so parallel
requests in any number of workers each get their own, exact count (no read-then-write race), on
SQLite and PostgreSQL alike, and nothing depends on Redis being up.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from crm.extensions import db
from crm.models import SignInThrottle
from crm.models.base import UTCDateTime


@dataclass(frozen=True)
class Count:
    """Failed sign-ins for one key in the current window, and any block."""

    attempts: int
    window_started_at: datetime
    blocked_until: datetime | None = None

    def resets_in(self, now: datetime, window: timedelta) -> int:
        """Whole minutes (at least 1) until this window ends."""
        seconds = (self.window_started_at + window - now).total_seconds()
        return max(1, math.ceil(seconds / 60))


def _insert():
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert


def hit(key: str, now: datetime, window: timedelta) -> Count:
    """Count one attempt under `key` in its fixed window (a new window once the old one ended)."""
    t = SignInThrottle.__table__
    expired = t.c.window_started_at <= now - window
    stmt = (
        _insert()(t)
        .values(key=key[:320], attempts=1, window_started_at=now, blocked_until=None)
        .on_conflict_do_update(
            index_elements=["key"],
            set_={
                "attempts": sa.case((expired, 1), else_=t.c.attempts + 1),
                "window_started_at": sa.case(
                    (expired, sa.literal(now, UTCDateTime())), else_=t.c.window_started_at
                ),
                "blocked_until": sa.case((expired, sa.null()), else_=t.c.blocked_until),
            },
        )
        .returning(t.c.attempts, t.c.window_started_at, t.c.blocked_until)
    )
    row = db.session.execute(stmt).one()
    return Count(row.attempts, row.window_started_at, row.blocked_until)


def current(key: str, now: datetime, window: timedelta) -> Count | None:
    """The count in the window still running, or None."""
    t = SignInThrottle.__table__
    row = db.session.execute(
        sa.select(t.c.attempts, t.c.window_started_at, t.c.blocked_until).where(
            t.c.key == key[:320], t.c.window_started_at > now - window
        )
    ).first()
    return None if row is None else Count(row.attempts, row.window_started_at, row.blocked_until)


def claim_slot(key: str, now: datetime, delay: timedelta) -> bool:
    """Take the next slot of a slowed-down key: True for exactly one caller per slot.

    The UPDATE's own WHERE decides (PostgreSQL re-checks it on the locked row), so two
    parallel attempts cannot both get the slot.
    """
    t = SignInThrottle.__table__
    result = db.session.execute(
        sa.update(t)
        .where(
            t.c.key == key[:320],
            sa.or_(t.c.blocked_until.is_(None), t.c.blocked_until <= now),
        )
        .values(blocked_until=now + delay)
    )
    return result.rowcount == 1


def clear(key: str) -> None:
    """Forget the failed sign-ins for this key (after a successful sign-in)."""
    db.session.execute(sa.delete(SignInThrottle).where(SignInThrottle.key == key[:320]))


def purge(now: datetime, older_than: timedelta) -> None:
    """Forget windows that ended long ago (counters for mistyped addresses pile up otherwise)."""
    db.session.execute(
        sa.delete(SignInThrottle).where(
            SignInThrottle.window_started_at < now - older_than,
            sa.or_(SignInThrottle.blocked_until.is_(None), SignInThrottle.blocked_until < now),
        )
    )
