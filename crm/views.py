"""Small helpers the views share."""

from __future__ import annotations

from flask import Response, abort, render_template, request, stream_with_context


def get_or_404(loader, *args):
    """Call a service loader; a missing or hidden record is a 404."""
    try:
        return loader(*args)
    except LookupError:
        abort(404)


def client_ip() -> str:
    """The client's address: the socket's, or behind CRM_TRUSTED_PROXIES proxies (ProxyFix)
    the one the outermost trusted proxy saw."""
    return request.remote_addr or "unknown"


def render_form(template: str, form, **context):
    """A page with a form: 422 when the form has errors (bad input is shown again, as typed),
    409 when `conflict` is given (someone saved first), else 200."""
    status = 409 if context.get("conflict") else 422 if form.errors or form.form_errors else 200
    return render_template(template, form=form, **context), status


def page_arg() -> int:
    """The page number the query asks for, from 1 to 100000 (1 when not a number)."""
    try:
        return max(1, min(int(request.args.get("page", 1)), 100000))
    except ValueError:
        return 1


def csv_file(filename: str, lines) -> Response:
    """A CSV download, streamed. The lines are produced after the view returned, when the
    request's database session is closed: pass plain values, or a generator that reads through a
    session of its own (crm.people.services.export_people)."""
    return Response(
        stream_with_context(lines),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def csv_response(filename: str, header: list[str], rows) -> Response:
    """A table as a CSV download (UTF-8 with BOM, formula cells neutralised).

    The rows are read here, in the view, while the request's session is open (reports and whip
    boards are small); only the formatting streams."""
    from crm.people.services import csv_rows

    values = [list(row) for row in rows]
    return csv_file(filename, csv_rows(header, iter(values)))
