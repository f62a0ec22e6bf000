"""The one place that reads "now". Services take `now` as an argument; edges call utcnow()."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo, available_timezones


def utcnow() -> datetime:
    """Now, as an aware UTC datetime."""
    return datetime.now(UTC)


def utc_today() -> date:
    """Today in UTC, never the server's own zone: for the rare read with no `now` to hand."""
    return utcnow().date()


def as_utc(value: datetime) -> datetime:
    """An aware UTC datetime; naive values are taken to be UTC already."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def local(value: datetime, tz: str) -> datetime:
    """The datetime in zone `tz` (naive values are taken to be UTC)."""
    return as_utc(value).astimezone(ZoneInfo(tz))


def local_today(now: datetime, tz: str) -> date:
    """The date it is in zone `tz` at `now`."""
    return local(now, tz).date()


def from_local(naive: datetime, tz: str) -> datetime:
    """A wall-clock time entered by a user in zone `tz`, as aware UTC."""
    return naive.replace(tzinfo=ZoneInfo(tz)).astimezone(UTC)


def user_zone(tz: str | None) -> str:
    """A user's time zone name, or the coalition's (TIMEZONE) when it is empty or unknown."""
    from flask import current_app

    try:
        ZoneInfo(tz or "")
    except Exception:  # an unknown zone falls back to the coalition's
        return current_app.config["TIMEZONE"]
    return tz  # type: ignore[return-value]


def timezone_names() -> list[str]:
    """The IANA zone names a user can choose (Area/City ones, not Etc/ or SystemV/), sorted."""
    return sorted(
        z for z in available_timezones() if "/" in z and not z.startswith(("Etc/", "SystemV/"))
    )
