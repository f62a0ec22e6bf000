"""Input at the edges: what a column cannot hold is a form error (422, the input kept), never a 500.

Each test here is one finding of the fuzzing and outside testing: ids past what an integer key
holds, far dates, names longer once folded than their column, over-long submission keys, id 0, a
non-ASCII digit, and CR/LF in a name that reaches a calendar property.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from crm.ids import MAX_ID, parse_id
from crm.models import Campaign, Interaction, Person, User
from tests.factories import AssignmentFactory, IssueFactory, PersonFactory

BAD_IDS = [str(2**31), str(2**63), str(2**64 + 1), "0", "-1", "²", "1²", "1e3"]
KEPT = "Kept-input-marker"  # typed into another field: the re-rendered form must still show it


@pytest.mark.parametrize(
    "value,expected",
    [("1", 1), (" 42 ", 42), (str(MAX_ID), MAX_ID), (7, 7)]
    + [(v, None) for v in [*BAD_IDS, "", " ", None, True, 2**31, "١٢"]],
)
def test_parse_id_accepts_only_what_an_integer_key_holds(value, expected):
    assert parse_id(value) == expected


def form_cases(person_id: int):
    """(url, role, valid fields, the id field to spoil) for every form that takes ids."""
    log = {
        "people": str(person_id),
        "occurred_at": "2026-11-20T10:00",
        "kind": "meeting",
        "subject": KEPT,
        "submission_key": "k-edges",
    }
    assignment = {"people": str(person_id), "title": KEPT, "priority": "normal"}
    campaign = {"name": KEPT, "status": "active"}
    new_person = {"kind": "staff", "last_name": KEPT, "tier": "unknown"}
    return [
        *[("/log", log, f) for f in ("people", "members", "issues", "follow_ups")],
        ("/log", log, "complete_assignments"),
        *[
            ("/assignments/new", assignment, f)
            for f in ("people", "assignee_id", "organization_id", "issue_id", "bill_id")
        ],
        ("/assignments/new", assignment, "campaign_id"),
        ("/campaigns/new", campaign, "issue_id"),
        ("/campaigns/new", campaign, "bill_id"),
        ("/people/new", new_person, "organization_id"),
        ("/people/new", new_person, "holder_id"),
    ]


FIELDS = [(url, field) for url, _, field in form_cases(1)]


@pytest.mark.parametrize("value", BAD_IDS)
@pytest.mark.parametrize("url,field", FIELDS, ids=[f"{u}:{f}" for u, f in FIELDS])
def test_an_id_no_column_can_hold_is_a_form_error(url, field, value, auth, coordinator, db):
    """ids >= 2^31 (PostgreSQL: integer out of range), >= 2^63 (SQLite: OverflowError), 0, "²"."""
    person = PersonFactory()
    auth.login(coordinator.email)
    data = next(d for u, d, f in form_cases(person.id) if (u, f) == (url, field))
    resp = auth.post(url, data={**data, field: value})
    assert resp.status_code == 422, (url, field, value, resp.status_code)
    assert KEPT in resp.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Interaction)) == 0


@pytest.mark.parametrize("url", ["/people/999999999999", "/people/2147483648", "/people/0"])
def test_an_id_in_the_url_no_column_can_hold_is_a_404(url, auth, member):
    auth.login(member.email)
    assert auth.client.get(url).status_code == 404


def test_every_id_in_a_route_goes_through_the_id_converter(app):
    """A new route taking `<int:..._id>` would bypass the range check: every *_id is `<id:>`."""
    from crm.ids import IdConverter

    loose = [
        (rule.rule, name)
        for rule in app.url_map.iter_rules()
        for name, converter in rule._converters.items()
        if name.endswith("_id") and not isinstance(converter, IdConverter)
    ]
    assert not loose, loose


@pytest.mark.parametrize("when", ["9999-12-31T23:59", "0001-01-01T00:00", "2101-01-01T00:00"])
def test_a_date_out_of_range_is_a_form_error(when, auth, member):
    person = PersonFactory()
    auth.login(member.email)
    resp = auth.post(
        "/log",
        data={"people": str(person.id), "occurred_at": when, "kind": "meeting", "subject": KEPT},
    )
    assert resp.status_code == 422
    page = resp.get_data(as_text=True)
    assert "between 1900 and 2100" in page and KEPT in page


@pytest.mark.parametrize("field", ["due_on", "until"])
def test_far_dates_elsewhere_are_refused_too(field, auth, coordinator):
    person = PersonFactory()
    auth.login(coordinator.email)
    if field == "due_on":
        resp = auth.post(
            "/assignments/new",
            data={"people": str(person.id), "title": KEPT, "due_on": "9999-12-31"},
        )
        assert resp.status_code == 422 and KEPT in resp.get_data(as_text=True)
    else:
        a = AssignmentFactory(assignee=coordinator, person=person)
        resp = auth.post(f"/assignments/{a.id}/snooze", data={"until": "9999-12-31"})
        assert resp.status_code == 302
        assert a.snoozed_until is None


def test_a_long_unicode_name_fits_its_columns(auth, coordinator, db):
    """Each part fits its column, but folded ("\\ufdfa" is 18 letters) the search name did not
    (PostgreSQL: value too long for type character varying(500))."""
    auth.login(coordinator.email)
    part = "\ufdfa" * 100
    resp = auth.post(
        "/people/new",
        data={
            "kind": "staff",
            "first_name": part,
            "middle_name": part,
            "nickname": part,
            "last_name": part,
            "tier": "unknown",
        },
    )
    assert resp.status_code == 302
    person = db.session.scalar(sa.select(Person))
    assert person.nickname == part
    for column in ("full_name", "sort_name", "search_name"):
        assert len(getattr(person, column)) <= Person.__table__.c[column].type.length


def test_a_300_character_nickname_is_a_form_error(auth, coordinator):
    auth.login(coordinator.email)
    resp = auth.post(
        "/people/new",
        data={"kind": "staff", "last_name": KEPT, "nickname": "é" * 300, "tier": "unknown"},
    )
    assert resp.status_code == 422
    assert KEPT in resp.get_data(as_text=True)


def test_an_overlong_submission_key_is_a_form_error(auth, member, db):
    """The key is a String(64): a longer one overflowed it on PostgreSQL."""
    person = PersonFactory()
    auth.login(member.email)
    resp = auth.post(
        "/log",
        data={
            "people": str(person.id),
            "occurred_at": "2026-11-20T10:00",
            "kind": "meeting",
            "subject": KEPT,
            "submission_key": "k" * 65,
        },
    )
    assert resp.status_code == 422
    assert KEPT in resp.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Interaction)) == 0


@pytest.mark.parametrize("field", ["issue_id", "bill_id"])
@pytest.mark.parametrize("value", ["0", "123456"])
def test_a_campaign_for_issue_zero_or_unknown_is_a_form_error(field, value, auth, coordinator, db):
    auth.login(coordinator.email)
    resp = auth.post("/campaigns/new", data={"name": KEPT, "status": "active", field: value})
    assert resp.status_code == 422
    assert KEPT in resp.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Campaign)) == 0


@pytest.mark.parametrize("subject", ["i²", "b¹", "i2147483648", "i0", "x1", ""])
def test_a_position_on_a_subject_that_is_not_an_id_is_refused(subject, auth, member):
    """`subject=i²`: "²".isdigit() is true but int("²") raises."""
    person = PersonFactory()
    IssueFactory()
    auth.login(member.email)
    resp = auth.post(
        f"/people/{person.id}/positions",
        data={"subject": subject, "stance": "support", "commitment": KEPT},
    )
    assert resp.status_code == 422
    page = resp.get_data(as_text=True)
    assert "Choose an issue or bill" in page and KEPT in page


def test_line_breaks_never_reach_a_name(auth, member, db):
    """A name is one line: CR/LF from a form becomes a space (email headers, ICS properties)."""
    auth.login(member.email)
    resp = auth.post(
        "/settings/",
        data={
            "name": "Mia\r\nBcc: x@example.org\u2028Member",
            "timezone": "America/New_York",
            "home_state": "TX",
            "digest_weekday": "0",
            "digest_hour": "7",
        },
    )
    assert resp.status_code == 302
    db.session.refresh(member)
    assert member.name == "Mia Bcc: x@example.org Member"


def test_a_name_with_line_breaks_does_not_break_the_calendar_feed(client, member, db):
    """A name stored with CR/LF (an import, an older release) made that user's feed a 500."""
    from datetime import date

    member.name = "Mia\r\nMember"
    AssignmentFactory(assignee=member, title="Call\r\nthe office", due_on=date(2026, 12, 1))
    db.session.commit()
    resp = client.get(f"/calendar/{member.calendar_token}.ics")
    assert resp.status_code == 200
    body = resp.get_data(as_text=True)
    assert "X-WR-CALNAME:IMG Taskforce: Mia Member's outreach" in body
    assert "SUMMARY:Call the office" in body


def test_text_fields_drop_nul_and_control_characters(auth, coordinator, db):
    """PostgreSQL refuses NUL in text: stripped before it gets there, on every form."""
    auth.login(coordinator.email)
    resp = auth.post(
        "/people/new",
        data={"kind": "staff", "last_name": "Ro\x00se\x07", "notes": "a\x00b", "tier": "unknown"},
    )
    assert resp.status_code == 302
    person = db.session.scalar(sa.select(Person))
    assert person.last_name == "Rose" and person.notes == "ab"


def test_form_lengths_come_from_the_columns():
    """The Length validators are the columns' own lengths (fits), so they cannot drift."""
    from wtforms.validators import Length

    from crm.interactions.forms import InteractionForm
    from crm.people.forms import PersonForm
    from crm.settings.forms import ProfileForm

    def limit(form_cls, name):
        field = getattr(form_cls, name)
        return next(v.max for v in field.kwargs["validators"] if isinstance(v, Length))

    assert limit(PersonForm, "phone") == Person.__table__.c.phone.type.length
    assert limit(InteractionForm, "submission_key") == 64
    assert limit(ProfileForm, "name") == User.__table__.c.name.type.length
