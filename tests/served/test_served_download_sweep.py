"""Every download of the url_map (CSV, ICS) fetched from the served app to its end and parsed.

A download answers 200 with its content type, the whole body arrives (the stream does not abort
after its first bytes), and it parses: CSV with the csv module (header plus rows, every row as
wide as the header), calendars with icalendar.
"""

from __future__ import annotations

import csv
import io

import pytest

from tests.served.conftest import ALL_TABLES
from tests.test_access import EXPECTED, ROUTES, sample_url

pytestmark = [pytest.mark.browser, pytest.mark.keep_tables(*ALL_TABLES)]

# The values a <table> in a download's URL takes, and query strings worth trying.
TABLES = {
    "policy.issue_whip_csv": ["targets", "counts", "weekly", "commitments"],
    "policy.bill_whip_csv": ["targets", "counts", "weekly", "commitments"],
    "reports.not_contacted_csv": ["people", "state", "chamber", "committee"],
}
QUERIES = {
    "people.export": ["", "?state=TX", "?state=TX&party=Republican&sort=last_contact", "?q=zzz"],
    "reports.activity_csv": ["", "?table=kinds"],
}
ROLE_FOR = {"public": "member", "member": "member", "coordinator": "coordinator", "admin": "admin"}
DOWNLOADS = sorted(
    (endpoint, rule)
    for endpoint, rule, method in ROUTES
    if method == "GET" and rule.endswith((".csv", ".ics", ".pdf", ".xlsx"))
)
CASES = [
    (endpoint, rule, table, query)
    for endpoint, rule in DOWNLOADS
    for table in TABLES.get(endpoint, [None])
    for query in QUERIES.get(endpoint, [""])
]


def parse_csv(body: bytes) -> list[list[str]]:
    text = body.decode("utf-8")
    assert text.startswith("\ufeff"), "CSV downloads start with a byte-order mark"
    rows = list(csv.reader(io.StringIO(text[1:])))
    assert rows and rows[0], "no header"
    assert all(len(r) == len(rows[0]) for r in rows), "rows as wide as the header"
    return rows


@pytest.mark.parametrize(
    "endpoint,rule,table,query",
    CASES,
    ids=[f"{e}-{t or ''}{q}" for e, _, t, q in CASES],
)
def test_download(endpoint, rule, table, query, world, role_context, served_app):
    ids = {**world.ids, "table": table or ""}
    if endpoint == "assignments.calendar_feed":
        ids["token"] = world.ids["calendar_token"]
    if endpoint == "events.mine_ics":  # an advocacy day's schedule, not a feed of assignments
        context = role_context("member")
        response = context.request.get(served_app.url(sample_url(rule, ids)), max_redirects=0)
        assert response.status == 200
        import icalendar

        assert icalendar.Calendar.from_ical(response.body()).walk("VEVENT")
        return
    path = sample_url(rule, ids) + query
    context = role_context(ROLE_FOR[EXPECTED[endpoint]])
    response = context.request.get(served_app.url(path), max_redirects=0)
    body = response.body()
    assert response.status == 200, (path, response.status, served_app.log(3000))
    if rule.endswith(".pdf"):
        assert response.headers["content-type"].startswith("application/pdf")
        assert body.startswith(b"%PDF-") and b"%%EOF" in body[-1024:], "a whole PDF"
    elif rule.endswith(".xlsx"):
        import openpyxl

        workbook = openpyxl.load_workbook(io.BytesIO(body), read_only=True)
        assert workbook.sheetnames, "a workbook with sheets"
    elif rule.endswith(".ics"):
        import icalendar

        assert response.headers["content-type"].startswith("text/calendar")
        calendar = icalendar.Calendar.from_ical(body)
        events = [c for c in calendar.walk("VEVENT")]
        assert events, "the member's open assignments are in the feed"
        assert all(e.get("summary") for e in events)
    else:
        assert response.headers["content-type"].startswith("text/csv")
        assert "attachment" in response.headers.get("content-disposition", "")
        rows = parse_csv(body)
        if endpoint == "people.export" and "state=TX" in query:
            state = rows[0].index("State")
            assert len(rows) > 1 and all(r[state] == "TX" for r in rows[1:])
        if endpoint == "people.export" and query == "":
            # The header, the world's legislators, and the agency's staffer.
            assert len(rows) == 1 + len(world.people) + 1
