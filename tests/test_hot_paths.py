"""What the hot paths still show after being made cheap at coalition scale (bench/)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from crm.interactions.services import (
    InteractionData,
    delete_interaction,
    last_contact_with_office,
    log_interaction,
    recent_feed,
    update_interaction,
)
from crm.models import Person, StaffRole
from crm.people import services as people_services
from tests.factories import CommitteeFactory, PersonFactory, UserFactory

NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)


def log(user, people, when, **kw):
    data = InteractionData(people=[p.id for p in people], occurred_at=when, **kw)
    return log_interaction(user, data, NOW)


def hire(db, staffer, boss):
    db.session.add(StaffRole(staff_id=staffer.id, employer_id=boss.id, start_date=date(2025, 1, 3)))
    db.session.commit()


def test_office_last_contact_counts_staff_and_survives_a_delete(db):
    """The office's last contact includes its staff; deleting the newest falls back correctly."""
    ana, ben = UserFactory(name="Ana Author"), UserFactory(name="Ben Author")
    senator = PersonFactory(last_name="Senator")
    aide, counsel = (
        PersonFactory(kind="staff", last_name="Aide"),
        PersonFactory(kind="staff", last_name="Counsel"),
    )
    hire(db, aide, senator)
    hire(db, counsel, senator)
    older = log(ben, [counsel], NOW - timedelta(days=9))
    newer = log(ana, [aide], NOW - timedelta(days=2))
    for viewed in (senator, aide, counsel):  # the same office, whoever's page it is
        last = last_contact_with_office(viewed.id)
        assert (last.at, last.by.name, last.office_name) == (
            newer.occurred_at,
            "Ana Author",
            senator.full_name,
        )
    delete_interaction(ana, newer, NOW)
    last = last_contact_with_office(aide.id)
    assert (last.at, last.by.name) == (older.occurred_at, "Ben Author")
    assert db.session.get(Person, senator.id).last_contacted_at == older.occurred_at
    delete_interaction(ben, older, NOW)
    assert last_contact_with_office(senator.id).at is None


def test_timeline_count_stops_at_the_cap(db, client, as_coordinator, monkeypatch):
    monkeypatch.setattr(people_services, "TIMELINE_COUNT_CAP", 3)
    person = PersonFactory()
    log(as_coordinator, [person], NOW)
    assert "(1 contact)" in client.get(f"/people/{person.id}").get_data(as_text=True)
    for k in range(1, 3):
        log(as_coordinator, [person], NOW - timedelta(days=k))
    assert "(3 contacts)" in client.get(f"/people/{person.id}").get_data(as_text=True)
    log(as_coordinator, [person], NOW - timedelta(days=5))
    assert "(3+ contacts)" in client.get(f"/people/{person.id}").get_data(as_text=True)


def test_timeline_follows_edits_of_the_time_and_the_people(db, coordinator):
    """The timeline reads occurred_at copied onto the links: edits must move the copies too."""
    person, other = PersonFactory(), PersonFactory()
    older = log(coordinator, [person], NOW - timedelta(days=5))
    newer = log(coordinator, [person], NOW - timedelta(days=1))

    def timeline(p):
        return [i.id for i in people_services.person_page(p, coordinator).timeline]

    assert timeline(person) == [newer.id, older.id]
    data = InteractionData(people=[person.id, other.id], occurred_at=NOW, members=[coordinator.id])
    update_interaction(coordinator, older, data, older.version, NOW)
    assert timeline(person) == [older.id, newer.id]
    assert timeline(other) == [older.id]
    assert [i.id for i in recent_feed(coordinator, limit=5, mine=True)] == [older.id, newer.id]


def test_my_recent_contacts_are_what_i_logged_or_attended(db):
    me, other = UserFactory(name="Me"), UserFactory(name="Other")
    person = PersonFactory()
    logged_alone = log(me, [person], NOW - timedelta(days=1), members=[])
    attended = log(
        other, [person], NOW - timedelta(days=2), members=[other.id, me.id], private=True
    )
    log(other, [person], NOW - timedelta(hours=1), members=[other.id])  # not mine
    deleted = log(me, [person], NOW - timedelta(hours=2), members=[me.id])
    delete_interaction(me, deleted, NOW)
    older = [log(me, [person], NOW - timedelta(days=10 + k), members=[me.id]) for k in range(3)]
    mine = recent_feed(me, limit=4, mine=True)
    assert [i.id for i in mine] == [logged_alone.id, attended.id, older[0].id, older[1].id]


