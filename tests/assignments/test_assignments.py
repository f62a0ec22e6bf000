"""Assignments: who may assign and reassign, status transitions, snooze, the collision guard,
notices to the assignee, my work and the team view."""

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from crm.assignments import collisions, followups, listing, services
from crm.assignments.collisions import CollisionWarning
from crm.assignments.services import AssignmentData
from crm.clock import local_today, utcnow
from crm.errors import Conflict, DomainError, NotAllowed
from crm.models import Assignment, AuditEntry, Notification, StaffRole
from tests.factories import AssignmentFactory, InteractionFactory, PersonFactory, UserFactory

NOW = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)  # a Tuesday
TODAY = date(2026, 11, 24)


def notices(db, to=None):
    stmt = (
        sa.select(Notification).where(Notification.kind == "assignment").order_by(Notification.id)
    )
    if to is not None:
        stmt = stmt.where(Notification.to_email == to.email)
    return list(db.session.scalars(stmt))


def audits(db, a):
    return [
        e.action
        for e in db.session.scalars(
            sa.select(AuditEntry)
            .where(AuditEntry.entity_type == "assignments", AuditEntry.entity_id == a.id)
            .order_by(AuditEntry.id)
        )
    ]


# ---- who may assign and reassign ----


def test_coordinator_assigns_through_the_form_and_the_assignee_is_notified(
    client, auth, as_coordinator, member, db
):
    person = PersonFactory(full_name="Elena Marsh")
    due = local_today(utcnow(), as_coordinator.timezone) + timedelta(days=5)
    resp = auth.post(
        "/assignments/new",
        {
            "people": str(person.id),
            "title": "Ask for a Conrad 30 cosponsorship",
            "assignee_id": str(member.id),
            "due_on": due.isoformat(),
            "priority": "high",
        },
    )
    assert resp.status_code == 302
    a = db.session.scalar(sa.select(Assignment))
    assert (a.assignee_id, a.person_id, a.due_on, a.priority, a.status, a.created_by_id) == (
        member.id,
        person.id,
        due,
        "high",
        "open",
        as_coordinator.id,
    )
    [row] = notices(db, member)
    assert row.subject_key == f"assignment:{a.id}"
    assert "Ask for a Conrad 30 cosponsorship" in row.payload["subject"]
    text = row.payload["text"]
    assert "Elena Marsh" in text and f"http://crm.test/assignments/{a.id}" in text
    assert audits(db, a) == ["create"]
    # The page shows it, and the member sees it on their list.
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "Ask for a Conrad 30 cosponsorship" in page


def test_one_assignment_per_person_chosen_and_one_email(client, auth, as_coordinator, member, db):
    a, b = PersonFactory(), PersonFactory()
    auth.post(
        "/assignments/new",
        {
            "people": [str(a.id), str(b.id)],
            "title": "Deliver the letter",
            "assignee_id": str(member.id),
            "priority": "normal",
        },
    )
    assert {x.person_id for x in db.session.scalars(sa.select(Assignment))} == {a.id, b.id}
    assert len(notices(db, member)) == 1


def test_form_requires_a_target_and_a_title(client, auth, as_coordinator, member, db):
    resp = auth.post(
        "/assignments/new", {"title": "", "assignee_id": str(member.id), "priority": "normal"}
    )
    assert resp.status_code == 422
    page = resp.get_data(as_text=True)
    assert "Choose a person, or an office below." in page and "Say what needs doing." in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Assignment)) == 0


def test_members_cannot_assign_others(client, auth, as_member, db):
    other = UserFactory()
    assert client.get("/assignments/new").status_code == 403
    with pytest.raises(NotAllowed):
        services.create_assignment(
            as_member,
            AssignmentData(title="x", assignee_id=other.id, person_id=PersonFactory().id),
            NOW,
        )
    # ...but may give themselves work (follow-ups), which they may then edit and cancel.
    mine = services.create_assignment(
        as_member,
        AssignmentData(
            title="Note to self", assignee_id=as_member.id, person_id=PersonFactory().id
        ),
        NOW,
    )
    services.set_status(as_member, mine, "cancelled", NOW)
    assert mine.status == "cancelled"


