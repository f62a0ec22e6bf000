"""Personal access tokens: made in settings, shown once, stored as a digest, revocable."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa

from crm import audit
from crm.errors import DomainError, NotAllowed
from crm.extensions import db
from crm.models import TOKEN_SCOPES, ApiToken, User

EXPIRY_CHOICES = (7, 30, 90, 365)  # days
MAX_LIVE_TOKENS = 20


def tokens_of(user: User) -> list[ApiToken]:
    """The user's tokens, newest first (revoked and expired ones included, marked as such)."""
    return list(
        db.session.scalars(
            sa.select(ApiToken)
            .where(ApiToken.user_id == user.id)
            .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
        )
    )


def create_token(
    user: User, name: str, scopes: list[str], expires_in_days: int, now: datetime
) -> tuple[ApiToken, str]:
    """A new token acting as `user`; returns the row and the secret (never stored)."""
    name = (name or "").strip()
    if not name:
        raise DomainError("Name the token after what will use it.", field="name")
    if len(name) > 80:
        raise DomainError("Keep the name under 80 characters.", field="name")
    wanted = [s for s in TOKEN_SCOPES if s in set(scopes or [])]
    if not wanted:
        raise DomainError("Choose what the token may do.", field="scopes")
    if "write" in wanted and "read" not in wanted:
        wanted = ["read", "write"]  # a token that writes reads what it wrote
    if expires_in_days not in EXPIRY_CHOICES:
        raise DomainError("Choose when the token expires.", field="expires_in_days")
    live = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(ApiToken)
        .where(
            ApiToken.user_id == user.id,
            ApiToken.revoked_at.is_(None),
            ApiToken.expires_at > now,
        )
    )
    if live >= MAX_LIVE_TOKENS:
        raise DomainError(f"You have {live} live tokens. Revoke one first.", field="name")
    secret = ApiToken.new_secret()
    token = ApiToken(
        user_id=user.id,
        name=name,
        token_hash=ApiToken.digest(secret),
        hint=secret[: len("crm_pat_") + 4],
        scopes=" ".join(wanted),
        created_at=now,
        expires_at=now + timedelta(days=expires_in_days),
    )
    db.session.add(token)
    db.session.flush()
    audit.record(
        user,
        "create_api_token",
        token,
        after={"name": name, "scopes": token.scopes, "expires_at": token.expires_at.isoformat()},
        now=now,
    )
    db.session.commit()
    return token, secret


def revoke_token(actor: User, token_id: int, now: datetime) -> ApiToken:
    """Revoke one of my tokens (an admin may revoke anyone's); it stops working at once."""
    token = db.session.get(ApiToken, token_id)
    if token is None:
        raise LookupError(token_id)
    if token.user_id != actor.id and not actor.is_admin:
        raise NotAllowed("That token is not yours.")
    if token.revoked_at is None:
        token.revoked_at = now
        audit.record(actor, "revoke_api_token", token, after={"name": token.name}, now=now)
        db.session.commit()
    return token


def authenticate(secret: str, now: datetime) -> ApiToken | None:
    """The live token with this secret, or None (unknown, revoked, expired, user deactivated)."""
    if not secret or not secret.startswith("crm_pat_") or len(secret) > 200:
        return None
    token = db.session.scalar(
        sa.select(ApiToken).where(ApiToken.token_hash == ApiToken.digest(secret))
    )
    if token is None or not token.is_live(now):
        return None
    return token


USE_WRITE_INTERVAL = timedelta(minutes=1)


def note_use(token: ApiToken, ip: str | None, now: datetime) -> None:
    """Remember when and from where a token was last used, written at most once a minute so
    reads do not each cost a write."""
    if token.last_used_at is None or now - token.last_used_at >= USE_WRITE_INTERVAL:
        token.last_used_at = now
        token.last_used_ip = (ip or "")[:64] or None
        db.session.commit()
