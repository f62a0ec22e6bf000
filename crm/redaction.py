"""Secrets out of logs: the tokens that travel in URLs (calendar feeds, signed email links,
invitations, password resets) are replaced by [redacted] in every log line.

One function, `redact`, used by gunicorn's access log (RedactingGunicornLogger, named in
gunicorn.conf.py) and for every log record of the process, Werkzeug's request log and the app's
own included (install_log_redaction), so a log file or a log service never holds a working link.
"""

from __future__ import annotations

import logging
import re

from gunicorn.glogging import Logger as GunicornLogger

MASK = "[redacted]"

# Routes whose next path segment is a secret. Listed by prefix, so a route added under one of
# them (a new kind of signed link) is covered; the patterns below catch token-shaped values
# anywhere else.
SECRET_PREFIXES = (
    "calendar",
    "links/[a-z_-]+",
    "unsubscribe",
    "invitation",
    "invitations",
    "reset",
    "password/reset",
    "reset-password",
    "auth/reset",
)
_PATH = re.compile(
    r"(/(?:" + "|".join(SECRET_PREFIXES) + r")/)[^/?#\s\"']+?(\.ics)?(?=[/?#\s\"']|$)"
)
# Query parameters that carry secrets, whatever the route.
_QUERY = re.compile(
    r"([?&](?:token|t|key|code|sig|signature|secret|password|reset|invite|invitation)=)"
    r"[^&#\s\"']*",
    re.IGNORECASE,
)
# Token-shaped values: itsdangerous tokens (payload.timestamp.signature) and long random runs.
_SIGNED = re.compile(r"[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{4,}\.[A-Za-z0-9_\-]{16,}")
_LONG = re.compile(r"(?<![A-Za-z0-9_\-])[A-Za-z0-9_\-]{32,}(?![A-Za-z0-9_\-])")


def redact(text: str) -> str:
    """The text with URL secrets replaced by [redacted]."""
    if not text or not isinstance(text, str):
        return text
    text = _PATH.sub(lambda m: m.group(1) + MASK + (m.group(2) or ""), text)
    text = _QUERY.sub(lambda m: m.group(1) + MASK, text)
    text = _SIGNED.sub(MASK, text)
    return _LONG.sub(MASK, text)


class RedactingGunicornLogger(GunicornLogger):
    """gunicorn's logger with every access-log field redacted (request line, path, query,
    referrer, headers), and its error log too."""

    def atoms(self, resp, req, environ, request_time):
        """The access log's fields with secrets redacted."""
        atoms = super().atoms(resp, req, environ, request_time)
        return {k: redact(v) if isinstance(v, str) else v for k, v in atoms.items()}

    def error(self, msg, *args, **kwargs):
        """Log an error with secrets redacted."""
        super().error(redact(str(msg) % args if args else str(msg)), **kwargs)

    def exception(self, msg, *args, **kwargs):
        """Log an exception with secrets redacted."""
        super().exception(redact(str(msg) % args if args else str(msg)), **kwargs)


def install_log_redaction() -> None:
    """Redact every log record the process creates (Werkzeug's request log, the app's, the
    worker's): the record factory formats and redacts the message once, at creation, so no
    handler added later (gunicorn's, a log shipper's) can see it unredacted."""
    current = logging.getLogRecordFactory()
    if getattr(current, "redacts", False):
        return

    def factory(*args, **kwargs) -> logging.LogRecord:
        record = current(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # a malformed record is left for logging to report
            return record
        record.msg, record.args = redact(message), ()
        return record

    factory.redacts = True
    logging.setLogRecordFactory(factory)
