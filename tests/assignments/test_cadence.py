"""Keep-in-touch cadence: reset by anyone's contact, one follow-up per lapse, settled by a
contact, and the due-for-a-touch list."""

from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa

from crm.cadence.services import refresh_cadence
from crm.interactions.services import InteractionData, log_interaction
from crm.models import Assignment, Notification, Person, StaffRole
from tests.factories import AssignmentFactory, PersonFactory, UserFactory

NOW = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)


def log(user, person, when, **extra):
    return log_interaction(
        user,
        InteractionData(people=[person.id], occurred_at=when, **extra),
        when + timedelta(minutes=5),
    )


def cadence_rows(db):
    return list(
        db.session.scalars(
            sa.select(Assignment).where(Assignment.source == "cadence").order_by(Assignment.id)
        )
    )


def test_anyones_contact_resets_the_next_touch(db):
    holder, other = UserFactory(), UserFactory()
    person = PersonFactory(holder_id=holder.id, cadence_days=30)
    log(holder, person, NOW - timedelta(days=40))
    db.session.refresh(person)
    assert person.next_touch_due == (NOW - timedelta(days=40)).date() + timedelta(days=30)
    log(other, person, NOW - timedelta(days=1))  # not the holder
    db.session.refresh(person)
    assert person.next_touch_due == (NOW - timedelta(days=1)).date() + timedelta(days=30)


def test_a_contact_with_a_staffer_resets_the_legislator(db):
    holder = UserFactory()
    senator = PersonFactory(holder_id=holder.id, cadence_days=14)
    staffer = PersonFactory(kind="staff")
    db.session.add(StaffRole(staff_id=staffer.id, employer_id=senator.id))
    db.session.commit()
    log(UserFactory(), staffer, NOW)
    db.session.refresh(senator)
    assert senator.next_touch_due == NOW.date() + timedelta(days=14)


def test_the_next_touch_is_the_contacts_utc_day_plus_the_cadence_across_a_month(db):
    holder = UserFactory()
    person = PersonFactory(holder_id=holder.id, cadence_days=45)
    when = datetime(2026, 12, 31, 23, 59, tzinfo=UTC)  # the UPDATE adds the days in SQL
    log(holder, person, when)
    db.session.refresh(person)
    assert person.next_touch_due == date(2027, 2, 14)


def test_a_contact_with_a_staffer_settles_the_legislators_follow_up(db):
    holder = UserFactory()
    senator = PersonFactory(holder_id=holder.id, cadence_days=14)
    staffer = PersonFactory(kind="staff")
    db.session.add(StaffRole(staff_id=staffer.id, employer_id=senator.id))
    db.session.commit()
    log(holder, senator, NOW - timedelta(days=20))
    refresh_cadence(NOW)
    [follow_up] = cadence_rows(db)
    contact = log(UserFactory(), staffer, NOW + timedelta(hours=1))
    db.session.refresh(follow_up)
    assert (follow_up.status, follow_up.completed_interaction_id) == ("done", contact.id)


def test_exactly_one_follow_up_per_lapse(db):
    holder = UserFactory(name="Tunde Adeyemi")
    person = PersonFactory(full_name="Rep. Hollis Carver", holder_id=holder.id, cadence_days=30)
    log(holder, person, NOW - timedelta(days=29))
    assert refresh_cadence(NOW)["created"] == 0  # due tomorrow: not lapsed yet
    for day in range(1, 6):  # the daily job, five days running, twice a day
        refresh_cadence(NOW + timedelta(days=day))
        refresh_cadence(NOW + timedelta(days=day, hours=6))
    [a] = cadence_rows(db)
    assert (a.assignee_id, a.person_id, a.due_on, a.status) == (
        holder.id,
        person.id,
        NOW.date() + timedelta(days=1),
        "open",
    )
    assert a.lapse_key == f"cadence:{person.id}:{a.due_on.isoformat()}"
    assert "Keep in touch with Rep. Hollis Carver" == a.title
    [notice] = db.session.scalars(sa.select(Notification).where(Notification.kind == "assignment"))
    assert notice.to_email == holder.email
    assert "It is time to keep in touch" in notice.payload["text"]


def test_a_contact_by_anyone_settles_the_follow_up_and_a_new_lapse_makes_a_new_one(db):
    holder, other = UserFactory(), UserFactory()
    person = PersonFactory(holder_id=holder.id, cadence_days=30)
    log(holder, person, NOW - timedelta(days=31))
    refresh_cadence(NOW)
    [first] = cadence_rows(db)
    contact = log(other, person, NOW + timedelta(hours=1))
    db.session.refresh(first)
    assert first.status == "done" and first.completed_interaction_id == contact.id
    refresh_cadence(NOW + timedelta(days=10))
    assert len(cadence_rows(db)) == 1  # clock reset: nothing lapsed
    refresh_cadence(NOW + timedelta(days=31))
    second = cadence_rows(db)[1]
    assert second.lapse_key != first.lapse_key and second.status == "open"
    assert second.due_on == (NOW + timedelta(hours=1)).date() + timedelta(days=30)


