"""How a request's transaction ends (crm.extensions.end_read_only_transaction): a request that
only read commits, so PostgreSQL keeps the connection's prepared statements; anything that may
have written and was not committed is rolled back, as before."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from crm.models import Person
from tests.factories import PersonFactory


@pytest.fixture
def endings(db):
    """The ends of transactions on the engine, in order: "commit" or "rollback"."""
    seen: list[str] = []
    commit = lambda conn: seen.append("commit")  # noqa: E731
    rollback = lambda conn: seen.append("rollback")  # noqa: E731
    sa.event.listen(db.engine, "commit", commit)
    sa.event.listen(db.engine, "rollback", rollback)
    yield seen
    sa.event.remove(db.engine, "commit", commit)
    sa.event.remove(db.engine, "rollback", rollback)


def person(last_name: str) -> Person:
    p = Person(kind="staff", last_name=last_name, full_name="")
    p.set_names()
    return p


def test_a_request_that_only_read_commits(db, client, as_member, endings):
    PersonFactory.create_batch(3)
    endings.clear()
    for url in ("/people/", "/"):
        endings.clear()
        assert client.get(url).status_code == 200
        # (a session's last-seen time, written once a minute, would be one more commit)
        assert endings and set(endings) == {"commit"}, (url, endings)


def test_a_flushed_write_left_uncommitted_is_rolled_back(app, db, endings):
    with app.app_context():
        db.session.add(person("Abandoned"))
        db.session.flush()
    assert endings == ["rollback"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Person)) == 0


def test_a_write_in_plain_sql_is_rolled_back(app, db, endings):
    person = PersonFactory(notes="before")
    endings.clear()
    with app.app_context():
        db.session.execute(sa.select(Person.id)).all()
        db.session.execute(
            sa.text("UPDATE people SET notes = 'after' WHERE id = :id"), {"id": person.id}
        )
    assert endings == ["rollback"]
    db.session.expire_all()
    assert db.session.get(Person, person.id).notes == "before"


def test_a_write_committed_then_reads_commits_the_reads(app, db, endings):
    with app.app_context():
        db.session.add(person("Kept"))
        db.session.commit()
        db.session.execute(sa.select(Person.id)).all()
    assert endings == ["commit", "commit"]


def test_a_failed_request_is_rolled_back_even_if_it_only_read(app, db, endings):
    with pytest.raises(RuntimeError), app.app_context():
        db.session.execute(sa.select(Person.id)).all()
        raise RuntimeError("the view failed")
    assert endings == ["rollback"]


def test_a_changed_object_not_flushed_is_not_committed(app, db, endings):
    person = PersonFactory(notes="before")
    endings.clear()
    with app.app_context():
        loaded = db.session.get(Person, person.id)
        loaded.notes = "after"  # pending in the session: neither flushed nor committed
    assert endings == ["rollback"]
    db.session.expire_all()
    assert db.session.get(Person, person.id).notes == "before"


def test_postgresql_keeps_the_statements_of_reading_requests(db, client, as_member):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("psycopg's prepared statements")
    PersonFactory.create_batch(3)
    for _ in range(30):  # psycopg prepares a statement on its sixth run on a connection
        assert client.get("/people/").status_code == 200
    # Each of the pool's idle connections (the requests took turns with them) is asked.
    idle = [db.engine.connect() for _ in range(db.engine.pool.checkedin())]
    try:
        prepared = [c.scalar(sa.text("SELECT count(*) FROM pg_prepared_statements")) for c in idle]
    finally:
        for c in idle:
            c.close()
    assert max(prepared) > 0, prepared


@pytest.mark.parametrize(
    "statement, writes",
    [
        ("SELECT people.id, people.updated_at, people.deleted_at FROM people", False),
        ("  with feed AS (SELECT id FROM interactions) SELECT * FROM feed", False),
        ("INSERT INTO audit_log (actor_id) VALUES (?)", True),
        ("UPDATE people SET notes = ?", True),
        ("WITH moved AS (DELETE FROM tags RETURNING id) SELECT count(*) FROM moved", True),
        ("SELECT id FROM assignments WHERE id = ? FOR UPDATE", True),
        ("SET LOCAL statement_timeout = 1000", True),
        ("PRAGMA foreign_keys=ON", True),
    ],
)
def test_what_counts_as_a_write(statement, writes):
    from crm.extensions import may_write

    assert may_write(statement) is writes
