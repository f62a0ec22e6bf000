"""Accounts: passwords, sign-in with throttling, server-side sessions, invitations."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from crm import audit
from crm.email import absolute_url, dispatch, queue_email
from crm.errors import DomainError
from crm.extensions import db
from crm.models import ROLES, LoginFailure, User, UserSession

MIN_PASSWORD = 10
COMMON_PASSWORDS = {"password123", "1234567890", "qwertyuiop", "password1234", "letmein123"}


def hasher() -> PasswordHasher:
    """argon2id; a cheap variant under test so the suite stays fast."""
    if current_app.config.get("PASSWORD_HASH_FAST"):
        return PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    return PasswordHasher()


def check_password_policy(password: str, email: str = "") -> None:
    if len(password) < MIN_PASSWORD:
        raise DomainError(f"Use at least {MIN_PASSWORD} characters.", field="password")
    if len(password) > 256:
        raise DomainError("Use at most 256 characters.", field="password")
    lowered = password.lower()
    if lowered in COMMON_PASSWORDS or (email and lowered == email.lower()):
        raise DomainError("That password is too easy to guess.", field="password")


def set_password(user: User, password: str) -> None:
    check_password_policy(password, user.email)
    user.password_hash = hasher().hash(password)


def normalize_email(email: str) -> str:
    return (email or "").strip().lower()


def find_user(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == normalize_email(email)))


def create_user(
    *,
    email: str,
    name: str,
    role: str,
    password: str | None,
    actor: User | None,
    now: datetime,
    home_state: str | None = None,
    timezone: str | None = None,
    organization: str | None = None,
) -> User:
    """A new account (from the CLI or an accepted invitation)."""
    email = normalize_email(email)
    if role not in ROLES:
        raise DomainError(f"Role must be one of {', '.join(ROLES)}.", field="role")
    if find_user(email):
        raise DomainError("An account with this email already exists.", field="email")
    user = User(
        email=email,
        name=name.strip(),
        role=role,
        home_state=home_state,
        organization=organization,
        invited_by_id=actor.id if actor else None,
    )
    if timezone:
        user.timezone = timezone
    if password is not None:
        set_password(user, password)
    db.session.add(user)
    audit.record(actor, "create", user, after={"email": email, "role": role}, now=now)
    db.session.commit()
    return user


# ---- sign-in ----


class SignInRefused(DomainError):
    pass


def recent_failures(column, value: str, now: datetime) -> int:
    window = timedelta(seconds=current_app.config["LOGIN_FAILURE_WINDOW"])
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(LoginFailure)
        .where(column == value, LoginFailure.at > now - window)
    )


def authenticate(
    email: str, password: str, *, ip: str, user_agent: str, now: datetime
) -> UserSession:
    """Check credentials and open a new server-side session, or raise SignInRefused.

    Failures are counted per account and per client address in the database, so throttling
    holds across workers and does not depend on Redis being up.
    """
    email = normalize_email(email)
    cfg = current_app.config
    if (
        recent_failures(LoginFailure.ip, ip, now) >= cfg["LOGIN_MAX_FAILURES_IP"]
        or recent_failures(LoginFailure.email, email, now) >= cfg["LOGIN_MAX_FAILURES_ACCOUNT"]
    ):
        raise SignInRefused("Too many failed sign-ins. Wait 15 minutes and try again.")
    user = find_user(email)
    ok = False
    if user is not None and user.password_hash:
        try:
            ok = hasher().verify(user.password_hash, password)
        except (VerificationError, InvalidHashError):
            ok = False
    else:
        hasher().hash(password)  # similar timing for unknown accounts
    if not ok:
        db.session.add(LoginFailure(email=email[:254], ip=ip[:64], at=now))
        db.session.commit()
        raise SignInRefused("Wrong email or password.")
    if not user.is_active:
        raise SignInRefused("This account has been deactivated. Ask an admin.")
    if hasher().check_needs_rehash(user.password_hash):
        user.password_hash = hasher().hash(password)
    db.session.execute(sa.delete(LoginFailure).where(LoginFailure.email == email))
    user.last_login_at = now
    session = UserSession(
        user=user, created_at=now, ip=ip[:64], user_agent=(user_agent or "")[:255]
    )
    db.session.add(session)
    db.session.commit()
    return session


def load_session(token: str) -> User | None:
    """The user of a live session token, or None (revoked, unknown, deactivated)."""
    row = db.session.execute(
        sa.select(UserSession, User)
        .join(User)
        .where(
            UserSession.token == token, UserSession.revoked_at.is_(None), User.is_active.is_(True)
        )
    ).first()
    if row is None:
        return None
    session, user = row
    user.session_token = session.token
    return user


def sign_out(token: str, now: datetime) -> None:
    db.session.execute(
        sa.update(UserSession).where(UserSession.token == token).values(revoked_at=now)
    )
    db.session.commit()


def revoke_sessions(user: User, now: datetime) -> None:
    db.session.execute(
        sa.update(UserSession)
        .where(UserSession.user_id == user.id, UserSession.revoked_at.is_(None))
        .values(revoked_at=now)
    )


# ---- administration ----


def change_role(actor: User, user: User, role: str, now: datetime) -> None:
    if role not in ROLES:
        raise DomainError("Unknown role.", field="role")
    if user.id == actor.id and role != "admin":
        raise DomainError("You cannot remove your own admin role.")
    before = user.role
    user.role = role
    audit.record(actor, "change_role", user, {"role": before}, {"role": role}, now)
    db.session.commit()


def set_active(actor: User, user: User, active: bool, now: datetime) -> None:
    """Deactivating ends every session of the user at once."""
    if user.id == actor.id:
        raise DomainError("You cannot deactivate your own account.")
    before = user.is_active
    user.is_active = active
    if not active:
        revoke_sessions(user, now)
    audit.record(
        actor,
        "activate" if active else "deactivate",
        user,
        {"is_active": before},
        {"is_active": active},
        now,
    )
    db.session.commit()


def invitation_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="crm-invitation")


def invite(
    actor: User, *, email: str, name: str, role: str, home_state: str | None, now: datetime
) -> str:
    """Email a signed, expiring link to create an account. Returns the link."""
    email = normalize_email(email)
    if find_user(email):
        raise DomainError("An account with this email already exists.", field="email")
    if role not in ROLES:
        raise DomainError("Unknown role.", field="role")
    token = invitation_serializer().dumps(
        {"email": email, "name": name, "role": role, "home_state": home_state, "by": actor.id}
    )
    link = absolute_url("auth.accept_invitation", token=token)
    days = current_app.config["INVITATION_MAX_AGE"] // 86400
    row = queue_email(
        to_email=email,
        kind="invitation",
        subject_key=f"invitation:{email}",
        occurrence=now.isoformat(),
        template="invitation",
        subject=f"{actor.name} invited you to the IMG Taskforce CRM",
        context={"name": name, "inviter": actor, "link": link, "role": role, "days": days},
        now=now,
    )
    audit.record(actor, "invite", actor, after={"email": email, "role": role}, now=now)
    db.session.commit()
    dispatch([row])
    return link


def read_invitation(token: str) -> dict:
    try:
        data = invitation_serializer().loads(
            token, max_age=current_app.config["INVITATION_MAX_AGE"]
        )
    except SignatureExpired:
        raise DomainError("This invitation has expired. Ask an admin for a new one.") from None
    except BadSignature:
        raise DomainError("This invitation link is not valid.") from None
    if find_user(data["email"]):
        raise DomainError("This invitation has already been used. Sign in instead.")
    return data


def accept_invitation(token: str, *, password: str, timezone: str, now: datetime) -> User:
    data = read_invitation(token)
    inviter = db.session.get(User, data.get("by"))
    return create_user(
        email=data["email"],
        name=data["name"],
        role=data["role"],
        password=password,
        actor=inviter,
        now=now,
        home_state=data.get("home_state"),
        timezone=timezone,
    )