def test_only_coordinators_reassign(client, auth, member, coordinator, db):
    a = AssignmentFactory(assignee=member)
    other = UserFactory()
    with pytest.raises(NotAllowed):
        services.reassign(member, a, other.id, a.version, NOW)
    auth.login(member.email)
    assert (
        auth.post(
            f"/assignments/{a.id}/reassign", {"assignee_id": str(other.id), "version": a.version}
        ).status_code
        == 403
    )
    db.session.refresh(a)
    assert a.assignee_id == member.id


def test_reassigning_back_and_forth_notifies_each_time(db, coordinator):
    first, second = UserFactory(), UserFactory()
    a = services.create_assignment(
        coordinator,
        AssignmentData(
            title="Call the health LA", assignee_id=first.id, person_id=PersonFactory().id
        ),
        NOW,
    )
    services.reassign(coordinator, a, second.id, a.version, NOW)
    services.reassign(coordinator, a, first.id, a.version, NOW)
    assert [n.to_email for n in notices(db)] == [first.email, second.email, first.email]
    assert len({n.occurrence for n in notices(db)}) == 3
    assert "Reassigned to you" in notices(db)[-1].payload["subject"]
    assert audits(db, a) == ["create", "reassign", "reassign"]


def test_reassign_form_through_http(client, auth, as_coordinator, member, db):
    a = AssignmentFactory(assignee=as_coordinator)
    resp = auth.post(
        f"/assignments/{a.id}/reassign", {"assignee_id": str(member.id), "version": a.version}
    )
    assert resp.status_code == 302
    db.session.refresh(a)
    assert a.assignee_id == member.id
    assert len(notices(db, member)) == 1


def test_a_stale_edit_is_refused(db, coordinator, member):
    a = AssignmentFactory(assignee=member)
    stale = a.version
    services.set_status(member, a, "in_progress", NOW, stale)
    with pytest.raises(Conflict):
        services.reassign(coordinator, a, coordinator.id, stale, NOW)


def test_edit_form_shows_a_conflict_not_a_500(client, auth, as_coordinator, member, db):
    a = AssignmentFactory(assignee=member, title="Old title")
    page = client.get(f"/assignments/{a.id}/edit")
    assert page.status_code == 200
    services.set_status(member, a, "in_progress", NOW)  # someone else changes it meanwhile
    resp = auth.post(
        f"/assignments/{a.id}/edit",
        {
            "people": str(a.person_id),
            "title": "New title",
            "assignee_id": str(member.id),
            "priority": "normal",
            "version": "1",
        },
    )
    assert resp.status_code == 409
    assert "Someone else changed this record" in resp.get_data(as_text=True)
    db.session.refresh(a)
    assert a.title == "Old title"


def test_an_edit_keeps_one_person_and_says_so(client, auth, as_coordinator, member, db):
    a = AssignmentFactory(assignee=member, title="Old title")
    other = PersonFactory()
    resp = auth.post(
        f"/assignments/{a.id}/edit",
        {
            "people": f"{a.person_id},{other.id}",
            "title": "New title",
            "assignee_id": str(member.id),
            "priority": "normal",
            "version": str(a.version),
        },
    )
    assert resp.status_code == 422
    page = resp.get_data(as_text=True)
    assert "An assignment has one person to contact." in page
    assert 'value="New title"' in page  # the input is kept
    db.session.refresh(a)
    assert a.title == "Old title"


# ---- status transitions and snooze ----


def test_status_transitions(db, member):
    a = AssignmentFactory(assignee=member)
    services.set_status(member, a, "in_progress", NOW)
    services.set_status(member, a, "done", NOW)
    assert a.completed_at == NOW
    with pytest.raises(DomainError, match="cannot become in progress"):
        services.set_status(member, a, "in_progress", NOW)
    services.set_status(member, a, "open", NOW)  # reopen
    assert a.completed_at is None and a.status == "open"
    assert audits(db, a) == ["status", "status", "status"]


def test_members_work_on_their_own_only_and_cannot_cancel_what_they_were_given(
    db, member, coordinator
):
    mine = AssignmentFactory(assignee=member, created_by=coordinator)
    theirs = AssignmentFactory(assignee=coordinator)
    with pytest.raises(NotAllowed):
        services.set_status(member, theirs, "done", NOW)
    with pytest.raises(NotAllowed):
        services.set_status(member, mine, "cancelled", NOW)
    services.set_status(coordinator, mine, "cancelled", NOW)
    assert mine.status == "cancelled"


