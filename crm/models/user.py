"""Coalition accounts, their sessions, sign-in throttles and second factors."""

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
# Titles before a name that a greeting skips ("Dr. Nia Newcomer" is greeted "Nia").
HONORIFICS = frozenset(
    {
        "dr",
        "prof",
        "professor",
        "sen",
        "senator",
        "rep",
        "representative",
        "mr",
        "ms",
        "mrs",
        "mx",
        "miss",
        "hon",
        "honorable",
        "the",
        "sir",
        "dame",
        "rev",
        "fr",
    }
)


def given_name(name: str) -> str | None:
    """The first word of a name that is not an honorific; None when there is none."""
    for word in name.split():
        if word.rstrip(".,").lower() not in HONORIFICS:
            return word.rstrip(",")
    return None


def new_token() -> str:
    """A new random URL-safe secret."""
    return secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    """What is stored of a secret that arrives in URLs: its SHA-256 (the token is random, so a
    fast hash is enough; a database dump does not reveal working URLs)."""
    return hashlib.sha256(token.encode()).hexdigest()


class User(UserMixin, Timestamps, db.Model):
    """A coalition member's account: role, preferences, password and two-factor state."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stored lower-cased: unique without regard to case on every engine.
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    # What to call them in greetings ("Hello, Nia"); empty: the first name, honorifics skipped.
    preferred_name: Mapped[str | None] = mapped_column(sa.String(60))
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
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # TOTP second factor: the shared secret (base32) once enrolment is confirmed, and the last
    # time step accepted, so one code cannot be used twice.
    totp_secret: Mapped[str | None] = mapped_column(sa.String(64))
    totp_enabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    totp_last_step: Mapped[int | None] = mapped_column(sa.BigInteger)

    sessions: Mapped[list[UserSession]] = relationship(back_populates="user")

    __table_args__ = (
        sa.CheckConstraint("role in ('member', 'coordinator', 'admin')", name="role"),
    )

    @staticmethod
    def listed() -> sa.Select:
        """The active members as (id, name), by name: the rows of the members pickers."""
        return (
            sa.select(User.id, User.name)
            .where(User.is_active.is_(True))
            .order_by(User.name, User.id)
        )

    def __repr__(self) -> str:
        return f"<User {self.email}>"

    # The server-side session this request belongs to (set when the session is loaded).
    session_token = None

    def get_id(self) -> str | None:
        """The id Flask-Login keeps: the server-side session's token, not the user id."""
        return self.session_token

    def new_calendar_token(self) -> str:
        """Give the user a new calendar feed secret; returns it (only its digest is kept)."""
        token = new_token()
        self.calendar_token_hash = token_digest(token)
        return token

    def has_role(self, role: str) -> bool:
        """True when the user's role is this one or above."""
        return ROLE_RANK[self.role] >= ROLE_RANK[role]

    @property
    def is_coordinator(self) -> bool:
        """True for coordinators and admins."""
        return self.has_role("coordinator")

    @property
    def is_admin(self) -> bool:
        """True for admins."""
        return self.has_role("admin")

    @property
    def has_two_factor(self) -> bool:
        """True when an authenticator app is set up and confirmed."""
        return self.totp_enabled_at is not None and bool(self.totp_secret)

    @property
    def first_name(self) -> str:
        """How pages and emails greet them: the preferred name, else the first name."""
        preferred = (self.preferred_name or "").strip()
        return preferred or given_name(self.name or "") or self.name or self.email

    @property
    def initials(self) -> str:
        """Up to two initials from the name (or email), for avatars."""
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
    # Last request seen (written at most once a minute): the idle lifetime counts from here.
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ip: Mapped[str | None] = mapped_column(sa.String(64))
    user_agent: Mapped[str | None] = mapped_column(sa.String(255))

    user: Mapped[User] = relationship(back_populates="sessions")

    @staticmethod
    def live_for(user_id: int, idle_since: datetime, started_since: datetime) -> sa.Select:
        """A user's sessions that are neither revoked nor past their idle or absolute lifetime."""
        return (
            sa.select(UserSession)
            .where(
                UserSession.user_id == user_id,
                UserSession.revoked_at.is_(None),
                UserSession.created_at > started_since,
                sa.func.coalesce(UserSession.last_seen_at, UserSession.created_at) > idle_since,
            )
            .order_by(
                sa.func.coalesce(UserSession.last_seen_at, UserSession.created_at).desc(),
                UserSession.id.desc(),
            )
        )


class SignInThrottle(db.Model):
    """An atomic counter of sign-in attempts in a fixed window, keyed "account:<email>",
    "address:<ip>" or "reset:<email>". `blocked_until` slows an address over its limit down to
    one password check at a time instead of refusing it outright."""

    __tablename__ = "sign_in_throttles"

    key: Mapped[str] = mapped_column(sa.String(320), primary_key=True)
    attempts: Mapped[int] = mapped_column(default=0)
    window_started_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    blocked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)


class RecoveryCode(db.Model):
    """A one-time code that stands in for the authenticator app; only its hash is kept."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    code_hash: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


TOKEN_SCOPES = ("read", "write")
TOKEN_PREFIX = "crm_pat_"


class ApiToken(db.Model):
    """A personal access token for the JSON API. It acts as its user, within its scopes, until
    it expires or is revoked. Only the SHA-256 of the secret is kept (shown once, when made)."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(80))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    # The first characters of the secret, so a member can tell their tokens apart.
    hint: Mapped[str] = mapped_column(sa.String(16))
    # "read" or "read write" (write implies read).
    scopes: Mapped[str] = mapped_column(sa.String(40), default="read")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Written at most once a minute (reads are not audited row by row: see crm/api/auth.py).
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_ip: Mapped[str | None] = mapped_column(sa.String(64))

    user: Mapped[User] = relationship()

    @property
    def scope_list(self) -> list[str]:
        """The token's scopes as a list."""
        return self.scopes.split()

    def allows(self, scope: str) -> bool:
        """True when the token has this scope."""
        return scope in self.scope_list

    def is_live(self, now: datetime) -> bool:
        """True when the token is not revoked or expired and its user is active."""
        return self.revoked_at is None and self.expires_at > now and self.user.is_active

    @staticmethod
    def new_secret() -> str:
        """A new token secret with the recognizable prefix."""
        return TOKEN_PREFIX + new_token()

    @staticmethod
    def digest(secret: str) -> str:
        """What is stored of a token secret: its SHA-256."""
        return token_digest(secret)


class BoundViewer:
    """Stands for the viewer while a statement is built once for every viewer of a kind: the
    visibility rules it is used with read only `is_coordinator` and `id`, which is bound at
    execution (`viewer_id`). Only for rules that use the id in SQL: a rule that compared it in
    Python would compare a bound parameter."""

    def __init__(self, is_coordinator: bool):
        self.is_coordinator = is_coordinator
        self.id = sa.bindparam("viewer_id", type_=sa.Integer)
