"""Small helpers the views share."""

from __future__ import annotations

from flask import Response, abort, request, stream_with_context


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


def csv_file(filename: str, lines) -> Response:
    """A CSV download. The lines stream inside the request, so a query they read from stays open."""
    return Response(
        stream_with_context(lines),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def csv_response(filename: str, header: list[str], rows) -> Response:
    """A table as a CSV download (UTF-8 with BOM, formula cells neutralised)."""
    from crm.people.services import csv_rows

    return csv_file(filename, csv_rows(header, rows))
