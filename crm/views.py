"""Small helpers the views share."""

from __future__ import annotations

from flask import abort, request


def get_or_404(loader, *args):
    """Call a service loader; a missing or hidden record is a 404."""
    try:
        return loader(*args)
    except LookupError:
        abort(404)


def page_arg() -> int:
    try:
        return max(1, min(int(request.args.get("page", 1)), 100000))
    except ValueError:
        return 1
