"""Domain errors raised by services, and the error pages."""

from __future__ import annotations

import logging
from contextlib import contextmanager

from flask import Flask, jsonify, render_template, request
from sqlalchemy.orm.exc import StaleDataError

from crm.extensions import db

log = logging.getLogger(__name__)


class DomainError(Exception):
    """A business rule was broken; the message is shown to the user (`field`: its form field)."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class NotAllowed(DomainError):
    """The acting user may not do this to this record."""


class Conflict(DomainError):
    """Someone else changed the record since it was loaded."""

    def __init__(
        self,
        message: str = "Someone else changed this record while you were editing. "
        "Reload the page to see their change, then try again.",
    ):
        super().__init__(message)


@contextmanager
def no_lost_update():
    """Around a service's writes to a versioned record: when another save won the race in between
    (the UPDATE ... WHERE version = ? matched no row), roll back and raise Conflict, which the
    view shows like a stale form (theirs beside mine), never as an error page."""
    try:
        yield
    except StaleDataError:
        db.session.rollback()
        raise Conflict() from None


def apply_to_form(form, error: DomainError) -> None:
    """Attach a domain error to the form field it concerns (or the form as a whole)."""
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, error.message]
    else:
        form.form_errors.append(error.message)


PAGES = {
    400: ("Bad request", "The request could not be understood. Reload the page and try again."),
    401: ("Please sign in", "Your session has ended. Sign in again to continue."),
    403: ("Not allowed", "Your role does not allow this page. Ask a coordinator or admin."),
    404: ("Not found", "There is nothing here. It may have been deleted or the link is wrong."),
    405: ("Not allowed", "That method is not allowed here."),
    413: ("Too large", "That upload is larger than the server accepts (CRM_MAX_UPLOAD_MB)."),
    409: ("Changed meanwhile", "Someone else changed this record. Reload and try again."),
    429: ("Too many attempts", "Too many attempts. Wait a few minutes and try again."),
    500: ("Something went wrong", "An unexpected error occurred. It has been logged."),
    503: ("Unavailable", "The service is temporarily unavailable."),
}


DETAILS_API = {409: "Someone else changed this record. Read it again and retry."}


def render_error(code: int, message: str | None = None):
    """The error page for a status code (JSON when asked for), with our message or the default
    one."""
    from crm.api.problems import is_api_request, problem

    if is_api_request():
        return problem(code, message or DETAILS_API.get(code))
    title, default = PAGES.get(code, PAGES[500])
    if request.accept_mimetypes.best == "application/json":
        return jsonify(error=title, message=message or default), code
    return render_template(
        "errors/error.html", code=code, title=title, message=message or default
    ), code


def init_app(app: Flask) -> None:
    """Render CSRF failures, HTTP errors, stale edits (409) and unexpected errors (500, logged)
    as our error pages."""
    from flask_wtf.csrf import CSRFError
    from werkzeug.exceptions import HTTPException

    @app.errorhandler(CSRFError)
    def csrf_error(e):
        return render_error(
            400, "The form expired or was not sent from this site. Reload and try again."
        )

    @app.errorhandler(HTTPException)
    def http_error(e):
        from crm.api.problems import from_http_exception, is_api_request

        if is_api_request():
            return from_http_exception(e)
        return render_error(
            e.code or 500, getattr(e, "description", None) if e.code == 429 else None
        )

    @app.errorhandler(StaleDataError)
    def stale(e):
        db.session.rollback()
        return render_error(409)

    @app.errorhandler(Exception)
    def unexpected(e):
        log.exception("unhandled error on %s %s", request.method, request.path)
        db.session.rollback()
        return render_error(500)
