"""TOTP second factor (RFC 6238, any authenticator app) and one-time recovery codes."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import datetime

import pyotp
import segno
import sqlalchemy as sa
from flask import current_app

from crm.extensions import db
from crm.models import RecoveryCode, User

ISSUER = "IMG Taskforce CRM"
RECOVERY_CODES = 10
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i to misread


def new_secret() -> str:
    """A new random TOTP secret (base32)."""
    return pyotp.random_base32()


def provisioning_uri(user: User, secret: str) -> str:
    """The otpauth:// URI an authenticator app reads (as a QR code) to add this account."""
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)


def qr_svg_data_uri(text: str) -> str:
    """The QR code as an SVG data URI, made on the server (no script, no third party)."""
    return segno.make(text, error="m").svg_data_uri(scale=5, border=2)


def required_for(user: User) -> bool:
    """Whether the user's role must use two-factor sign-in (CRM_REQUIRE_2FA_FOR)."""
    role = current_app.config.get("REQUIRE_2FA_FOR") or ""
    return bool(role) and user.has_role(role)


def needs_enrolment(user: User) -> bool:
    """Whether the user must set up two-factor sign-in before going on: their role requires it
    and they have none."""
    return required_for(user) and not user.has_two_factor


def _digits(code: str) -> str:
    return re.sub(r"\s+", "", code or "")


def code_matches(secret: str, code: str, now: datetime) -> int | None:
    """The time step a code belongs to (the current one, or one either side for clock drift),
    or None."""
    totp = pyotp.TOTP(secret)
    code = _digits(code)
    if not code.isdigit():
        return None
    step = totp.timecode(now)
    for candidate in (step, step - 1, step + 1):
        if hmac.compare_digest(totp.generate_otp(candidate), code):
            return candidate
    return None


def accept_code(user: User, code: str, now: datetime) -> bool:
    """A valid code not used before: its time step is recorded by one conditional UPDATE, so
    the same code (or an older one) is refused the second time, even in parallel."""
    if not user.has_two_factor:
        return False
    step = code_matches(user.totp_secret, code, now)
    if step is None:
        return False
    result = db.session.execute(
        sa.update(User)
        .where(
            User.id == user.id,
            sa.or_(User.totp_last_step.is_(None), User.totp_last_step < step),
        )
        .values(totp_last_step=step)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def hash_recovery_code(code: str) -> str:
    # The codes are random (50 bits), so a plain SHA-256 cannot be reversed by guessing.
    """A recovery code's SHA-256 hex digest, ignoring case and all but letters and digits."""
    normalized = re.sub(r"[^a-z0-9]", "", (code or "").lower())
    return hashlib.sha256(normalized.encode()).hexdigest()


def new_recovery_codes(user: User, now: datetime) -> list[str]:
    """Replace the user's recovery codes; the plain codes are returned to show once."""
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(10))
        codes.append(f"{raw[:5]}-{raw[5:]}")
    db.session.add_all(
        RecoveryCode(user_id=user.id, code_hash=hash_recovery_code(c), created_at=now)
        for c in codes
    )
    return codes


def use_recovery_code(user: User, code: str, now: datetime) -> bool:
    """Spend one recovery code; the conditional UPDATE makes each usable exactly once."""
    if not re.fullmatch(r"[A-Za-z0-9]{5}-?[A-Za-z0-9]{5}", (code or "").strip()):
        return False
    result = db.session.execute(
        sa.update(RecoveryCode)
        .where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == hash_recovery_code(code),
            RecoveryCode.used_at.is_(None),
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def recovery_codes_left(user: User) -> int:
    """How many of the user's recovery codes are still unused."""
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(RecoveryCode)
        .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    )
