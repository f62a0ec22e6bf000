"""Configuration: one class per environment, overridden by CRM_* environment variables.

Nothing here reads the environment at import time in a way that can crash: values are read when a
config class is instantiated by `create_app()`.
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent
INSTANCE = ROOT / "instance"


def env(name: str, default: str | None = None) -> str | None:
    """A CRM_* environment variable, or the default when unset or empty."""
    value = os.environ.get(f"CRM_{name}")
    return value if value not in (None, "") else default


def env_bool(name: str, default: bool) -> bool:
    value = env(name)
    return default if value is None else value.lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = env(name)
    return default if value is None else int(value)


def env_float(name: str, default: float) -> float:
    value = env(name)
    return default if value is None else float(value)


class ConfigError(RuntimeError):
    """A setting is missing or unsafe; the message says which and how to fix it."""


class Config:
    """Settings shared by every environment."""

    ENV_NAME = "base"
    TESTING = False
    DEBUG = False

    def __init__(self) -> None:
        self.SECRET_KEY = env("SECRET_KEY")
        self.SQLALCHEMY_DATABASE_URI = self.database_url()
        # hide_parameters: an SQL error in the log shows the statement, never its values (a
        # private contact's notes, a token). Only the test configuration shows them.
        self.SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True, "hide_parameters": True}
        self.REDIS_URL = env("REDIS_URL")
        # Absolute links in emails, the calendar feed and invitations (crm.email.base_url()).
        self.BASE_URL = (env("BASE_URL") or self.default_base_url()).rstrip("/")
        self.TIMEZONE = env("TIMEZONE", "America/New_York")
        # Mail: "smtp" sends through the server below; "mailbox" keeps mail in the dev mailbox.
        self.MAIL_BACKEND = env("MAIL_BACKEND", self.default_mail_backend())
        self.MAIL_SERVER = env("MAIL_SERVER", "127.0.0.1")
        self.MAIL_PORT = env_int("MAIL_PORT", 25)
        self.MAIL_USERNAME = env("MAIL_USERNAME")
        self.MAIL_PASSWORD = env("MAIL_PASSWORD")
        self.MAIL_USE_TLS = env_bool("MAIL_USE_TLS", False)
        self.MAIL_USE_SSL = env_bool("MAIL_USE_SSL", False)
        self.MAIL_TIMEOUT = env_int("MAIL_TIMEOUT", 20)
        self.MAIL_FROM = env("MAIL_FROM", "IMG Taskforce CRM <crm@localhost>")
        self.INVITATION_MAX_AGE = env_int("INVITATION_MAX_AGE", 7 * 24 * 3600)
        self.accounts_config()
        self.SESSION_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SAMESITE = "Lax"
        self.SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", False)
        self.SESSION_COOKIE_NAME = "crm_session"
        self.WTF_CSRF_TIME_LIMIT = None  # tokens live as long as the session
        self.PER_PAGE = 50
        self.MAX_CONTENT_LENGTH = env_int("MAX_UPLOAD_MB", 25) * 1024 * 1024
        # "celery" hands jobs to the worker; "inline" runs them in-process after the commit
        # (unit tests and one-off commands only).
        self.JOBS_MODE = env("JOBS_MODE", "celery")
        self.jobs_config()
        self.CELERY = self.celery_config()
        # Directory imports: where `crm import-congress` downloads from without a SOURCE, and
        # where parsed YAML is cached (by content hash) to make refreshes fast; "" disables it.
        self.CONGRESS_LEGISLATORS_URL = env(
            "CONGRESS_LEGISLATORS_URL", "https://unitedstates.github.io/congress-legislators/"
        )
        self.IMPORT_DOWNLOAD_TIMEOUT = env_int("IMPORT_DOWNLOAD_TIMEOUT", 30)
        # Set but empty means off (env() would treat it as unset and fall back to the default).
        self.IMPORT_CACHE_DIR = os.environ.get(
            "CRM_IMPORT_CACHE_DIR", str(INSTANCE / "import-cache")
        )
        self.IMPORT_CACHE_MAX_MB = env_int("IMPORT_CACHE_MAX_MB", 64)
        # URL imports reach only public addresses; this lists host names and CIDRs allowed
        # besides (e.g. a mirror on the private network): "mirror.internal 10.1.2.0/24".
        self.IMPORT_URL_ALLOW = env("IMPORT_URL_ALLOW", "")
        # Where a bill id ("119 hr 1585") is fetched from, and the tracked bills refreshed from:
        # GPO's bulk data (or a mirror of its layout). Set but empty: no network, the refresh
        # is skipped (and says so on the status page).
        self.BILLSTATUS_URL = os.environ.get(
            "CRM_BILLSTATUS_URL", "https://www.govinfo.gov/bulkdata/BILLSTATUS"
        )
        # A running import's worker writes a heartbeat every IMPORT_HEARTBEAT_EVERY seconds; a run
        # without one for IMPORT_LEASE seconds lost its worker and is marked failed.
        self.IMPORT_HEARTBEAT_EVERY = env_float("IMPORT_HEARTBEAT_EVERY", 10)
        self.IMPORT_LEASE = env_float("IMPORT_LEASE", 120)
        self.inbound_config()
        self.api_config()

    def inbound_config(self) -> None:
        """Contacts logged by email: the coalition mailbox polled over IMAP (crm.inbound)."""
        # No host: polling is off (the job records "not configured" and does nothing).
        self.INBOUND_IMAP_HOST = env("INBOUND_IMAP_HOST")
        self.INBOUND_IMAP_SSL = env_bool("INBOUND_IMAP_SSL", True)
        self.INBOUND_IMAP_PORT = env_int("INBOUND_IMAP_PORT", 993 if self.INBOUND_IMAP_SSL else 143)
        self.INBOUND_IMAP_USER = env("INBOUND_IMAP_USER")
        self.INBOUND_IMAP_PASSWORD = env("INBOUND_IMAP_PASSWORD")
        self.INBOUND_IMAP_FOLDER = env("INBOUND_IMAP_FOLDER", "INBOX")
        # Where handled messages go (a folder created if missing); "" leaves them, marked \Seen.
        self.INBOUND_IMAP_DONE_FOLDER = os.environ.get("CRM_INBOUND_IMAP_DONE_FOLDER", "")
        self.INBOUND_IMAP_TIMEOUT = env_float("INBOUND_IMAP_TIMEOUT", 30)
        # The address members BCC or forward to (comma-separated if several); never matched as a
        # person contacted. The IMAP user counts too when it is an address.
        self.INBOUND_ADDRESS = env("INBOUND_ADDRESS", "")
        # How often beat polls the mailbox (seconds), and at most how many messages a run reads.
        self.INBOUND_EVERY = env_float("INBOUND_EVERY", 120)
        self.INBOUND_BATCH = env_int("INBOUND_BATCH", 200)

    def api_config(self) -> None:
        """The JSON API (crm/api): its OpenAPI document and its rate limits per token."""
        self.API_TITLE = "IMG Taskforce CRM API"
        self.API_VERSION = "v1"
        self.OPENAPI_VERSION = "3.1.0"
        self.OPENAPI_URL_PREFIX = "/api"
        self.OPENAPI_JSON_PATH = "openapi.json"
        # Calls per token (per address for calls without a valid-looking token); limits syntax.
        self.API_RATE_LIMIT = env("API_RATE_LIMIT", "120/minute;2000/hour")
        # Where the counters live: this, else the app's Redis, else this process's memory. When
        # Redis is down the counters fall back to memory (logged), so the API keeps answering.
        self.RATELIMIT_STORAGE_URI = env("RATELIMIT_STORAGE_URL") or self.REDIS_URL or "memory://"
        # A Redis that is down is noticed in a fraction of a second, not at a request's timeout.
        self.RATELIMIT_STORAGE_OPTIONS = (
            {"socket_connect_timeout": 0.3, "socket_timeout": 0.3}
            if self.RATELIMIT_STORAGE_URI.startswith("redis")
            else {}
        )
        self.RATELIMIT_HEADERS_ENABLED = True
        self.RATELIMIT_KEY_PREFIX = "crm-api"
        self.API_MAX_PAGE = 200

    def accounts_config(self) -> None:
        """Sign-in throttling, proxies, password reset, session lifetimes, two-factor."""
        # Password checks allowed per account per window (a correct password resets the count).
        self.LOGIN_MAX_FAILURES_ACCOUNT = env_int("LOGIN_MAX_FAILURES_ACCOUNT", 5)
        # Failed sign-ins per client address per window; past it the address is slowed down
        # (one check per LOGIN_ADDRESS_DELAY seconds, doubling), never locked out, and its
        # failures no longer count against accounts.
        self.LOGIN_MAX_FAILURES_IP = env_int("LOGIN_MAX_FAILURES_IP", 20)
        self.LOGIN_ADDRESS_DELAY = env_int("LOGIN_ADDRESS_DELAY", 5)
        self.LOGIN_FAILURE_WINDOW = env_int("LOGIN_FAILURE_WINDOW", 15 * 60)
        # Reverse proxies in front of the app whose X-Forwarded-For/-Proto are believed
        # (0: none, the client address is the socket's).
        self.TRUSTED_PROXIES = env_int("TRUSTED_PROXIES", 0)
        # Password reset links: lifetime, and requests per address (email) per hour.
        self.PASSWORD_RESET_MAX_AGE = env_int("PASSWORD_RESET_MAX_AGE", 60 * 60)
        self.PASSWORD_RESET_PER_HOUR = env_int("PASSWORD_RESET_PER_HOUR", 3)
        # Server-side sessions end after this long without a request, and this long after
        # sign-in whatever happens.
        self.SESSION_IDLE_MINUTES = env_int("SESSION_IDLE_MINUTES", 120)
        self.SESSION_MAX_HOURS = env_int("SESSION_MAX_HOURS", 12)
        # Roles that must set up two-factor sign-in before using the app: "" (nobody),
        # "member" (everyone), "coordinator" (coordinators and admins) or "admin".
        self.REQUIRE_2FA_FOR = (env("REQUIRE_2FA_FOR", "") or "").strip().lower()
        if self.REQUIRE_2FA_FOR not in ("", "member", "coordinator", "admin"):
            raise ConfigError(
                "CRM_REQUIRE_2FA_FOR must be empty, member, coordinator or admin, not "
                f"{self.REQUIRE_2FA_FOR!r}."
            )
        if self.TRUSTED_PROXIES < 0:
            raise ConfigError("CRM_TRUSTED_PROXIES is a number of proxies: 0 or more.")

    def jobs_config(self) -> None:
        """Periodic jobs, the outbox, retries, reminders and digests (seconds unless named)."""
        # How often beat runs each periodic job (worker/schedule.py). Values that divide an hour
        # run on the clock (every 15 minutes = :00, :15, :30, :45), so half-hour zones get their
        # digest on time.
        self.REMINDERS_EVERY = env_float("REMINDERS_EVERY", 300)
        self.DIGESTS_EVERY = env_float("DIGESTS_EVERY", 900)
        self.OUTBOX_EVERY = env_float("OUTBOX_EVERY", 60)
        # Hourly although lapses are counted in days: the job is idempotent (one follow-up per
        # lapse) and cheap when nothing lapsed, and a fresh deployment shows it ran within the hour.
        self.CADENCE_EVERY = env_float("CADENCE_EVERY", 3600)
        # Tracked bills are fetched again from the Bill Status bulk data this often (6 hours).
        self.BILL_REFRESH_EVERY = env_float("BILL_REFRESH_EVERY", 6 * 3600)
        # /readyz and the status page report jobs that never ran (False: only late ones).
        self.JOBS_EXPECTED = env_bool("JOBS_EXPECTED", True)
        # A new ledger row waits this long for the worker before the outbox sweep nudges it; a
        # nudged row is not nudged again before OUTBOX_RENUDGE.
        self.OUTBOX_GRACE = env_float("OUTBOX_GRACE", 60)
        self.OUTBOX_RENUDGE = env_float("OUTBOX_RENUDGE", 600)
        self.OUTBOX_BATCH = env_int("OUTBOX_BATCH", 500)
        # A row still "sending" after this long belongs to a worker that died: it becomes
        # "unknown" (shown to admins), never resent automatically.
        self.SENDING_STALE_AFTER = env_float("SENDING_STALE_AFTER", 900)
        # Transient SMTP failures (connection errors, 4xx): exponential backoff, then "failed".
        self.MAIL_RETRY_BASE = env_float("MAIL_RETRY_BASE", 60)
        self.MAIL_RETRY_MAX = env_float("MAIL_RETRY_MAX", 6 * 3600)
        self.MAIL_MAX_ATTEMPTS = env_int("MAIL_MAX_ATTEMPTS", 8)
        # Reminders: "due soon" N days before, overdue every N days, escalation after N days;
        # sent only between these local hours of the recipient ("8-20").
        self.REMINDER_DUE_SOON_DAYS = env_int("REMINDER_DUE_SOON_DAYS", 2)
        self.REMINDER_OVERDUE_EVERY_DAYS = env_int("REMINDER_OVERDUE_EVERY_DAYS", 3)
        self.REMINDER_ESCALATE_AFTER_DAYS = env_int("REMINDER_ESCALATE_AFTER_DAYS", 7)
        self.REMINDER_HOURS = env("REMINDER_HOURS", "8-20")
        # A digest missed at its hour (worker down) is still sent within this many hours.
        self.DIGEST_CATCH_UP_HOURS = env_float("DIGEST_CATCH_UP_HOURS", 6)
        # Signed links in emails: "mark done" / "snooze a week", and one-click unsubscribe.
        self.LINK_MAX_AGE = env_int("LINK_MAX_AGE", 14 * 24 * 3600)
        self.UNSUBSCRIBE_MAX_AGE = env_int("UNSUBSCRIBE_MAX_AGE", 90 * 24 * 3600)
        # A web request never waits longer than this for the broker (the outbox catches up).
        self.BROKER_CONNECT_TIMEOUT = env_float("BROKER_CONNECT_TIMEOUT", 1)

    def database_url(self) -> str | None:
        return env("DATABASE_URL")

    def default_base_url(self) -> str:
        return "http://127.0.0.1:5000"

    def default_mail_backend(self) -> str:
        return "smtp"

    def celery_config(self) -> dict:
        if self.REDIS_URL:
            broker = self.REDIS_URL
            # Retries never use ETA/countdown (the outbox sweep retries from the database), so
            # the visibility timeout only has to outlast the longest task; it is set far longer.
            transport = {
                "visibility_timeout": 2 * 3600,
                "socket_connect_timeout": 2,
                "socket_keepalive": True,
            }
        else:
            # Embedded default: kombu's SQLAlchemy transport on a SQLite file. Its transport
            # options go to create_engine(): wait on a locked file instead of failing.
            broker = f"sqlalchemy+sqlite:///{INSTANCE / 'broker.sqlite'}"
            transport = {"connect_args": {"timeout": 30}}
        return {
            "broker_url": broker,
            "broker_transport_options": transport,
            "task_ignore_result": True,
            "task_acks_late": True,
            "task_reject_on_worker_lost": True,
            "worker_prefetch_multiplier": 1,
            "worker_cancel_long_running_tasks_on_connection_loss": True,
            "broker_connection_retry_on_startup": True,
            "beat_schedule_filename": str(INSTANCE / "celerybeat-schedule"),
            "timezone": "UTC",
        }


class DevelopmentConfig(Config):
    """The embedded default: SQLite in instance/, mail kept in the dev mailbox."""

    ENV_NAME = "development"
    DEBUG = False

    def __init__(self) -> None:
        super().__init__()
        if not self.SECRET_KEY:
            self.SECRET_KEY = dev_secret_key()

    def database_url(self) -> str:
        return env("DATABASE_URL", f"sqlite:///{INSTANCE / 'crm.sqlite'}")

    def default_base_url(self) -> str:
        """Where `.ci/dev` serves the app (it writes instance/base-url), so a command run by hand
        in another shell (`crm send-reminders`) links to the same port as the worker."""
        return dev_base_url(INSTANCE) or super().default_base_url()

    def default_mail_backend(self) -> str:
        return "mailbox"


class TestingConfig(Config):
    """Used by the test suite; points only at services on 127.0.0.1."""

    ENV_NAME = "testing"
    TESTING = True

    def __init__(self) -> None:
        super().__init__()
        self.SECRET_KEY = "test-secret-key-not-for-production"
        self.SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True, "hide_parameters": False}
        self.MAIL_BACKEND = env("MAIL_BACKEND", "mailbox")
        self.JOBS_MODE = env("JOBS_MODE", "inline")
        self.IMPORT_CACHE_DIR = os.environ.get("CRM_IMPORT_CACHE_DIR", "")
        self.BILLSTATUS_URL = os.environ.get("CRM_BILLSTATUS_URL", "")  # tests stay offline
        self.BASE_URL = "http://crm.test"
        self.PASSWORD_HASH_FAST = True
        self.JOBS_EXPECTED = env_bool("JOBS_EXPECTED", False)
        if self.MAIL_SERVER not in {"127.0.0.1", "::1", "localhost"}:
            raise ConfigError("Tests only send mail to a local SMTP sink (CRM_MAIL_SERVER).")

    def database_url(self) -> str:
        return env("DATABASE_URL", "sqlite://")


class ProductionConfig(Config):
    """PostgreSQL, Redis, SMTP. Refuses to start without a secret key and database URL."""

    ENV_NAME = "production"

    def __init__(self) -> None:
        super().__init__()
        self.SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", True)
        missing = [n for n in ("SECRET_KEY", "DATABASE_URL") if not env(n)]
        if missing:
            names = ", ".join(f"CRM_{n}" for n in missing)
            raise ConfigError(
                f"Production configuration is missing {names}. Set it in the environment."
            )


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def load_config(name: str | None = None) -> Config:
    """Instantiate the config named by the argument or CRM_ENV (default: development)."""
    name = name or env("ENV", "development")
    try:
        return CONFIGS[name]()
    except KeyError:
        raise ConfigError(f"CRM_ENV must be one of {', '.join(CONFIGS)}, not {name!r}.") from None


def dev_base_url(instance: Path) -> str | None:
    """The URL `.ci/dev` last served on (instance/base-url), if it wrote one."""
    try:
        text = (instance / "base-url").read_text().strip()
    except OSError:
        return None
    return text if text.startswith(("http://", "https://")) else None


def dev_secret_key() -> str:
    """A random key kept in instance/ so development sessions survive restarts."""
    INSTANCE.mkdir(exist_ok=True)
    path = INSTANCE / "secret_key"
    if not path.exists():
        path.write_text(os.urandom(32).hex())
        path.chmod(0o600)
    return path.read_text().strip()