def test_feed_hides_others_private_contacts_unless_present(db):
    me, other = UserFactory(name="Me"), UserFactory(name="Other")
    person = PersonFactory()
    hidden = log(other, [person], NOW - timedelta(days=1), members=[other.id], private=True)
    shown = log(other, [person], NOW - timedelta(days=2), members=[other.id, me.id], private=True)
    public = log(other, [person], NOW - timedelta(days=3), members=[other.id])
    ids = [i.id for i in recent_feed(me, limit=10)]
    assert ids == [shown.id, public.id] and hidden.id not in ids
    coordinator = UserFactory(role="coordinator")
    assert [i.id for i in recent_feed(coordinator, limit=10)] == [hidden.id, shown.id, public.id]


def test_committee_filter_lists_congress_and_the_chosen_state(db, client, as_member):
    senate = CommitteeFactory(name="Senate Judiciary", jurisdiction="US", level="federal")
    texas = CommitteeFactory(
        name="Texas House Public Health", jurisdiction="TX", level="state", chamber="lower"
    )
    ohio = CommitteeFactory(name="Ohio Health", jurisdiction="OH", level="state")
    page = client.get("/people/").get_data(as_text=True)
    assert senate.name in page and texas.name not in page and ohio.name not in page
    page = client.get("/people/?state=TX").get_data(as_text=True)
    assert senate.name in page and texas.name in page and ohio.name not in page
    page = client.get(f"/people/?committee={ohio.id}").get_data(as_text=True)
    assert f'<option value="{ohio.id}" selected>' in page


@pytest.mark.parametrize("name", ['<script>alert("x")</script>', "O'Brien & Sons"])
def test_holder_options_are_escaped(db, client, as_member, name):
    holder = UserFactory(name=name)
    page = client.get(f"/people/?holder={holder.id}").get_data(as_text=True)
    assert "<script>alert" not in page
    assert f'<option value="{holder.id}" selected>' in page
    assert "&lt;script&gt;" in page or "O&#39;Brien &amp; Sons" in page


def test_the_audience_read_per_row_is_the_audience_read_as_a_set(db):
    """Interaction.readable_by (per row, for reads of the rows) and in_audience (a set, for
    counts) are one rule: every viewer gets the same contacts from both, and the dashboard's
    team count (everyone's minus the hidden) agrees with counting what the viewer may read."""
    from crm.main.services import dashboard_stats
    from crm.models import Interaction

    author, present, outsider = UserFactory(), UserFactory(), UserFactory()
    coordinator = UserFactory(role="coordinator")
    person = PersonFactory()
    recent, old = NOW - timedelta(days=1), NOW - timedelta(days=40)
    for when in (recent, old):
        log(author, [person], when, members=[author.id])
        log(author, [person], when, members=[author.id, present.id], private=True)
        log(author, [person], when, members=[author.id], private=True)
        gone = log(author, [person], when, members=[present.id], private=True)
        delete_interaction(author, gone, NOW)
    for viewer in (author, present, outsider, coordinator, None):
        per_row = db.session.scalars(
            sa.select(Interaction.id).where(Interaction.readable_by(viewer))
        ).all()
        as_set = db.session.scalars(
            sa.select(Interaction.id).where(Interaction.in_audience(viewer))
        ).all()
        assert sorted(per_row) == sorted(as_set)
    for viewer in (author, present, outsider, coordinator):
        stats = dashboard_stats(viewer, NOW)
        readable = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Interaction)
            .where(
                Interaction.readable_by(viewer),
                Interaction.deleted_at.is_(None),
                Interaction.occurred_at >= NOW - timedelta(days=30),
            )
        )
        assert stats["team_30d"] == readable


def test_the_last_contact_order_is_walked_on_postgresql(db, client, as_member, database_url):
    """The directory sorted by last contact (never-contacted last) reads ix_people_last_contact
    in its order, with no sort of every row the filters match: the plan of the page's own
    statement, with sorting made as dear as PostgreSQL allows, so the test data's size does not
    decide it."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite walks last_contacted_at's own index backwards (NULLs sort first)")
    PersonFactory.create_batch(3, level="federal", last_contacted_at=NOW - timedelta(days=2))
    seen = []

    def record(conn, cursor, statement, params, context, executemany):
        if "ORDER BY people.last_contacted_at DESC NULLS LAST" in statement:
            seen.append((statement, params))

    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        page = client.get("/people/?level=federal&sort=last_contact")
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)
    assert page.status_code == 200 and len(seen) == 1
    statement, params = seen[0]
    with db.engine.connect() as conn:
        conn.exec_driver_sql("SET enable_sort = off")
        plan = "\n".join(r[0] for r in conn.exec_driver_sql("EXPLAIN " + statement, params))
    assert "ix_people_last_contact" in plan, plan
    assert "Sort" not in plan.replace("Sort Key", ""), plan
