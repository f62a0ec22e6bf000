"""Security headers on every response, error pages included."""

from __future__ import annotations

from flask import Flask

CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


def add_headers(response):
    """Add the security headers (CSP and the rest; no-store on HTML) to a response, keeping any
    it has."""
    h = response.headers
    h.setdefault("Content-Security-Policy", CSP)
    h.setdefault("X-Content-Type-Options", "nosniff")
    h.setdefault("X-Frame-Options", "DENY")
    h.setdefault("Referrer-Policy", "same-origin")
    h.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    h.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if response.mimetype == "text/html":
        h.setdefault("Cache-Control", "no-store")
    return response


def init_app(app: Flask) -> None:
    """Add the security headers to every response."""
    app.after_request(add_headers)
