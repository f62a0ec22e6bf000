"""Every download fetched from the app served by gunicorn, to its end, and parsed."""

from __future__ import annotations

import csv
import io

import pytest

from tests.factories import PersonFactory, UserFactory
from tests.serving import sign_in_state

pytestmark = pytest.mark.browser


def parse_csv(body: bytes) -> list[list[str]]:
    text = body.decode("utf-8")
    assert text.startswith("\ufeff"), "CSV downloads start with a byte-order mark"
    return list(csv.reader(io.StringIO(text[1:])))


def fetch(context, served_app, path: str):
    """GET from the served app with the context's cookies; the whole body is read."""
    response = context.request.get(served_app.url(path), max_redirects=0)
    return response, response.body()


def test_directory_export_downloads_a_whole_file(browser, served_app):
    """F1: the CSV streamed after the view returned and aborted after its BOM when served."""
    member = UserFactory(email="csv-member@example.org", role="member")
    for n in range(30):
        PersonFactory(first_name=f"Exported{n}", last_name="Person", state="TX" if n % 2 else "FL")
    context = browser.new_context(storage_state=sign_in_state(browser, served_app, member.email))
    try:
        response, body = fetch(context, served_app, "/people/export.csv")
        assert response.status == 200, served_app.log()
        assert response.headers["content-type"].startswith("text/csv")
        rows = parse_csv(body)
        assert rows[0][:2] == ["Name", "Kind"] or "Name" in rows[0][0]
        assert len(rows) == 31
        response, body = fetch(context, served_app, "/people/export.csv?state=TX")
        rows = parse_csv(body)
        assert len(rows) == 16 and all("Exported" in r[0] for r in rows[1:])
    finally:
        context.close()
