"""Accounts: passwords, sign-in with throttling, server-side sessions, invitations."""

from __future__ import annotations

import functools
import hashlib
import hmac
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeSerializer, URLSafeTimedSerializer

from crm import audit
from crm.auth import throttle, twofactor
from crm.email import absolute_url, dispatch, queue_email
from crm.errors import DomainError
from crm.extensions import db
from crm.models import ROLES, Notification, RecoveryCode, User, UserSession

log = logging.getLogger(__name__)

MIN_PASSWORD = 10
COMMON_PASSWORDS = {"password123", "1234567890", "qwertyuiop", "password1234", "letmein123"}


def hasher() -> PasswordHasher:
    """argon2id; a cheap variant under test so the suite stays fast."""
    if current_app.config.get("PASSWORD_HASH_FAST"):
        return PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    return PasswordHasher()


def check_password_policy(password: str, email: str = "", field: str = "password") -> None:
    """Raises DomainError on `field` when a password is too short, too long, common, or the email
    itself."""
    if len(password) < MIN_PASSWORD:
        raise DomainError(f"Use at least {MIN_PASSWORD} characters.", field=field)
    if len(password) > 256:
        raise DomainError("Use at most 256 characters.", field=field)
    lowered = password.lower()
    if lowered in COMMON_PASSWORDS or (email and lowered == email.lower()):
        raise DomainError("That password is too easy to guess.", field=field)


def set_password(user: User, password: str, field: str = "password") -> None:
    """Check the password against the policy and store its hash on the user (the caller commits)."""
    check_password_policy(password, user.email, field=field)
    user.password_hash = hasher().hash(password)


def normalize_email(email: str) -> str:
    """An email address as accounts store it: trimmed and lower-cased."""
    return (email or "").strip().lower()


def find_user(email: str) -> User | None:
    """The account with this email address (in any case), or None."""
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
    user = _add_user(
        email=email,
        name=name,
        role=role,
        password=password,
        actor=actor,
        now=now,
        home_state=home_state,
        timezone=timezone,
        organization=organization,
    )
    db.session.commit()
    return user