def test_status_buttons_over_http(client, auth, as_member, db):
    a = AssignmentFactory(assignee=as_member)
    auth.post(
        f"/assignments/{a.id}/status",
        {"status": "in_progress", "version": a.version, "next": "/my-work"},
    )
    db.session.refresh(a)
    assert a.status == "in_progress"
    resp = auth.post(f"/assignments/{a.id}/complete", {"version": a.version, "next": "/my-work"})
    assert resp.headers["Location"] == "/my-work"
    db.session.refresh(a)
    assert a.status == "done" and a.completed_at is not None
    other = AssignmentFactory()
    auth.post(f"/assignments/{other.id}/complete", {"version": other.version})
    db.session.refresh(other)
    assert other.status == "open"


def test_snooze_hides_until_the_date(db, member):
    a = AssignmentFactory(assignee=member, due_on=TODAY - timedelta(days=2))
    assert listing.my_work(member, NOW).overdue == [a]
    with pytest.raises(DomainError, match="after today"):
        services.snooze(member, a, TODAY, NOW)
    services.snooze(member, a, TODAY + timedelta(days=7), NOW)
    work = listing.my_work(member, NOW)
    assert work.overdue == [] and work.snoozed == [a]
    assert (
        db.session.scalar(
            sa.select(sa.func.count()).select_from(Assignment).where(Assignment.overdue(TODAY))
        )
        == 0
    )
    later = NOW + timedelta(days=7)
    assert listing.my_work(member, later).overdue == [a]  # snooze over: overdue again
    services.set_status(member, a, "done", NOW)
    assert a.snoozed_until is None


def test_snooze_a_week_from_my_work(client, auth, as_member, db):
    a = AssignmentFactory(assignee=as_member, due_on=date.today())
    auth.post(
        f"/assignments/{a.id}/snooze", {"days": "7", "version": a.version, "next": "/my-work"}
    )
    db.session.refresh(a)
    assert a.snoozed_until == local_today(utcnow(), as_member.timezone) + timedelta(days=7)
    assert "Snoozed" in client.get("/my-work").get_data(as_text=True)


def test_my_work_buckets(db, member):
    overdue = AssignmentFactory(assignee=member, due_on=TODAY - timedelta(days=1))
    soon = AssignmentFactory(assignee=member, due_on=TODAY + timedelta(days=3))
    later = AssignmentFactory(assignee=member, due_on=TODAY + timedelta(days=30))
    undated = AssignmentFactory(assignee=member)
    AssignmentFactory(assignee=member, status="done", due_on=TODAY - timedelta(days=3))
    AssignmentFactory(assignee=member, due_on=TODAY - timedelta(days=3), deleted_at=NOW)
    AssignmentFactory(due_on=TODAY - timedelta(days=3))  # someone else's
    work = listing.my_work(member, NOW)
    assert (work.overdue, work.due_soon, work.later) == ([overdue], [soon], [later, undated])


def test_dashboard_shows_my_overdue_and_due_soon(client, as_member):
    today = local_today(utcnow(), as_member.timezone)
    AssignmentFactory(assignee=as_member, title="Overdue thing", due_on=today - timedelta(days=2))
    AssignmentFactory(assignee=as_member, title="Soon thing", due_on=today + timedelta(days=2))
    AssignmentFactory(assignee=as_member, title="Far thing", due_on=today + timedelta(days=40))
    page = client.get("/").get_data(as_text=True)
    assert "Overdue thing" in page and "Soon thing" in page and "Far thing" not in page
    assert "1 overdue" in page and "1 due soon" in page


# ---- the collision guard ----


@pytest.fixture
def office(db):
    senator = PersonFactory(full_name="Sen. Clara Whitmore")
    staffer = PersonFactory(kind="staff", full_name="Avery Whitfield")
    db.session.add(StaffRole(staff_id=staffer.id, employer_id=senator.id, portfolio="health"))
    db.session.commit()
    return senator, staffer


