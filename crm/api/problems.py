"""Errors under /api as RFC 9457 problem details (application/problem+json)."""

from __future__ import annotations

from http import HTTPStatus

from flask import Response, json, request

MEDIA_TYPE = "application/problem+json"


def is_api_request() -> bool:
    """Anything under /api/ answers errors as problem details (the docs page included)."""
    return request.path == "/api" or request.path.startswith("/api/")


def problem(
    status: int, detail: str | None = None, *, errors: dict | None = None, headers=None
) -> Response:
    """An RFC 9457 problem-details response with this status, detail and field errors."""
    try:
        title = HTTPStatus(status).phrase
    except ValueError:
        title = "Error"
    body = {
        "type": "about:blank",
        "title": title,
        "status": status,
        "instance": request.path,
    }
    if detail:
        body["detail"] = detail
    if errors:
        body["errors"] = errors
    response = Response(json.dumps(body), status=status, mimetype=MEDIA_TYPE)
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


DETAILS = {
    401: "Send a valid API token: Authorization: Bearer <token>. Sessions do not sign in here.",
    404: "There is nothing here, or you may not see it.",
    405: "That method is not allowed on this resource.",
    412: "The resource changed since you read it (If-Match is stale). Read it again.",
    413: "The request body is larger than the server accepts.",
    428: "Send If-Match with the ETag you read, so a stale write cannot overwrite a newer one.",
    500: "An unexpected error occurred. It has been logged.",
}


def from_http_exception(e) -> Response:
    """A werkzeug HTTPException (abort, routing, webargs validation) as a problem."""
    code = e.code or 500
    errors = None
    data = getattr(e, "data", None) or {}
    if isinstance(data, dict) and data.get("messages"):
        errors = data["messages"]
    detail = getattr(e, "description", None) if code in (400, 403, 409, 422, 429) else None
    if code == 422 and errors:
        detail = "The request does not match the schema."
    headers = {}
    if code == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="api"'
    if code == 405 and getattr(e, "valid_methods", None):
        headers["Allow"] = ", ".join(e.valid_methods)
    response = e.get_response() if code == 429 else None
    if response is not None and response.headers.get("Retry-After"):
        headers["Retry-After"] = response.headers["Retry-After"]
    return problem(code, detail or DETAILS.get(code), errors=errors, headers=headers)