def _add_user(
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
    return user


# ---- sign-in ----


class SignInRefused(DomainError):
    """A refused sign-in (wrong password, throttled, locked, deactivated), with its message."""

    pass


@dataclass
class SignIn:
    """A checked password: the new session, or None when a second factor is still due."""

    user: User
    session: UserSession | None


def verify_password(user: User | None, password: str) -> bool:
    """The one place a password is checked (argon2id); unknown accounts take as long."""
    if user is None or not user.password_hash:
        hasher().hash(password or "")
        return False
    try:
        return hasher().verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _window() -> timedelta:
    return timedelta(seconds=current_app.config["LOGIN_FAILURE_WINDOW"])


def _duration(seconds: int) -> str:
    if seconds < 120:
        return f"{seconds} seconds"
    return f"{-(-seconds // 60)} minutes"


def _locked_message(count: throttle.Count, now: datetime) -> str:
    minutes = count.resets_in(now, _window())
    unit = "minute" if minutes == 1 else "minutes"
    return (
        "Too many failed sign-ins for this account. Try again in "
        f"{minutes} {unit}, or reset your password."
    )


def reserve_password_check(email: str, ip: str, now: datetime) -> None:
    """Take one password check for this account from this address, or raise SignInRefused.

    Per account: each check is counted *before* the password is verified, by one atomic
    statement, so parallel guesses get at most LOGIN_MAX_FAILURES_ACCOUNT checks per window.
    Per address: past LOGIN_MAX_FAILURES_IP failures an address is slowed down to one check per
    delay (doubling, at most the window) instead of being refused, so people sharing it (an
    office, a proxy) still get in with the right password, and its checks no longer count
    against accounts: an address that guesses cannot lock people out.
    """
    cfg = current_app.config
    window = _window()
    address_key, account_key = f"address:{ip}", f"account:{email}"
    address = throttle.current(address_key, now, window)
    ip_limit = cfg["LOGIN_MAX_FAILURES_IP"]
    if address is not None and address.attempts >= ip_limit:
        over = address.attempts - ip_limit
        delay = timedelta(
            seconds=min(cfg["LOGIN_ADDRESS_DELAY"] * 2 ** min(over, 20), window.total_seconds())
        )
        if not throttle.claim_slot(address_key, now, delay):
            db.session.rollback()
            log.warning("sign-in slowed down: address=%r account=%r", ip, email)
            latest = throttle.current(address_key, now, window) or address
            wait = max(1, int(((latest.blocked_until or now) - now).total_seconds()) + 1)
            raise SignInRefused(
                f"Too many failed sign-ins from your network. Wait {_duration(wait)}, then try "
                "again."
            )
        account = throttle.current(account_key, now, window)
        locked = account is not None and account.attempts >= cfg["LOGIN_MAX_FAILURES_ACCOUNT"]
    else:
        account = throttle.hit(account_key, now, window)
        locked = account.attempts > cfg["LOGIN_MAX_FAILURES_ACCOUNT"]
    # Committed before the (slow) password check: the reservation holds, and no lock is held
    # while argon2 runs.
    db.session.commit()
    if locked:
        log.warning("sign-in paused (account limit): account=%r address=%r", email, ip)
        raise SignInRefused(_locked_message(account, now))


def record_failure(email: str, ip: str, now: datetime) -> str:
    """Count a wrong password against the address; the message to show."""
    throttle.hit(f"address:{ip}", now, _window())
    db.session.commit()
    account = throttle.current(f"account:{email}", now, _window())
    left = current_app.config["LOGIN_MAX_FAILURES_ACCOUNT"] - (account.attempts if account else 0)
    minutes = current_app.config["LOGIN_FAILURE_WINDOW"] // 60
    if account is not None and left <= 0:
        return (
            "Wrong email or password. Sign-in to this account is now paused for "
            f"{account.resets_in(now, _window())} minutes (or reset your password)."
        )
    if 0 < left <= 2:
        tries = "One more failure" if left == 1 else f"{left} more failures"
        return (
            f"Wrong email or password. {tries} will pause sign-in to this account for "
            f"{minutes} minutes."
        )
    return "Wrong email or password."


def authenticate(email: str, password: str, *, ip: str, user_agent: str, now: datetime) -> SignIn:
    """Check credentials (throttled per account and per address); open a session unless the
    account also needs its second factor. Raises SignInRefused with a message to show."""
    email = normalize_email(email)
    reserve_password_check(email, ip, now)
    user = find_user(email)
    if not verify_password(user, password):
        log.info("sign-in failed: account=%r address=%r", email, ip)  # %r escapes CR/LF
        raise SignInRefused(record_failure(email, ip, now))
    if not user.is_active:
        log.info("sign-in refused (deactivated): account=%r address=%r", email, ip)
        raise SignInRefused("This account has been deactivated. Ask an admin.")
    log.info("sign-in: account=%r address=%r", email, ip)
    if hasher().check_needs_rehash(user.password_hash):
        user.password_hash = hasher().hash(password)
    throttle.clear(f"account:{email}")
    if user.has_two_factor:
        db.session.commit()
        return SignIn(user=user, session=None)
    return SignIn(user=user, session=open_session(user, ip=ip, user_agent=user_agent, now=now))


def complete_two_factor(
    user_id: int, code: str, *, ip: str, user_agent: str, now: datetime
) -> UserSession:
    """Second step of sign-in: an authenticator code or a recovery code opens the session."""
    window = _window()
    key = f"second-factor:{user_id}"
    count = throttle.hit(key, now, window)
    db.session.commit()
    if count.attempts > current_app.config["LOGIN_MAX_FAILURES_ACCOUNT"]:
        minutes = count.resets_in(now, window)
        raise SignInRefused(f"Too many wrong codes. Try again in {minutes} minutes.")
    user = db.session.get(User, user_id)
    if user is None or not user.is_active or not user.has_two_factor:
        raise SignInRefused("Sign in again.")
    code = (code or "").strip()
    used_recovery = False
    if not twofactor.accept_code(user, code, now):
        used_recovery = twofactor.use_recovery_code(user, code, now)
        if not used_recovery:
            db.session.commit()
            raise SignInRefused(
                "That code is not right (or was already used). Enter the 6 digits your "
                "authenticator app shows now, or one of your recovery codes.",
                field="code",
            )
        audit.record(user, "use_recovery_code", user, now=now)
    throttle.clear(key)
    return open_session(user, ip=ip, user_agent=user_agent, now=now)


def open_session(user: User, *, ip: str, user_agent: str, now: datetime) -> UserSession:
    """A new server-side session (a new token at every sign-in)."""
    user.last_login_at = now
    session = UserSession(
        user=user,
        created_at=now,
        last_seen_at=now,
        ip=(ip or "")[:64],
        user_agent=(user_agent or "")[:255],
    )
    db.session.add(session)
    throttle.purge(now, timedelta(days=1))
    db.session.commit()
    return session


def session_limits(now: datetime) -> tuple[datetime, datetime]:
    """(idle_since, started_since): sessions last seen or started before these have ended."""
    cfg = current_app.config
    return (
        now - timedelta(minutes=cfg["SESSION_IDLE_MINUTES"]),
        now - timedelta(hours=cfg["SESSION_MAX_HOURS"]),
    )


SEEN_EVERY = timedelta(seconds=60)


@functools.cache
def session_select() -> sa.Select:
    """load_session's statement, read on every request: built once, the token bound as
    `token`."""
    return (
        sa.select(UserSession, User)
        .join(User)
        .where(
            UserSession.token == sa.bindparam("token", type_=UserSession.token.type),
            UserSession.revoked_at.is_(None),
            User.is_active.is_(True),
        )
    )


def load_session(token: str, now: datetime) -> tuple[User | None, str | None]:
    """The user of a live session token and None, or None and why it ended ("idle",
    "expired"; None when revoked, unknown or deactivated).

    A session past its idle or absolute lifetime is revoked here, on the server, so its cookie
    never works again.
    """
    row = db.session.execute(session_select(), {"token": token}).first()
    if row is None:
        return None, None
    session, user = row
    idle_since, started_since = session_limits(now)
    last_seen = session.last_seen_at or session.created_at
    ended = (
        "expired"
        if session.created_at <= started_since
        else "idle"
        if last_seen <= idle_since
        else None
    )
    if ended:
        session.revoked_at = now
        db.session.commit()
        return None, ended
    if now - last_seen >= SEEN_EVERY:  # written at most once a minute, not on every request
        session.last_seen_at = now
        db.session.commit()
    user.session_token = session.token
    return user, None


def sign_out(token: str, now: datetime) -> None:
    """Revoke the session with this token, and commit."""
    db.session.execute(
        sa.update(UserSession).where(UserSession.token == token).values(revoked_at=now)
    )
    db.session.commit()


def revoke_sessions(user: User, now: datetime, keep_token: str | None = None) -> int:
    """End the user's sessions (all, or all but `keep_token`); the caller commits."""
    stmt = sa.update(UserSession).where(
        UserSession.user_id == user.id, UserSession.revoked_at.is_(None)
    )
    if keep_token:
        stmt = stmt.where(UserSession.token != keep_token)
    return db.session.execute(stmt.values(revoked_at=now)).rowcount


def live_sessions(user: User, now: datetime) -> list[UserSession]:
    """My sessions that still work, most recently used first."""
    return list(db.session.scalars(UserSession.live_for(user.id, *session_limits(now))))


def describe_user_agent(user_agent: str | None) -> str:
    """ "Firefox on Windows" from a User-Agent header, for the list of my sessions."""
    ua = user_agent or ""
    browser = next(
        (
            name
            for marker, name in (
                ("Edg/", "Edge"),
                ("OPR/", "Opera"),
                ("Firefox/", "Firefox"),
                ("Chrome/", "Chrome"),
                ("Chromium/", "Chromium"),
                ("Safari/", "Safari"),
            )
            if marker in ua
        ),
        None,
    )
    system = next(
        (
            name
            for marker, name in (
                ("iPhone", "iPhone"),
                ("iPad", "iPad"),
                ("Android", "Android"),
                ("Windows", "Windows"),
                ("Mac OS X", "macOS"),
                ("CrOS", "ChromeOS"),
                ("Linux", "Linux"),
            )
            if marker in ua
        ),
        None,
    )
    if browser and system:
        return f"{browser} on {system}"
    return browser or system or (ua[:60] if ua else "Unknown device")


def end_other_sessions(user: User, current_token: str, now: datetime) -> int:
    """Sign out everywhere else: every session of mine but this one ends at once."""
    ended = revoke_sessions(user, now, keep_token=current_token)
    audit.record(user, "end_other_sessions", user, after={"ended": ended}, now=now)
    db.session.commit()
    return ended


# ---- passwords ----


def change_password(
    user: User, *, current: str, new: str, current_token: str | None, ip: str, now: datetime
) -> int:
    """Change my password (the current one is required); my other sessions end. Returns how
    many ended."""
    email = normalize_email(user.email)
    try:
        reserve_password_check(email, ip, now)
    except SignInRefused as e:
        raise DomainError(e.message, field="current_password") from None
    if not verify_password(user, current):
        record_failure(email, ip, now)
        raise DomainError("That is not your current password.", field="current_password")
    throttle.clear(f"account:{email}")
    set_password(user, new, field="new_password")
    user.password_changed_at = now
    ended = revoke_sessions(user, now, keep_token=current_token)
    audit.record(user, "change_password", user, after={"sessions_ended": ended}, now=now)
    db.session.commit()
    return ended


def reset_serializer() -> URLSafeSerializer:
    """Signs and reads password reset tokens (keyed by SECRET_KEY)."""
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="crm-password-reset")


