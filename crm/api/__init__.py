"""The JSON API: /api/v1 (crm/api/routes.py), its OpenAPI 3.1 document at /api/openapi.json
(flask-smorest) and a documentation page at /api/docs (Swagger UI, vendored under static/)."""

from __future__ import annotations

from flask import Blueprint, Flask, current_app, render_template
from flask_limiter import Limiter
from flask_smorest import Api

from crm.api.problems import from_http_exception

docs_bp = Blueprint("api_docs", __name__)


@docs_bp.get("/api/docs")
def docs():
    """The API's reference, read from /api/openapi.json, to try calls with a token."""
    return render_template("api/docs.html")


class CrmApi(Api):
    """flask-smorest, with errors left to crm.errors (problem details under /api, pages
    elsewhere): its own handler would answer every error of the whole site in JSON."""

    def _register_error_handlers(self):
        pass

    def _register_responses(self):
        """The responses flask-smorest documents by itself (422 of arguments, 412/428 of
        ETags, the default error) as problem details, which is what crm.errors sends."""
        import http

        from flask_smorest.utils import prepare_response

        from crm.api.problems import MEDIA_TYPE
        from crm.api.schemas import Problem

        for status in http.HTTPStatus:
            response = {"description": status.phrase}
            error = status >= 400
            if error:
                response["schema"] = Problem
            prepare_response(
                response, self.spec, MEDIA_TYPE if error else self.DEFAULT_RESPONSE_CONTENT_TYPE
            )
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "A problem (RFC 9457)", "schema": Problem}
        prepare_response(response, self.spec, MEDIA_TYPE)
        self.spec.components.response("DEFAULT_ERROR", response, lazy=True)

    def handle_http_exception(self, error):  # pragma: no cover - not registered
        """An HTTP error as a problem-details response (kept for flask-smorest; not registered)."""
        return from_http_exception(error)


api = CrmApi(
    spec_kwargs={
        "info": {
            "description": "Personal access tokens are made in Settings → API tokens. Send one "
            "as `Authorization: Bearer <token>`. Lists are in id order and paged by "
            "`cursor`; single resources carry an ETag and PATCH needs `If-Match` (428 "
            "without, 412 when stale). Errors are `application/problem+json`."
        },
        "servers": [{"url": "/"}],
    }
)


def init_app(app: Flask) -> None:
    """Mount the API on the app: token auth, no CSRF, a per-token rate limit and the docs page."""
    from crm.api.auth import rate_limit_key
    from crm.api.routes import bp
    from crm.extensions import csrf
    from crm.ids import MAX_ID, IdConverter

    api.init_app(app)
    api.register_converter(
        IdConverter, lambda _c: {"type": "integer", "minimum": 1, "maximum": MAX_ID}
    )
    api.spec.components.security_scheme(
        "token", {"type": "http", "scheme": "bearer", "description": "A personal access token"}
    )
    api.spec.options["security"] = [{"token": []}]
    # Sessions never authenticate the API (crm/api/auth.py answers 401 without a token before
    # any view runs), so the CSRF check, which protects cookie sessions, is off for it: the
    # only calls that get past the token check carry a token a forged page cannot read.
    csrf.exempt(bp)
    # One limiter per app (its storage is the app's): only the API is limited, per token, in
    # RATELIMIT_STORAGE_URI; when that Redis is down the counters live in memory (logged).
    hooks = app_hooks(app)
    limiter = Limiter(rate_limit_key, app=app, default_limits=[], in_memory_fallback_enabled=True)
    limiter.shared_limit(lambda: current_app.config["API_RATE_LIMIT"], scope="api")(bp)
    app.extensions["api_limiter"] = limiter
    api.register_blueprint(bp)
    scope_hooks(app, hooks, bp.name)
    app.register_blueprint(docs_bp)


HOOKS = ("before_request_funcs", "after_request_funcs", "teardown_request_funcs")


def app_hooks(app: Flask) -> dict[str, list]:
    """The app-wide request hooks as they are now (for scope_hooks)."""
    return {name: list(getattr(app, name).get(None, ())) for name in HOOKS}


def scope_hooks(app: Flask, before: dict[str, list], blueprint: str) -> None:
    """Move the app-wide request hooks added since `before` (app_hooks) to one blueprint's
    requests, ahead of its own: Flask-Limiter hooks every request of the app, and all but the
    API's have no limit to check (a tenth of a cheap page's CPU)."""
    for name in HOOKS:
        funcs = getattr(app, name)
        added = [f for f in funcs.get(None, ()) if f not in before[name]]
        funcs[None] = [f for f in funcs.get(None, ()) if f not in added]
        funcs[blueprint] = added + funcs.get(blueprint, [])
