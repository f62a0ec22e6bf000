"""The lists built in Python rather than by a macro (crm.templating.feed_html and
directory_rows_html): every text escaped, every row linked, each optional part shown only when
it applies. The pages that show them are checked served and in a browser by the page sweep."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from crm.clock import utcnow
from crm.interactions.services import FeedItem, Ref
from crm.people.services import DirectoryRow
from crm.templating import directory_rows_html, feed_html

HOSTILE = '<script>alert("x")</script> & co'
ESCAPED = "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; co"
WHEN = datetime(2026, 3, 8, 17, 30, tzinfo=UTC)


def item(**changes) -> FeedItem:
    values = dict(
        id=41,
        kind="call",
        occurred_at=WHEN,
        subject="Conrad 30 ask",
        private=False,
        logged_by=Ref(3, "Lena Fischer"),
        people=[Ref(7, "Ann Lee"), Ref(8, "Bo Park")],
        issues=[Ref(1, "Conrad 30"), Ref(2, "Visa caps")],
        organization=None,
    )
    return FeedItem(**{**values, **changes})


def row(**changes) -> DirectoryRow:
    values = dict(
        id=7,
        full_name="Ann Lee",
        kind="legislator",
        party="Democratic",
        party_label=None,
        in_office=True,
        deleted_at=None,
        tier="1",
        seat="TX Senate District 4",
        holder_name="Lena Fischer",
        last_contacted_at=utcnow() - timedelta(days=3),
        last_by_name="Bo Park",
    )
    return DirectoryRow(**{**values, **changes})


@pytest.fixture
def request_context(app):
    with app.test_request_context("/"):
        yield


def test_feed_escapes_every_text(request_context):
    html = str(
        feed_html(
            [
                item(
                    kind=HOSTILE,
                    subject=HOSTILE,
                    logged_by=Ref(3, HOSTILE),
                    people=[Ref(7, HOSTILE)],
                    issues=[Ref(1, HOSTILE)],
                    organization=Ref(5, HOSTILE),
                )
            ]
        )
    )
    assert "<script>" not in html
    assert html.count(ESCAPED) == 6  # kind, person, organization, subject, logged by, issue


def test_feed_links_and_shows_each_part(request_context):
    html = str(feed_html([item(), item(id=42, subject=None, issues=[])]))
    assert html.count('<li class="list-group-item feed-item">') == 2
    assert '<a href="/people/7">Ann Lee</a>, <a href="/people/8">Bo Park</a>' in html
    assert 'href="/interactions/41"' in html and 'href="/interactions/42"' in html
    # In the site's zone (New York), where daylight saving time began that morning.
    assert '<time datetime="2026-03-08T17:30:00+00:00">Mar 8, 2026 1:30 PM</time>' in html
    assert '<div class="fw-semibold mt-1">Conrad 30 ask</div>' in html
    assert html.count("fw-semibold") == 1  # the contact without a subject has none
    assert "by Lena Fischer · Conrad 30, Visa caps</div>" in html
    assert "by Lena Fischer</div>" in html  # no issues: no separator
    assert "Private" not in html and "feed-org" not in html


def test_feed_private_organization_and_people_left_out(request_context):
    one = item(private=True, organization=Ref(5, "Texas Medical Board"), logged_by=None)
    with_people = str(feed_html([one]))
    assert '<span class="badge text-bg-secondary">Private</span>' in with_people
    assert (
        '<a href="/people/8">Bo Park</a> · <a class="feed-org" href="/organizations/5">'
        "Texas Medical Board</a>" in with_people
    )
    assert "by  · Conrad 30" in with_people  # who logged it is unknown: nothing after "by"
    without = str(feed_html([one], show_people=False))
    assert "/people/" not in without
    assert 'Private</span> <a class="feed-org" href="/organizations/5">' in without  # no " · "


def test_feed_of_nothing_is_empty(request_context):
    assert str(feed_html([])) == ""


def test_directory_rows_escape_every_text(request_context):
    html = str(
        directory_rows_html(
            [
                row(
                    full_name=HOSTILE,
                    party=HOSTILE,
                    party_label=HOSTILE,
                    tier=HOSTILE,
                    seat=HOSTILE,
                    holder_name=HOSTILE,
                    last_by_name=HOSTILE,
                )
            ]
        )
    )
    assert "<script>" not in html
    # name, party title, tier class and label, seat twice, holder, last contact's member
    assert html.count(ESCAPED) == 8
    assert "party-&lt;" in html  # the party's letter, lower-cased, in its class


def test_directory_rows_show_each_part(request_context):
    rows = [
        row(),
        row(
            id=8,
            kind="staff",
            party=None,
            seat="",
            in_office=False,
            deleted_at=utcnow(),
            tier="3",
            holder_name=None,
            last_contacted_at=None,
            last_by_name=None,
        ),
    ]
    html = str(directory_rows_html(rows))
    first, second = html.split("</tr>")[:2]
    assert (
        '<a class="fw-semibold" href="/people/7">Ann Lee</a> <span class="party party-d"' in first
    )
    assert 'title="Democratic">D</span>' in first
    assert first.count("TX Senate District 4") == 2  # under the name on a phone, and its column
    assert '<span class="tier tier-1">' in first and "Lena Fischer" in first
    assert '3 days ago<span class="d-none d-md-inline"> by Bo Park</span>' in first
    assert "table-secondary" not in first and "out of office" not in first
    assert '<tr class="table-secondary">' in second and 'href="/people/8"' in second
    assert "party" not in second  # staff have no party badge
    assert '<span class="badge text-bg-light">out of office</span>' in second
    assert second.count(">Staff<") == 2  # no seat: the kind instead
    assert '<span class="text-body-secondary">never</span>' in second