def password_fingerprint(user: User) -> str:
    """Changes whenever the password does: a reset link dies once it has been used."""
    return hashlib.sha256((user.password_hash or "-").encode()).hexdigest()[:24]


def reset_link(user: User, now: datetime) -> str:
    """An absolute password reset link for the user; it expires after PASSWORD_RESET_MAX_AGE and
    dies once the password changes."""
    expires = now + timedelta(seconds=current_app.config["PASSWORD_RESET_MAX_AGE"])
    token = reset_serializer().dumps(
        {"u": user.id, "p": password_fingerprint(user), "e": int(expires.timestamp())}
    )
    return absolute_url("auth.reset_password", token=token)


def _queue_reset_email(user: User, now: datetime, actor: User | None) -> Notification | None:
    minutes = current_app.config["PASSWORD_RESET_MAX_AGE"] // 60
    return queue_email(
        to_email=user.email,
        kind="password_reset",
        subject_key=f"password-reset:{user.id}",
        occurrence=now.isoformat(),
        template="password_reset",
        subject="Reset your IMG Taskforce CRM password",
        context={"user": user, "link": reset_link(user, now), "minutes": minutes, "actor": actor},
        recipient=user,
        now=now,
    )


def request_password_reset(email: str, *, ip: str, now: datetime) -> None:
    """Email a reset link if the address has an account. The caller shows the same answer
    either way; requests are throttled per email and per address (silently)."""
    email = normalize_email(email)
    hour = timedelta(hours=1)
    per_email = throttle.hit(f"reset:{email}", now, hour)
    per_address = throttle.hit(f"reset-address:{ip}", now, hour)
    db.session.commit()
    cfg = current_app.config
    if (
        per_email.attempts > cfg["PASSWORD_RESET_PER_HOUR"]
        or per_address.attempts > cfg["LOGIN_MAX_FAILURES_IP"]
    ):
        log.info("password reset request throttled")
        return
    user = find_user(email)
    if user is None or not user.is_active:
        return
    row = _queue_reset_email(user, now, actor=None)
    audit.record(None, "request_password_reset", user, now=now)
    db.session.commit()
    dispatch([row])


