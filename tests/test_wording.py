"""Names and wording: greetings by first name (honorifics skipped) or the preferred name, and
"today" / "yesterday" / "N days ago" from one filter."""

from __future__ import annotations

from datetime import timedelta

import pytest

from crm.clock import utcnow
from crm.interactions.services import InteractionData, log_interaction
from crm.models.user import given_name
from tests.factories import PersonFactory, UserFactory


@pytest.mark.parametrize(
    "name, first",
    [
        ("Dr. Nia Newcomer", "Nia"),
        ("Prof. Ada Byron", "Ada"),
        ("Sen. Clara Whitmore", "Clara"),
        ("Rep. Ro Khanna", "Ro"),
        ("Mr. Omar Haddad", "Omar"),
        ("Ms Lena Fischer", "Lena"),
        ("Mrs. Maria Santos", "Maria"),
        ("The Hon. Jane Doe", "Jane"),
        ("Rahul Mehta", "Rahul"),
        ("Dr.", None),
    ],
)
def test_given_name_skips_honorifics(name, first):
    assert given_name(name) == first


def test_dashboard_greets_by_first_name_then_preferred_name(db, client, auth):
    nia = UserFactory(name="Dr. Nia Newcomer", email="nia@example.org")
    auth.login(nia.email)
    page = client.get("/").get_data(as_text=True)
    assert "Hello, Nia</h1>" in page and "Hello, Dr." not in page
    form = {
        "name": "Dr. Nia Newcomer",
        "preferred_name": "  Dr. N  ",
        "organization": "",
        "home_state": "TX",
        "timezone": "America/New_York",
        "digest_weekday": "0",
        "digest_hour": "7",
    }
    assert auth.post("/settings/", form).status_code == 302
    db.session.refresh(nia)
    assert nia.preferred_name == "Dr. N"
    assert "Hello, Dr. N</h1>" in client.get("/").get_data(as_text=True)
    settings = client.get("/settings/").get_data(as_text=True)
    assert 'name="preferred_name"' in settings and 'value="Dr. N"' in settings


def test_preferred_name_too_long_is_refused_and_kept(db, client, auth, as_member):
    form = {
        "name": as_member.name,
        "preferred_name": "x" * 61,
        "home_state": "TX",
        "timezone": "America/New_York",
        "digest_weekday": "0",
        "digest_hour": "7",
    }
    resp = auth.post("/settings/", form)
    assert resp.status_code == 422 and "x" * 61 in resp.get_data(as_text=True)


def test_last_contact_today_says_today_not_zero_days_ago(db, client, as_member, coordinator):
    person = PersonFactory()
    log_interaction(
        coordinator,
        InteractionData(people=[person.id], occurred_at=utcnow() - timedelta(minutes=5)),
        utcnow(),
    )
    hint = client.get(f"/log/last-contact?people={person.id}").get_data(as_text=True)
    assert "<strong>today</strong>" in hint and "0 days ago" not in hint


def test_ago_says_today_yesterday_and_days(app):
    from crm.templating import ago

    now = utcnow()
    with app.test_request_context():
        assert ago(now, now) == "today"
        assert ago(now - timedelta(days=1), now) == "yesterday"
        assert ago(now - timedelta(days=12), now) == "12 days ago"
        assert ago(now + timedelta(days=1), now) == "tomorrow"
        assert ago(None, now) == "never"


def test_quiet_hours_are_explained_in_settings_and_on_the_status_page(db, client, auth, admin):
    auth.login(admin.email)
    settings = client.get("/settings/").get_data(as_text=True)
    assert "Reminders are sent only between 08:00 and 20:00 in your time zone" in settings
    status = client.get("/admin/status").get_data(as_text=True)
    assert "reminder emails go out only between 08:00 and 20:00" in status
