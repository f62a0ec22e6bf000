"""D1: a save that lost to someone else's shows both versions, keeps mine, and saves on confirm.

Two cases for each of a person, a contact and an assignment:
- stale: I loaded the form before someone else saved (the version I post is old);
- simultaneous: my version check passed, but the other save committed before my UPDATE, which
  then matched no row (UPDATE ... WHERE version = ?). Simulated deterministically: a hook commits
  the other save from another connection just before my request flushes.
Either way: 409 with the form re-rendered, my input in it, their values beside it, and posting
it again ("Save mine anyway") saves mine. Never the generic error page.
"""

from __future__ import annotations

import re
from contextlib import contextmanager

import pytest
import sqlalchemy as sa

from crm.models import Assignment, Interaction, Person
from tests.factories import AssignmentFactory, InteractionFactory, PersonFactory

VERSION = re.compile(r'name="version"[^>]*value="(\d+)"|value="(\d+)"[^>]*name="version"')


def posted_version(page: str) -> int:
    match = VERSION.search(page)
    assert match, "no version field in the form"
    return int(next(g for g in match.groups() if g))


@contextmanager
def saved_by_someone_else_first(db, model, record_id: int, **values):
    """Just before this request flushes its change to the record, another connection saves the
    record and commits: my UPDATE ... WHERE version = ? then matches no row."""
    table = model.__table__
    done = []

    def other_save(session, flush_context, instances):
        if done or not any(isinstance(o, model) and o.id == record_id for o in session.dirty):
            return
        done.append(True)
        with db.engine.begin() as conn:
            conn.execute(
                sa.update(table)
                .where(table.c.id == record_id)
                .values(version=table.c.version + 1, **values)
            )

    sa.event.listen(db.session, "before_flush", other_save)
    try:
        yield done
    finally:
        sa.event.remove(db.session, "before_flush", other_save)


def person_case(db, coordinator):
    person = PersonFactory(title="Chief of staff")
    url = f"/people/{person.id}/edit"
    form = {"kind": "legislator", "last_name": person.last_name, "tier": "unknown"}
    return Person, person, url, "title", form


def interaction_case(db, coordinator):
    person = PersonFactory()
    interaction = InteractionFactory(logged_by=coordinator, people=[person], subject="Intro")
    url = f"/interactions/{interaction.id}/edit"
    form = {"people": str(person.id), "occurred_at": "2026-11-20T10:00", "kind": "meeting"}
    return Interaction, interaction, url, "subject", form


def assignment_case(db, coordinator):
    a = AssignmentFactory(assignee=coordinator, created_by=coordinator, title="Call the office")
    url = f"/assignments/{a.id}/edit"
    form = {"people": str(a.person_id), "assignee_id": str(coordinator.id), "priority": "normal"}
    return Assignment, a, url, "title", form


CASES = [person_case, interaction_case, assignment_case]


@pytest.mark.parametrize("case", CASES, ids=["person", "interaction", "assignment"])
def test_a_stale_save_shows_theirs_beside_mine_and_saves_mine_on_confirm(
    case, db, auth, coordinator
):
    model, record, url, field, form = case(db, coordinator)
    auth.login(coordinator.email)
    loaded = posted_version(auth.client.get(url).get_data(as_text=True))
    # Someone else saves first.
    db.session.execute(
        sa.update(model.__table__)
        .where(model.__table__.c.id == record.id)
        .values(**{field: "Their words", "version": model.__table__.c.version + 1})
    )
    db.session.commit()

    mine = {**form, field: "My words", "version": str(loaded)}
    resp = auth.post(url, data=mine)
    page = resp.get_data(as_text=True)
    assert resp.status_code == 409
    assert "Someone else changed this record while you were editing" in page
    assert re.search(r'class="theirs">Their words<', page), "their value is not shown"
    assert re.search(r'class="mine">My words<', page), "my value is not shown beside it"
    assert 'value="My words"' in page, "my input is not kept in the form"
    assert posted_version(page) == loaded + 1, "the form must now carry their version"
    db.session.expire_all()
    assert getattr(db.session.get(model, record.id), field) == "Their words"

    # "Save mine anyway": the same form, posted again with the version it now carries.
    resp = auth.post(url, data={**mine, "version": str(posted_version(page)), "save_mine": "1"})
    assert resp.status_code == 302
    db.session.expire_all()
    assert getattr(db.session.get(model, record.id), field) == "My words"


@pytest.mark.parametrize("case", CASES, ids=["person", "interaction", "assignment"])
def test_a_simultaneous_save_gets_the_same_screen_not_an_error_page(case, db, auth, coordinator):
    model, record, url, field, form = case(db, coordinator)
    auth.login(coordinator.email)
    loaded = posted_version(auth.client.get(url).get_data(as_text=True))
    mine = {**form, field: "My words", "version": str(loaded)}
    with saved_by_someone_else_first(db, model, record.id, **{field: "Their words"}) as raced:
        resp = auth.post(url, data=mine)
    assert raced, "the other save did not run inside the request"
    page = resp.get_data(as_text=True)
    assert resp.status_code == 409
    assert "Someone else changed this record while you were editing" in page
    assert re.search(r'class="theirs">Their words<', page)
    assert 'value="My words"' in page
    db.session.expire_all()
    assert getattr(db.session.get(model, record.id), field) == "Their words"  # nothing lost
    resp = auth.post(url, data={**mine, "version": str(posted_version(page))})
    assert resp.status_code == 302
    db.session.expire_all()
    assert getattr(db.session.get(model, record.id), field) == "My words"
