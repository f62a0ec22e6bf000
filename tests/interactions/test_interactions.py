"""The quick log and the contact log rules."""

import re
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from crm.clock import utcnow
from crm.interactions.services import (
    InteractionData,
    log_interaction,
    touch_people,
    update_interaction,
)
from crm.models import AuditEntry, Interaction, Person, StaffRole
from tests.factories import InteractionFactory, PersonFactory, UserFactory


def log_form(auth, **fields):
    page = auth.client.get("/log").get_data(as_text=True)
    key = re.search(r'id="submission_key"[^>]*value="([^"]+)"', page).group(1)
    when = re.search(r'id="occurred_at"[^>]*value="([^"]+)"', page).group(1)
    data = {"submission_key": key, "occurred_at": when, "kind": "meeting"}
    data.update(fields)
    return data


def test_quick_log_defaults_to_now_and_meeting(client, as_member):
    page = client.get("/log").get_data(as_text=True)
    local_now = utcnow().astimezone(__import__("zoneinfo").ZoneInfo(as_member.timezone))
    assert f'value="{local_now:%Y-%m-%dT%H:}' in page  # the current hour, in the user's zone
    assert re.search(r'<option selected[^>]*value="meeting"', page)


def test_log_a_contact_appears_on_timeline_and_dashboard(db, client, auth, as_member):
    person = PersonFactory(first_name="Jordan", last_name="Senator")
    resp = auth.post("/log", log_form(auth, people=str(person.id), subject="Conrad 30 ask"))
    assert resp.status_code == 302
    interaction = db.session.scalars(sa.select(Interaction)).one()
    assert interaction.people == [person] and interaction.kind == "meeting"
    assert interaction.logged_by_id == as_member.id
    assert "Conrad 30 ask" in client.get(f"/people/{person.id}").get_data(as_text=True)
    dashboard = client.get("/").get_data(as_text=True)
    assert "Conrad 30 ask" in dashboard and "Jordan Senator" in dashboard


def test_several_people_in_one_contact(db, auth, as_member):
    a, b = PersonFactory(), PersonFactory()
    auth.post("/log", log_form(auth, people=[str(a.id), str(b.id)]))
    assert {p.id for p in db.session.scalars(sa.select(Interaction)).one().people} == {a.id, b.id}


def test_double_submit_creates_one_interaction(db, auth, as_member):
    person = PersonFactory()
    data = log_form(auth, people=str(person.id))
    first = auth.post("/log", data)
    second = auth.post("/log", data)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Interaction)) == 1
    assert first.headers["Location"] == second.headers["Location"]


def test_errors_keep_the_input(db, client, auth, as_member):
    person = PersonFactory(first_name="Kept", last_name="Person")
    data = log_form(
        auth, people=str(person.id), subject="My subject", notes="My careful notes", occurred_at=""
    )
    resp = auth.post("/log", data)
    page = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert "Enter the date and time." in page
    assert "My subject" in page and "My careful notes" in page and "Kept Person" in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Interaction)) == 0


def test_nobody_chosen_is_an_error(auth, as_member):
    resp = auth.post("/log", log_form(auth, subject="Who?"))
    assert resp.status_code == 422
    assert "Choose at least one person you contacted, or an organization." in resp.get_data(
        as_text=True
    )


def test_unknown_or_deleted_person_is_an_error(db, auth, as_member):
    person = PersonFactory(deleted_at=utcnow())
    for people in (str(person.id), "999999"):
        resp = auth.post("/log", log_form(auth, people=people))
        assert resp.status_code == 422
        assert "no longer exists" in resp.get_data(as_text=True)


def test_future_contact_is_refused(auth, as_member):
    person = PersonFactory()
    resp = auth.post("/log", log_form(auth, people=str(person.id), occurred_at="2099-01-01T10:00"))
    assert "in the future" in resp.get_data(as_text=True)


def test_time_entered_is_the_users_local_time(db, auth):
    user = UserFactory(email="la@example.org", timezone="America/Los_Angeles")
    auth.login(user.email)
    person = PersonFactory()
    auth.post("/log", log_form(auth, people=str(person.id), occurred_at="2026-07-01T09:30"))
    stored = db.session.scalars(sa.select(Interaction)).one().occurred_at
    assert stored == datetime(2026, 7, 1, 16, 30, tzinfo=UTC)


def test_last_contacted_never_moves_backward(db, member):
    person = PersonFactory()
    now = utcnow()
    recent, older = now - timedelta(days=1), now - timedelta(days=30)
    log_interaction(member, InteractionData(people=[person.id], occurred_at=recent), now)
    log_interaction(member, InteractionData(people=[person.id], occurred_at=older), now)
    db.session.expire_all()
    assert db.session.get(Person, person.id).last_contacted_at == recent.replace(
        microsecond=recent.microsecond
    )


def test_contacting_a_staffer_counts_for_the_office(db, member):
    senator, staffer = PersonFactory(), PersonFactory(kind="staff")
    db.session.add(StaffRole(staff_id=staffer.id, employer_id=senator.id, title="LA"))
    db.session.commit()
    when = utcnow() - timedelta(hours=2)
    log_interaction(member, InteractionData(people=[staffer.id], occurred_at=when), utcnow())
    db.session.expire_all()
    assert db.session.get(Person, senator.id).last_contacted_at == when