def test_an_older_contact_logged_late_does_not_settle_it(db):
    holder = UserFactory()
    person = PersonFactory(holder_id=holder.id, cadence_days=30)
    log(holder, person, NOW - timedelta(days=31))
    refresh_cadence(NOW)
    log(holder, person, NOW - timedelta(days=40))  # backdated: the clock does not move back
    [a] = cadence_rows(db)
    assert a.status == "open"


def test_no_follow_up_when_the_holder_already_has_open_work_for_them(db):
    holder = UserFactory()
    person = PersonFactory(holder_id=holder.id, cadence_days=30)
    log(holder, person, NOW - timedelta(days=45))
    AssignmentFactory(assignee=holder, person=person)
    summary = refresh_cadence(NOW)
    assert summary == {"lapsed": 1, "created": 0, "already_made": 0, "already_open": 1}
    assert cadence_rows(db) == []


def test_never_contacted_people_lapse_once(db):
    holder = UserFactory()
    person = PersonFactory(holder_id=holder.id, cadence_days=60)
    refresh_cadence(NOW)
    refresh_cadence(NOW + timedelta(days=1))
    [a] = cadence_rows(db)
    assert a.lapse_key == f"cadence:{person.id}:never" and a.due_on == NOW.date()
    assert "Nobody has contacted them yet" in a.notes


def test_people_without_holder_or_cadence_or_out_of_office_are_left_alone(db):
    holder = UserFactory()
    PersonFactory(holder_id=holder.id)  # no cadence
    PersonFactory(cadence_days=30)  # no holder
    PersonFactory(holder_id=holder.id, cadence_days=30, in_office=False)
    PersonFactory(holder_id=UserFactory(is_active=False).id, cadence_days=30)
    PersonFactory(holder_id=holder.id, cadence_days=30, deleted_at=NOW)
    assert refresh_cadence(NOW)["created"] == 0


def test_a_second_run_racing_the_first_creates_nothing(db):
    holder = UserFactory()
    person = PersonFactory(holder_id=holder.id, cadence_days=30)
    # The other run got there first: its row holds the lapse key.
    db.session.add(
        Assignment(
            title="x",
            assignee_id=holder.id,
            person_id=person.id,
            source="cadence",
            lapse_key=f"cadence:{person.id}:never",
        )
    )
    db.session.commit()
    assert refresh_cadence(NOW)["already_made"] == 1
    assert len(cadence_rows(db)) == 1


def test_due_for_a_touch_list(client, auth, db):
    holder = UserFactory(name="Priya Raman")
    auth.login(holder.email)
    PersonFactory(
        full_name="Late Person",
        holder_id=holder.id,
        cadence_days=30,
        last_contacted_at=NOW - timedelta(days=400),
        next_touch_due=date(2025, 1, 1),
    )
    PersonFactory(
        full_name="Fresh Person",
        holder_id=holder.id,
        cadence_days=30,
        last_contacted_at=NOW,
        next_touch_due=date(2099, 1, 1),
    )
    PersonFactory(full_name="Never Person", holder_id=holder.id, cadence_days=30)
    PersonFactory(full_name="Someone Elses", holder_id=UserFactory().id, cadence_days=30)
    page = client.get("/touch").get_data(as_text=True)
    assert "Late Person" in page and "Never Person" in page
    assert "Fresh Person" not in page and "Someone Elses" not in page
    assert "Someone Elses" in client.get("/touch?holder=all").get_data(as_text=True)
    assert "Late Person" in client.get("/my-work").get_data(as_text=True)


def test_editing_the_cadence_recomputes_next_touch(db, coordinator):
    from crm.people.services import update_person

    person = PersonFactory(last_contacted_at=NOW - timedelta(days=3))
    values = {k: getattr(person, k) for k in ("kind", "first_name", "last_name", "state")}
    update_person(
        coordinator,
        person,
        {**values, "holder_id": coordinator.id, "cadence_days": 10},
        person.version,
        NOW,
    )
    due = (NOW - timedelta(days=3)).date() + timedelta(days=10)
    assert db.session.get(Person, person.id).next_touch_due == due


def test_the_daily_task_calls_the_job(db):
    from worker.tasks import refresh_cadence as task

    holder = UserFactory()
    PersonFactory(holder_id=holder.id, cadence_days=30)
    assert task.name == "crm.cadence.refresh"
    assert task.run()["created"] == 1
    assert task.run()["created"] == 0