def send_password_reset(actor: User, user: User, now: datetime) -> None:
    """An admin emails someone a reset link (their password stays valid until they use it)."""
    if not user.is_active:
        raise DomainError("Reactivate the account first.")
    row = _queue_reset_email(user, now, actor=actor)
    audit.record(actor, "send_password_reset", user, now=now)
    db.session.commit()
    dispatch([row])


def read_reset_token(token: str, now: datetime) -> User:
    """The user a reset link is for, or DomainError (tampered, expired, already used)."""
    try:
        data = reset_serializer().loads(token)
    except BadSignature:
        raise DomainError("This reset link is not valid. Ask for a new one.") from None
    if not isinstance(data, dict) or int(data.get("e", 0)) < now.timestamp():
        raise DomainError("This reset link has expired. Ask for a new one.")
    user = db.session.get(User, int(data.get("u", 0)))
    if user is None or not user.is_active:
        raise DomainError("This reset link is not valid. Ask for a new one.")
    if not hmac.compare_digest(str(data.get("p", "")), password_fingerprint(user)):
        raise DomainError("This reset link was already used. Ask for a new one if you need it.")
    return user


def reset_password(token: str, *, password: str, now: datetime) -> User:
    """Set a new password from a reset link; the link then stops working and every session of
    the account ends."""
    user = read_reset_token(token, now)
    set_password(user, password)
    user.password_changed_at = now
    revoke_sessions(user, now)
    throttle.clear(f"account:{normalize_email(user.email)}")
    audit.record(user, "reset_password", user, now=now)
    db.session.commit()
    return user