def test_the_office_held_in_the_session_reads_the_moved_contact_before_the_commit(db, member):
    # touch_people writes on the connection; the people this session holds must not keep the
    # values from before it (the follow-ups and cadence code after it read them).
    senator, staffer = PersonFactory(cadence_days=30), PersonFactory(kind="staff")
    db.session.add(StaffRole(staff_id=staffer.id, employer_id=senator.id, title="LA"))
    db.session.commit()
    assert senator.last_contacted_at is None
    when = utcnow() - timedelta(hours=2)
    office, _answering = touch_people([staffer.id], when, member.id)
    assert office == sorted([senator.id, staffer.id])
    assert senator.last_contacted_at == when and staffer.last_contacted_at == when
    assert senator.last_contacted_by_id == member.id and senator.next_touch_due is not None
    db.session.rollback()


def test_last_contact_hint_names_who_and_when(db, client, as_member, coordinator):
    senator, staffer = (
        PersonFactory(first_name="Ann", last_name="Office"),
        PersonFactory(kind="staff"),
    )
    db.session.add(StaffRole(staff_id=staffer.id, employer_id=senator.id))
    db.session.commit()
    log_interaction(
        coordinator,
        InteractionData(people=[senator.id], occurred_at=utcnow() - timedelta(days=12)),
        utcnow(),
    )
    hint = client.get(f"/log/last-contact?people={staffer.id}").get_data(as_text=True)
    assert "12 days ago" in hint and coordinator.name in hint and "Ann Office" in hint
    fresh = PersonFactory()
    assert "never" in client.get(f"/log/last-contact?people={fresh.id}").get_data(as_text=True)


def test_private_contact_is_seen_only_by_those_involved(db, app, auth, member, coordinator):
    author, present, outsider = (
        member,
        UserFactory(email="p@example.org"),
        UserFactory(email="o@example.org"),
    )
    person = PersonFactory()
    interaction = log_interaction(
        author,
        InteractionData(
            people=[person.id],
            occurred_at=utcnow(),
            private=True,
            members=[author.id, present.id],
            subject="Sensitive",
        ),
        utcnow(),
    )
    for user, visible in ((author, True), (present, True), (coordinator, True), (outsider, False)):
        client = app.test_client()
        from tests.conftest import AuthActions

        AuthActions(client).login(user.email)
        status = client.get(f"/interactions/{interaction.id}").status_code
        assert status == (200 if visible else 404), user.email
        timeline = client.get(f"/people/{person.id}").get_data(as_text=True)
        assert ("Sensitive" in timeline) == visible


def test_author_and_coordinators_can_edit_others_cannot(db, app, member, coordinator):
    other = UserFactory(email="other@example.org")
    interaction = InteractionFactory(logged_by=member, people=[PersonFactory()])
    from tests.conftest import AuthActions

    for user, status in ((member, 200), (coordinator, 200), (other, 403)):
        client = app.test_client()
        AuthActions(client).login(user.email)
        assert client.get(f"/interactions/{interaction.id}/edit").status_code == status


def test_stale_edit_is_refused_not_lost(db, member, coordinator):
    from crm.errors import Conflict

    person = PersonFactory()
    interaction = log_interaction(
        member, InteractionData(people=[person.id], occurred_at=utcnow(), subject="First"), utcnow()
    )
    version = interaction.version
    update_interaction(
        coordinator,
        interaction,
        InteractionData(
            people=[person.id], occurred_at=interaction.occurred_at, subject="Coordinator's fix"
        ),
        version,
        utcnow(),
    )
    try:
        update_interaction(
            member,
            interaction,
            InteractionData(
                people=[person.id],
                occurred_at=interaction.occurred_at,
                subject="Member's stale edit",
            ),
            version,
            utcnow(),
        )
    except Conflict:
        pass
    else:
        raise AssertionError("a stale edit was accepted")
    db.session.expire_all()
    assert db.session.get(Interaction, interaction.id).subject == "Coordinator's fix"


def test_delete_recomputes_last_contact_and_leaves_an_audit_row(db, member):
    person = PersonFactory()
    now = utcnow()
    old = log_interaction(
        member, InteractionData(people=[person.id], occurred_at=now - timedelta(days=5)), now
    )
    new = log_interaction(
        member, InteractionData(people=[person.id], occurred_at=now - timedelta(days=1)), now
    )
    from crm.interactions.services import delete_interaction

    delete_interaction(member, new, now)
    db.session.expire_all()
    assert db.session.get(Person, person.id).last_contacted_at == old.occurred_at
    actions = db.session.scalars(
        sa.select(AuditEntry.action).where(AuditEntry.entity_type == "interactions")
    ).all()
    assert actions.count("create") == 2 and "delete" in actions


def test_notes_are_rendered_as_safe_markdown(db, client, as_member):
    person = PersonFactory()
    interaction = log_interaction(
        as_member,
        InteractionData(
            people=[person.id],
            occurred_at=utcnow(),
            notes=(
                "**Bold** <script>alert(1)</script> [x](javascript:alert(2))"
                " <img src=x onerror=alert(3)>"
            ),
        ),
        utcnow(),
    )
    page = client.get(f"/interactions/{interaction.id}").get_data(as_text=True)
    assert "<strong>Bold</strong>" in page
    assert (
        "<script>alert(1)" not in page and "javascript:alert" not in page and "onerror" not in page
    )
