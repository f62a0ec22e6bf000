"""Coalition accounts, their sessions and sign-in failures."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.extensions import db
from crm.models.base import Timestamps, UTCDateTime

ROLES = ("member", "coordinator", "admin")
ROLE_RANK = {"member": 1, "coordinator": 2, "admin": 3}


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    """What is stored of a secret that arrives in URLs: its SHA-256 (the token is random, so a
    fast hash is enough; a database dump does not reveal working URLs)."""
    return hashlib.sha256(token.encode()).hexdigest()


class User(UserMixin, Timestamps, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stored lower-cased: unique without regard to case on every engine.
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    role: Mapped[str] = mapped_column(sa.String(20), default="member")
    organization: Mapped[str | None] = mapped_column(sa.String(200))
    home_state: Mapped[str | None] = mapped_column(sa.String(2), index=True)
    timezone: Mapped[str] = mapped_column(sa.String(64), default="America/New_York")
    digest_enabled: Mapped[bool] = mapped_column(default=True)
    digest_weekday: Mapped[int] = mapped_column(default=0)  # Monday
    digest_hour: Mapped[int] = mapped_column(default=7)
    reminders_enabled: Mapped[bool] = mapped_column(default=True)
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))
    is_active: Mapped[bool] = mapped_column(default=True)
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The SHA-256 of the calendar feed's secret; the secret itself is shown once, when made.
    # None: no feed yet.
    calendar_token_hash: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    invited_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    sessions: Mapped[list[UserSession]] = relationship(back_populates="user")

    __table_args__ = (
        sa.CheckConstraint("role in ('member', 'coordinator', 'admin')", name="role"),
    )

    def __repr__(self) -> str:
        return f"<User {self.email}>"

    # The server-side session this request belongs to (set when the session is loaded).
    session_token = None

    def get_id(self) -> str | None:
        return self.session_token

    def new_calendar_token(self) -> str:
        """Give the user a new calendar feed secret; returns it (only its digest is kept)."""
        token = new_token()
        self.calendar_token_hash = token_digest(token)
        return token

    def has_role(self, role: str) -> bool:
        return ROLE_RANK[self.role] >= ROLE_RANK[role]

    @property
    def is_coordinator(self) -> bool:
        return self.has_role("coordinator")

    @property
    def is_admin(self) -> bool:
        return self.has_role("admin")

    @property
    def first_name(self) -> str:
        return self.name.split()[0] if self.name else self.email

    @property
    def initials(self) -> str:
        parts = [p for p in (self.name or self.email).split() if p]
        return "".join(p[0] for p in parts[:2]).upper()


class UserSession(db.Model):
    """A server-side sign-in. Signing out revokes it, so a copied cookie stops working."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(sa.String(64), unique=True, default=new_token)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ip: Mapped[str | None] = mapped_column(sa.String(64))
    user_agent: Mapped[str | None] = mapped_column(sa.String(255))

    user: Mapped[User] = relationship(back_populates="sessions")


class LoginFailure(db.Model):
    """One failed sign-in, counted per account and per client address for throttling."""

    __tablename__ = "login_failures"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254))
    ip: Mapped[str] = mapped_column(sa.String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (
        sa.Index("ix_login_failures_email_at", "email", "at"),
        sa.Index("ix_login_failures_ip_at", "ip", "at"),
    )
