"""Dashboard figures and readiness checks."""

from __future__ import annotations

import functools
from datetime import datetime, timedelta

import sqlalchemy as sa

from crm.clock import utcnow
from crm.extensions import db
from crm.interactions.services import FeedItem, feed_union, read_feed, recent_feed_select
from crm.models import BoundViewer, Interaction, Person, User


@functools.cache
def stats_select(is_coordinator: bool) -> sa.Select:
    """dashboard_stats' statement, built once per kind of viewer (the viewer bound as
    `viewer_id`, the start of the 30 days as `since`)."""
    viewer = BoundViewer(is_coordinator)
    since = sa.bindparam("since", type_=Interaction.occurred_at.type)
    recent = (Interaction.deleted_at.is_(None), Interaction.occurred_at >= since)
    hidden = Interaction.hidden_from(viewer)
    hidden_recent = (
        sa.select(sa.func.count()).select_from(hidden.where(*recent).subquery())
        if hidden is not None
        else sa.select(sa.literal(0))
    )
    never = (
        sa.select(sa.func.count())
        .select_from(Person)
        .where(
            Person.deleted_at.is_(None),
            Person.in_office.is_(True),
            Person.kind == "legislator",
            Person.last_contacted_at.is_(None),
        )
    )
    return sa.select(
        sa.func.count().filter(Interaction.logged_by_id == viewer.id),
        sa.func.count(),
        hidden_recent.scalar_subquery(),
        never.scalar_subquery(),
    ).where(*recent)


def dashboard_stats(user: User, now: datetime) -> dict:
    """Dashboard header counts: my contacts this month, the team's (those I may see), people
    never contacted: one statement whose cost is the last 30 days' contacts read from two
    covering indexes, not the log, however long it grows.

    The team's count is everyone's minus the private contacts hidden from me, counted on the
    small index of private contacts by date (the same rule as Interaction.in_audience)."""
    mine, everyone, hidden_n, never_n = db.session.execute(
        stats_select(user.is_coordinator),
        {"viewer_id": user.id, "since": now - timedelta(days=30)},
    ).one()
    return {"mine_30d": mine, "team_30d": everyone - hidden_n, "never_contacted": never_n}


@functools.cache
def feeds_select(is_coordinator: bool) -> sa.CompoundSelect:
    """The dashboard's two feeds, my 10 newest contacts and the team's 20 newest I may see,
    with their people and issues: one statement built once per kind of viewer (the viewer
    bound as `viewer_id`)."""
    viewer = BoundViewer(is_coordinator)
    return feed_union(
        recent_feed_select(viewer, limit=10, mine=True), recent_feed_select(viewer, limit=20)
    )


def dashboard_feeds(user: User) -> tuple[list[FeedItem], list[FeedItem]]:
    """My recent contacts and the team's, newest first (feeds_select)."""
    mine, team = read_feed(feeds_select(user.is_coordinator), 2, {"viewer_id": user.id})
    return [item for item, _ in mine], [item for item, _ in team]


def broker_check(config) -> str:
    """The job queue, as it really is: Redis answering, the embedded SQLite broker readable, or
    not used at all (inline jobs); "error: ..." otherwise."""
    redis_url = config.get("REDIS_URL")
    if redis_url:
        import redis

        try:
            redis.Redis.from_url(redis_url, socket_connect_timeout=1, socket_timeout=1).ping()
            return "ok"
        except Exception as exc:
            return f"error: {type(exc).__name__}"
    if config.get("JOBS_MODE") == "inline":
        return "not used: jobs run in the web process"
    url = str(config["CELERY"]["broker_url"])
    if not url.startswith("sqlalchemy+sqlite:///"):
        return f"error: unknown broker {url.split(':', 1)[0]}"
    path = url.removeprefix("sqlalchemy+sqlite:///")
    import sqlite3
    from contextlib import closing

    try:  # read-only: a check never creates the file
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=1)) as conn:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.Error as exc:  # no path in the answer: /readyz is public
        return f"error: the embedded broker cannot be opened ({exc})"
    return "ok (embedded SQLite broker)"


def readiness(config) -> dict:
    """The readiness check: database, broker and periodic jobs, and whether all are fine."""
    checks = {}
    try:
        db.session.execute(sa.text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as exc:  # reported, not raised: this is the health check
        db.session.rollback()
        checks["database"] = f"error: {type(exc).__name__}"
    checks["broker"] = broker_check(config)
    ready = checks["database"] == "ok" and not checks["broker"].startswith("error")
    jobs = {}
    if checks["database"] == "ok":
        from crm.heartbeat import late_jobs

        jobs = late_jobs(utcnow())
        checks["jobs"] = "ok" if not jobs else "late"
    return {"ready": ready and not jobs, "checks": checks, "late_jobs": jobs}