def test_open_assignment_on_the_same_office_warns(db, coordinator, office):
    senator, staffer = office
    omar, maria = UserFactory(name="Omar Haddad"), UserFactory(name="Maria Santos")
    AssignmentFactory(assignee=omar, person=staffer, due_on=TODAY + timedelta(days=3))
    data = AssignmentData(title="Meet the senator", assignee_id=maria.id, person_id=senator.id)
    with pytest.raises(CollisionWarning) as e:
        services.create_assignment(coordinator, data, NOW)
    assert "Omar Haddad already has an open assignment for Avery Whitfield" in e.value.message
    assert notices(db, maria) == []
    services.create_assignment(coordinator, data, NOW, acknowledge_collisions=True)
    assert len(notices(db, maria)) == 1
    # A member's own work on the office is no collision for them: only Maria's shows for Omar.
    hits = collisions.find_collisions(coordinator, [senator.id], NOW, for_user_id=omar.id)
    assert [c.user_name for c in hits[senator.id]] == ["Maria Santos"]


def test_a_contact_in_the_last_seven_days_warns_and_an_older_one_does_not(db, coordinator, office):
    senator, staffer = office
    lena = UserFactory(name="Lena Fischer")
    old = InteractionFactory(logged_by=lena, occurred_at=NOW - timedelta(days=8), people=[staffer])
    hits = collisions.find_collisions(coordinator, [senator.id], NOW, for_user_id=coordinator.id)
    assert hits == {}
    recent = InteractionFactory(
        logged_by=lena, occurred_at=NOW - timedelta(days=2), people=[staffer]
    )
    [hit] = collisions.find_collisions(coordinator, [senator.id], NOW, for_user_id=coordinator.id)[
        senator.id
    ]
    assert (hit.kind, hit.ref_id, hit.user_name) == ("contact", recent.id, "Lena Fischer")
    assert old.id != recent.id
    assert collisions.find_collisions(coordinator, [senator.id], NOW, for_user_id=lena.id) == {}


def test_a_private_contact_is_no_collision_for_a_member_who_cannot_see_it(db, member, office):
    senator, _ = office
    InteractionFactory(occurred_at=NOW - timedelta(days=1), people=[senator], private=True)
    assert collisions.find_collisions(member, [senator.id], NOW, for_user_id=member.id) == {}


def test_the_assignment_form_shows_the_warning_and_assign_anyway(
    client, auth, as_coordinator, member, db, office
):
    senator, staffer = office
    AssignmentFactory(assignee=UserFactory(name="Omar Haddad"), person=senator)
    form = {
        "people": str(staffer.id),
        "title": "Drop off the letter",
        "assignee_id": str(member.id),
        "priority": "normal",
    }
    resp = auth.post("/assignments/new", form)
    assert resp.status_code == 422
    page = resp.get_data(as_text=True)
    assert "Omar Haddad already has an open assignment for Sen. Clara Whitmore" in page
    assert "Assign anyway" in page
    assert auth.post("/assignments/new", {**form, "acknowledge": "y"}).status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Assignment)) == 2


# ---- team view ----


def test_team_view_filters(client, as_coordinator, db):
    today = local_today(utcnow(), as_coordinator.timezone)
    omar, maria = UserFactory(name="Omar Haddad"), UserFactory(name="Maria Santos")
    late = AssignmentFactory(assignee=omar, title="Late one", due_on=today - timedelta(days=3))
    AssignmentFactory(assignee=maria, title="Maria one", due_on=today + timedelta(days=10))
    AssignmentFactory(assignee=omar, title="Finished one", status="done")
    AssignmentFactory(assignee=omar, title="Deleted one", deleted_at=utcnow())

    def titles(query):
        page = client.get(f"/assignments?{query}").get_data(as_text=True)
        return {t for t in ("Late one", "Maria one", "Finished one", "Deleted one") if t in page}

    assert titles("") == {"Late one", "Maria one"}
    assert titles(f"assignee={omar.id}") == {"Late one"}
    assert titles("status=done") == {"Finished one"}
    assert titles("status=all") == {"Late one", "Maria one", "Finished one"}
    assert titles("overdue=1") == {"Late one"}
    assert titles(f"due_from={today.isoformat()}") == {"Maria one"}
    assert titles(f"due_to={today.isoformat()}") == {"Late one"}
    assert late.id


def test_team_view_is_for_coordinators(client, as_member):
    assert client.get("/assignments").status_code == 403


