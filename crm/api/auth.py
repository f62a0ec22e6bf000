"""Who calls the API: a personal access token, never a session cookie.

The token acts as its user (every read goes through the same visibility rules, every write
through the same services). Reads need the "read" scope, writes "write". Audit, by volume:
each token keeps its last use (written at most once a minute), and every write call adds an
audit row naming the token, beside the rows the services write for what changed.
"""

from __future__ import annotations

import hashlib
import logging

from flask import abort, g, request

from crm import audit
from crm.api import tokens
from crm.clock import utcnow
from crm.extensions import db
from crm.models import ApiToken, User

log = logging.getLogger(__name__)
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def bearer_secret() -> str | None:
    """The token from an "Authorization: Bearer <secret>" header, or None."""
    scheme, _, secret = (request.headers.get("Authorization") or "").partition(" ")
    return secret.strip() if scheme.lower() == "bearer" and secret.strip() else None


def rate_limit_key() -> str:
    """Counters per token (by its digest: no database read before the limit is checked); calls
    without one count per address."""
    secret = bearer_secret()
    if secret:
        return "token:" + hashlib.sha256(secret.encode()).hexdigest()[:32]
    return "address:" + (request.remote_addr or "unknown")


def authenticate() -> None:
    """before_request of the API: a live token with the scope this method needs, or 401/403."""
    if request.method == "OPTIONS":
        return
    now = utcnow()
    token = tokens.authenticate(bearer_secret() or "", now)
    if token is None:
        abort(401)
    scope = "read" if request.method in SAFE_METHODS else "write"
    if not token.allows(scope):
        abort(403, f"This token may not {scope}: make one with the {scope} scope.")
    g.api_token = token
    g.api_user = token.user
    tokens.note_use(token, request.remote_addr, now)


def api_user() -> User:
    """The user the request's API token belongs to."""
    return g.api_user


def api_token() -> ApiToken:
    """The API token the request authenticated with."""
    return g.api_token


def audit_write(response):
    """after_request of the API: every write call leaves an audit row naming its token."""
    token = g.get("api_token")
    if token is None or request.method in SAFE_METHODS:
        return response
    try:
        db.session.rollback()  # nothing half-done of a failed call is committed with this row
        audit.record(
            token.user,
            "api_call",
            token,
            after={"method": request.method, "path": request.path, "status": response.status_code},
            now=utcnow(),
        )
        db.session.commit()
    except Exception:  # the call's own result stands even if its audit row cannot be written
        db.session.rollback()
        log.exception("could not audit API call %s %s", request.method, request.path)
    return response