# ---- two-factor enrolment ----


def enable_two_factor(user: User, *, secret: str, code: str, now: datetime) -> list[str]:
    """Turn on TOTP once the app shows a matching code; returns recovery codes to show once."""
    step = twofactor.code_matches(secret, code, now)
    if step is None:
        raise DomainError(
            "That code does not match. Check the time on your phone and enter the 6 digits "
            "shown now.",
            field="code",
        )
    user.totp_secret = secret
    user.totp_enabled_at = now
    user.totp_last_step = step
    codes = twofactor.new_recovery_codes(user, now)
    audit.record(user, "enable_two_factor", user, now=now)
    db.session.commit()
    return codes


def disable_two_factor(user: User, *, password: str, ip: str, now: datetime) -> None:
    """Turn TOTP off (password required); refused where the role requires it."""
    if twofactor.required_for(user):
        raise DomainError("Your role requires two-factor sign-in; it cannot be turned off.")
    email = normalize_email(user.email)
    try:
        reserve_password_check(email, ip, now)
    except SignInRefused as e:
        raise DomainError(e.message, field="password") from None
    if not verify_password(user, password):
        record_failure(email, ip, now)
        raise DomainError("That is not your current password.", field="password")
    throttle.clear(f"account:{email}")
    user.totp_secret = None
    user.totp_enabled_at = None
    user.totp_last_step = None
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    audit.record(user, "disable_two_factor", user, now=now)
    db.session.commit()


def regenerate_recovery_codes(user: User, now: datetime) -> list[str]:
    """New recovery codes; the old ones stop working."""
    if not user.has_two_factor:
        raise DomainError("Turn on two-factor sign-in first.")
    codes = twofactor.new_recovery_codes(user, now)
    audit.record(user, "regenerate_recovery_codes", user, now=now)
    db.session.commit()
    return codes


# ---- administration ----


def change_role(actor: User, user: User, role: str, now: datetime) -> None:
    """Give a user another role (audited), and commit; raises DomainError for an unknown role or
    an admin demoting themselves."""
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
    """Signs and reads invitation tokens (keyed by SECRET_KEY, timed)."""
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
    """The data of a valid invitation token; raises DomainError when it has expired, is not
    valid, or its email has an account already."""
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


def accept_invitation(
    token: str, *, password: str, timezone: str, ip: str, user_agent: str, now: datetime
) -> UserSession:
    """Create the invited account and sign its owner in at once (a new session)."""
    data = read_invitation(token)
    inviter = db.session.get(User, data.get("by"))
    user = _add_user(
        email=data["email"],
        name=data["name"],
        role=data["role"],
        password=password,
        actor=inviter,
        now=now,
        home_state=data.get("home_state"),
        timezone=timezone,
    )
    return open_session(user, ip=ip, user_agent=user_agent, now=now)
