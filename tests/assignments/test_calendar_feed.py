"""The calendar feed: a secret, revocable .ics of my open assignments with stable UIDs."""

import hashlib
import re
from datetime import date

import icalendar
import sqlalchemy as sa

from crm.assignments import services
from crm.clock import utcnow
from tests.factories import AssignmentFactory, PersonFactory, UserFactory


def events(body: bytes) -> dict[str, icalendar.Event]:
    cal = icalendar.Calendar.from_ical(body)
    return {str(e["uid"]): e for e in cal.walk("VEVENT")}


def test_feed_lists_my_open_dated_work_and_parses(client, member):
    person = PersonFactory(full_name="Sen. Clara Whitmore")
    due = AssignmentFactory(
        assignee=member,
        person=person,
        title="Ask for a meeting",
        due_on=date(2026, 12, 3),
        priority="high",
        notes="Bring the one-pager",
    )
    AssignmentFactory(assignee=member, title="Undated")  # no day to put it on
    AssignmentFactory(assignee=member, title="Finished", due_on=date(2026, 12, 1), status="done")
    AssignmentFactory(title="Someone else's", due_on=date(2026, 12, 1))
    resp = client.get(f"/calendar/{member.calendar_token}.ics")  # no sign-in needed
    assert resp.status_code == 200 and resp.mimetype == "text/calendar"
    found = events(resp.data)
    assert list(found) == [f"assignment-{due.id}@crm.test"]
    event = found[f"assignment-{due.id}@crm.test"]
    assert str(event["summary"]) == "Ask for a meeting: Sen. Clara Whitmore"
    assert event.decoded("dtstart") == date(2026, 12, 3)
    assert "Bring the one-pager" in str(event["description"])
    assert f"/assignments/{due.id}" in str(event["url"])


def test_uid_is_stable_and_sequence_moves_when_the_work_changes(client, member, coordinator):
    a = AssignmentFactory(assignee=member, due_on=date(2026, 12, 3))
    url = f"/calendar/{member.calendar_token}.ics"
    before = events(client.get(url).data)
    services.snooze(member, a, date(2026, 12, 20), utcnow().replace(year=2026, month=11, day=24))
    after = events(client.get(url).data)
    assert list(before) == list(after)
    [uid] = after
    assert int(after[uid]["sequence"]) > int(before[uid]["sequence"])
    assert after[uid].decoded("dtstart") == date(2026, 12, 20)  # snoozed: shown on the new day
    services.set_status(member, a, "done", utcnow())
    assert events(client.get(url).data) == {}


def test_regenerating_the_token_kills_the_old_url_and_shows_the_new_one_once(
    client, auth, as_member, db
):
    old = as_member.calendar_token
    assert client.get(f"/calendar/{old}.ics").status_code == 200
    page = client.get("/settings/").get_data(as_text=True)
    assert old not in page and "cannot be shown again" in page
    response = auth.post("/settings/calendar")
    assert response.status_code == 200
    [new] = re.findall(r"http://crm\.test/calendar/([A-Za-z0-9_-]+)\.ics", response.text)
    assert new != old and "shown only now" in response.text
    assert client.get(f"/calendar/{old}.ics").status_code == 404
    assert client.get(f"/calendar/{new}.ics").status_code == 200
    assert new not in client.get("/settings/").get_data(as_text=True)  # once


def test_calendar_tokens_are_not_stored_in_plain_text(client, member, db):
    token = member.calendar_token
    assert client.get(f"/calendar/{token}.ics").status_code == 200
    rows = db.session.execute(sa.text("SELECT * FROM users")).all()
    assert rows and not any(token in str(value) for row in rows for value in row)
    assert member.calendar_token_hash == hashlib.sha256(token.encode()).hexdigest()


def test_unknown_tokens_and_deactivated_users_get_404(client):
    gone = UserFactory(is_active=False)
    assert client.get("/calendar/not-a-token.ics").status_code == 404
    assert client.get(f"/calendar/{gone.calendar_token}.ics").status_code == 404