def test_members_see_an_assignment_page_but_not_deleted_ones(client, as_member):
    a = AssignmentFactory(title="Visible work")
    gone = AssignmentFactory(deleted_at=utcnow())
    assert "Visible work" in client.get(f"/assignments/{a.id}").get_data(as_text=True)
    assert client.get(f"/assignments/{gone.id}").status_code == 404


def test_delete_and_restore(client, auth, as_coordinator, db):
    a = AssignmentFactory(assignee=as_coordinator, title="Mistake")
    auth.post(f"/assignments/{a.id}/delete")
    assert "Mistake" not in client.get("/my-work").get_data(as_text=True)
    auth.post(f"/assignments/{a.id}/restore")
    assert "Mistake" in client.get("/my-work").get_data(as_text=True)
    assert audits(db, a) == ["delete", "restore"]


def test_collisions_read_by_date_for_many_offices_give_the_same_answer(
    db, coordinator, office, monkeypatch
):
    senator, staffer = office
    lena = UserFactory(name="Lena Fischer")
    InteractionFactory(logged_by=lena, occurred_at=NOW - timedelta(days=2), people=[staffer])
    InteractionFactory(
        logged_by=lena, occurred_at=NOW - timedelta(days=1), people=[PersonFactory()]
    )  # another office: not a hit
    few = collisions.find_collisions(coordinator, [senator.id], NOW, for_user_id=None)
    monkeypatch.setattr(collisions, "MANY_PEOPLE", 0)  # as a 500-target campaign plan would
    many = collisions.find_collisions(coordinator, [senator.id], NOW, for_user_id=None)
    assert [c.message for c in many[senator.id]] == [c.message for c in few[senator.id]]
    assert len(many[senator.id]) == 1


def test_work_about_a_deleted_person_does_not_show(client, as_coordinator, db):
    from crm.people.services import delete_person, restore_person

    person = PersonFactory(full_name="Deleted Senator")
    AssignmentFactory(
        assignee=as_coordinator,
        person=person,
        title="About a deleted person",
        due_on=local_today(utcnow(), as_coordinator.timezone),
    )
    delete_person(as_coordinator, person, utcnow())
    for url in ("/my-work", "/assignments", "/", f"/calendar/{as_coordinator.calendar_token}.ics"):
        assert "About a deleted person" not in client.get(url).get_data(as_text=True), url
    restore_person(as_coordinator, person, utcnow())
    assert "About a deleted person" in client.get("/my-work").get_data(as_text=True)


def test_a_coordinator_is_not_warned_about_their_own_contact(db, coordinator, office):
    """Assigning an office the coordinator just talked to: their own contact is no collision."""
    senator, staffer = office
    maria = UserFactory(name="Maria Santos")
    InteractionFactory(logged_by=coordinator, occurred_at=NOW - timedelta(days=1), people=[senator])
    data = AssignmentData(title="Follow up", assignee_id=maria.id, person_id=senator.id)
    services.create_assignment(coordinator, data, NOW)  # no CollisionWarning
    assert len(notices(db, maria)) == 1


def test_the_collision_guard_names_each_member_once(db, coordinator, office, client, auth):
    """Omar has an assignment and a contact on the office: one line naming him once."""
    senator, staffer = office
    omar, maria = UserFactory(name="Omar Haddad"), UserFactory(name="Maria Santos")
    AssignmentFactory(assignee=omar, person=staffer, due_on=TODAY + timedelta(days=3))
    InteractionFactory(
        logged_by=omar, occurred_at=NOW - timedelta(days=1), people=[senator, staffer]
    )
    data = AssignmentData(title="Meet the senator", assignee_id=maria.id, person_id=senator.id)
    with pytest.raises(CollisionWarning) as e:
        services.create_assignment(coordinator, data, NOW)
    assert e.value.message.count("Omar Haddad") == 1
    assert "already has an open assignment for Avery Whitfield" in e.value.message
    assert "logged a contact with Sen. Clara Whitmore" in e.value.message
    assert e.value.message.count("logged a contact") == 1  # senator and staffer: one contact
    [line] = e.value.people
    assert sorted(c.kind for c in line.items) == ["assignment", "contact"]
    # the picker beside the people field says the same, once
    hint = followups.picker_hint(maria, [senator.id], NOW)
    assert [p.user_name for p in hint["collisions"]] == ["Omar Haddad"]
