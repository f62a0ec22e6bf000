"""`flask crm deploy-check`: the settings that make a production deployment unsafe.

Each check reads the app's configuration (and, for demo accounts, the database) and says what is
wrong and how to fix it. Whether the app sits behind a proxy cannot be known from inside, so
CRM_TRUSTED_PROXIES is not checked.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from urllib.parse import urlsplit

import sqlalchemy as sa

# Secrets that have been written down somewhere (this repository, tutorials): never safe.
KNOWN_SECRETS = {
    "test-secret-key-not-for-production",
    "dev",
    "development",
    "secret",
    "secret-key",
    "changeme",
    "change-me",
    "please-change-me",
    "your-secret-key",
    "...",
}
MIN_SECRET_LENGTH = 32
LOCAL_MAIL_HOSTS = {"127.0.0.1", "::1", "localhost"}


@dataclass(frozen=True)
class Finding:
    """One setting that is unsafe for production: what is wrong and how to fix it."""

    setting: str
    problem: str
    fix: str

    def as_dict(self) -> dict:
        """The finding as a plain dict (for the JSON output)."""
        return asdict(self)


def secret_problem(secret: str | None) -> str | None:
    """What is wrong with a SECRET_KEY (unset, a published default, short, not random), or None."""
    if not secret:
        return "is not set"
    if secret.strip().lower() in KNOWN_SECRETS:
        return "is a published default"
    if len(secret) < MIN_SECRET_LENGTH:
        return f"is shorter than {MIN_SECRET_LENGTH} characters"
    if len(set(secret)) < 8:
        return "repeats too few characters to be random"
    return None


def check_settings(cfg: Mapping, demo_accounts: Iterable[str] = ()) -> list[Finding]:
    """Every unsafe production setting in `cfg` (an app's config), in a fixed order."""
    out: list[Finding] = []

    def flag(setting: str, problem: str, fix: str) -> None:
        out.append(Finding(setting, problem, fix))

    if cfg.get("ENV_NAME") != "production":
        flag(
            "CRM_ENV",
            f"is {cfg.get('ENV_NAME')!r}, not 'production'",
            "Set CRM_ENV=production on the server.",
        )
    if cfg.get("DEBUG"):
        flag("DEBUG", "debug mode is on", "Run without --debug and without FLASK_DEBUG.")
    if cfg.get("TESTING"):
        flag("TESTING", "the testing configuration is active", "Set CRM_ENV=production.")
    problem = secret_problem(cfg.get("SECRET_KEY"))
    if problem:
        flag(
            "CRM_SECRET_KEY",
            problem,
            "Set a random key: python3 -c 'import secrets; print(secrets.token_hex(32))'.",
        )
    if not cfg.get("SESSION_COOKIE_SECURE"):
        flag(
            "CRM_SESSION_COOKIE_SECURE",
            "the session cookie is also sent over plain HTTP",
            "Serve over HTTPS and set CRM_SESSION_COOKIE_SECURE=true (the production default).",
        )
    if not cfg.get("SESSION_COOKIE_HTTPONLY"):
        flag("SESSION_COOKIE_HTTPONLY", "scripts can read the session cookie", "Keep it True.")
    if (cfg.get("SESSION_COOKIE_SAMESITE") or "").lower() not in ("lax", "strict"):
        flag("SESSION_COOKIE_SAMESITE", "cookies go with cross-site requests", "Use 'Lax'.")
    base = urlsplit(cfg.get("BASE_URL") or "")
    if base.scheme != "https":
        flag(
            "CRM_BASE_URL",
            f"links in emails use {base.scheme or 'no'} scheme, not https",
            "Set CRM_BASE_URL=https://<your host>.",
        )
    if (cfg.get("SQLALCHEMY_DATABASE_URI") or "").startswith("sqlite"):
        flag(
            "CRM_DATABASE_URL",
            "SQLite is the embedded development database",
            "Use PostgreSQL: CRM_DATABASE_URL=postgresql+psycopg://...",
        )
    if cfg.get("MAIL_BACKEND") == "mailbox":
        flag(
            "CRM_MAIL_BACKEND",
            "mail is kept in the dev mailbox instead of being sent",
            "Set CRM_MAIL_BACKEND=smtp and the CRM_MAIL_* settings.",
        )
    elif (
        cfg.get("MAIL_SERVER") not in LOCAL_MAIL_HOSTS
        and not cfg.get("MAIL_USE_TLS")
        and not cfg.get("MAIL_USE_SSL")
    ):
        flag(
            "CRM_MAIL_USE_TLS",
            f"mail to {cfg.get('MAIL_SERVER')} travels unencrypted",
            "Set CRM_MAIL_USE_TLS=true (STARTTLS) or CRM_MAIL_USE_SSL=true.",
        )
    inbound = cfg.get("INBOUND_IMAP_HOST")
    if inbound and not cfg.get("INBOUND_IMAP_SSL") and inbound not in LOCAL_MAIL_HOSTS:
        flag(
            "CRM_INBOUND_IMAP_SSL",
            f"the mailbox password and members' email travel to {inbound} unencrypted",
            "Set CRM_INBOUND_IMAP_SSL=true (port 993).",
        )
    if inbound and not (cfg.get("INBOUND_IMAP_USER") and cfg.get("INBOUND_IMAP_PASSWORD")):
        flag(
            "CRM_INBOUND_IMAP_USER",
            "an IMAP host is set without a user and password: email is never filed",
            "Set CRM_INBOUND_IMAP_USER and CRM_INBOUND_IMAP_PASSWORD, or unset the host.",
        )
    if not (cfg.get("SQLALCHEMY_ENGINE_OPTIONS") or {}).get("hide_parameters"):
        flag(
            "SQLALCHEMY_ENGINE_OPTIONS",
            "hide_parameters is off: SQL errors log their values (private notes)",
            "Use the production configuration (it sets hide_parameters=True).",
        )
    demo = sorted(demo_accounts)
    if demo:
        flag(
            "demo accounts",
            f"{', '.join(demo)} exist (seed-demo; their password is published)",
            "Deactivate them in Admin → Users, or start from an empty database.",
        )
    return out


def demo_accounts() -> list[str]:
    """Active accounts created by seed-demo (their addresses and password are in the repo)."""
    from crm.demo import MEMBERS
    from crm.extensions import db
    from crm.models import User

    emails = [row[0] for row in MEMBERS]
    return list(
        db.session.scalars(
            sa.select(User.email).where(User.email.in_(emails), User.is_active.is_(True))
        )
    )


def check_app(app) -> list[Finding]:
    """The findings for a running app's configuration and database."""
    cfg = dict(app.config)
    cfg["DEBUG"] = app.debug or cfg.get("DEBUG")
    try:
        demo = demo_accounts()
    except sa.exc.SQLAlchemyError:
        return [
            *check_settings(cfg),
            Finding(
                "CRM_DATABASE_URL",
                "the database cannot be read",
                "Check the URL, then run `flask db upgrade`.",
            ),
        ]
    return check_settings(cfg, demo)
