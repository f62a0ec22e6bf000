"""The benchmark data generator (bench/generate.py) at small scale: counts, consistency, seeds."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from bench.generate import BENCH_PASSWORD, NotEmpty, Scale, generate
from crm.models import (
    Committee,
    CommitteeMembership,
    Interaction,
    Person,
    StaffRole,
    User,
    interaction_issues,
    interaction_members,
    interaction_people,
)
from crm.offices import touch_due
from tests.conftest import ROOT, empty_tables

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
SCALE = Scale.small()


def count(db, what) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(what))


@pytest.fixture
def generated(db):
    return generate(SCALE, seed=42, now=NOW)


def test_counts_match_the_scale(db, generated):
    s = SCALE
    assert (
        count(db, sa.select(Person).where(Person.kind == "legislator").subquery()) == s.legislators
    )
    assert count(db, sa.select(Person).where(Person.kind == "official").subquery()) == s.officials
    assert count(db, sa.select(Person).where(Person.kind == "staff").subquery()) == s.staff
    assert count(db, User) == s.members
    assert count(db, Interaction) == s.interactions
    assert count(db, interaction_people) >= s.interactions
    assert count(db, interaction_members) >= s.interactions  # the author is always present
    assert count(db, interaction_issues) > s.interactions // 2
    assert count(db, Committee) > 0 and count(db, CommitteeMembership) > 0
    assert generated.counts["interactions"] == s.interactions
    # Every staffer works for one legislator now; some also have a role that ended.
    current = db.session.execute(
        sa.select(StaffRole.staff_id, sa.func.count())
        .where(StaffRole.end_date.is_(None))
        .group_by(StaffRole.staff_id)
    ).all()
    assert len(current) == s.staff and {n for _, n in current} == {1}
    assert count(db, StaffRole) > s.staff
    employers = db.session.scalars(
        sa.select(sa.distinct(Person.kind)).join(StaffRole, StaffRole.employer_id == Person.id)
    ).all()
    assert employers == ["legislator"]


def test_last_contact_is_what_the_log_says(db, generated):
    """last_contacted_at/_by: the latest non-deleted contact with the person or with their staff."""
    direct = sa.select(
        interaction_people.c.person_id.label("pid"), interaction_people.c.interaction_id
    )
    via_staff = (
        sa.select(StaffRole.employer_id.label("pid"), interaction_people.c.interaction_id)
        .join(StaffRole, StaffRole.staff_id == interaction_people.c.person_id)
        .where(StaffRole.end_date.is_(None))
    )
    touches = sa.union(direct, via_staff).subquery()
    rows = db.session.execute(
        sa.select(touches.c.pid, Interaction.occurred_at, Interaction.logged_by_id)
        .join(Interaction, Interaction.id == touches.c.interaction_id)
        .where(Interaction.deleted_at.is_(None))
    ).all()
    latest: dict[int, tuple[datetime, set[int]]] = {}
    for pid, at, by in rows:
        if pid not in latest or at > latest[pid][0]:
            latest[pid] = (at, {by})
        elif at == latest[pid][0]:
            latest[pid][1].add(by)
    people = db.session.execute(
        sa.select(
            Person.id,
            Person.last_contacted_at,
            Person.last_contacted_by_id,
            Person.cadence_days,
            Person.next_touch_due,
        )
    ).all()
    for pid, at, by, cadence, due in people:
        if pid in latest:
            assert at == latest[pid][0] and by in latest[pid][1], pid
        else:
            assert at is None and by is None, pid
        assert due == touch_due(at, cadence), pid
    assert any(cadence and due for _, _, _, cadence, due in people)


def test_links_carry_their_interactions_time(db, generated):
    for link in (interaction_people, interaction_members):
        mismatched = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(link)
            .join(Interaction, Interaction.id == link.c.interaction_id)
            .where(
                sa.or_(link.c.occurred_at.is_(None), link.c.occurred_at != Interaction.occurred_at)
            )
        )
        assert mismatched == 0, link.name


def test_history_is_skewed_like_reality(db, generated):
    legislators = (
        db.session.execute(sa.select(Person.last_contacted_at).where(Person.kind == "legislator"))
        .scalars()
        .all()
    )
    never = sum(at is None for at in legislators) / len(legislators)
    assert 0.25 <= never <= 0.6  # many offices nobody ever contacted
    per_person = sorted(
        db.session.execute(
            sa.select(sa.func.count())
            .select_from(interaction_people)
            .group_by(interaction_people.c.person_id)
        ).scalars(),
        reverse=True,
    )
    assert per_person[0] >= 10 * per_person[len(per_person) // 2]  # a few offices get most contact
    first, last = db.session.execute(
        sa.select(sa.func.min(Interaction.occurred_at), sa.func.max(Interaction.occurred_at))
    ).one()
    assert (NOW - first).days > 4 * 365 and last <= NOW and (NOW - last).days < 7
    assert (
        0
        < count(db, sa.select(Interaction).where(Interaction.deleted_at.is_not(None)).subquery())
        < SCALE.interactions // 50
    )


def fingerprint(db) -> list:
    return [
        db.session.execute(
            sa.select(
                Interaction.id,
                Interaction.occurred_at,
                Interaction.logged_by_id,
                Interaction.subject,
            ).order_by(Interaction.id)
        ).all(),
        db.session.execute(sa.select(interaction_people).order_by(*interaction_people.c)).all(),
        db.session.execute(
            sa.select(Person.id, Person.full_name, Person.state, Person.last_contacted_at).order_by(
                Person.id
            )
        ).all(),
        db.session.execute(sa.select(User.id, User.email, User.role).order_by(User.id)).all(),
    ]


def test_same_seed_same_rows_other_seed_other_rows(db):
    generate(SCALE, seed=42, now=NOW)
    first = fingerprint(db)
    db.session.remove()
    empty_tables(db)
    generate(SCALE, seed=42, now=NOW)
    assert fingerprint(db) == first
    db.session.remove()
    empty_tables(db)
    generate(SCALE, seed=7, now=NOW)
    assert fingerprint(db) != first


def test_refuses_a_database_that_already_has_data(db, generated):
    with pytest.raises(NotEmpty):
        generate(SCALE, seed=42, now=NOW)


def test_generated_member_can_sign_in_and_use_the_pages(db, client, auth, generated):
    email = generated.logins["member"]
    assert auth.login(email, BENCH_PASSWORD).status_code == 302
    busiest = db.session.scalar(
        sa.select(interaction_people.c.person_id)
        .group_by(interaction_people.c.person_id)
        .order_by(sa.func.count().desc())
        .limit(1)
    )
    for url in ["/", "/people/?state=TX&page=2", f"/people/{busiest}", f"/log?person={busiest}"]:
        assert client.get(url).status_code == 200, url


def test_cli_generates_into_a_freshly_migrated_database(tmp_path):
    """`flask db upgrade` then `python -m bench.generate --small` on an empty SQLite file."""
    env = {
        **os.environ,
        "CRM_DATABASE_URL": f"sqlite:///{tmp_path / 'bench.sqlite'}",
        "CRM_ENV": "development",
    }
    upgrade = [sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"]
    generate_cmd = [sys.executable, "-m", "bench.generate", "--small"]
    for args in (upgrade, [*generate_cmd, "--now", "2026-11-27T12:00:00"]):
        done = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
    assert f"interactions: {SCALE.interactions:,}" in done.stdout
    again = subprocess.run(
        generate_cmd,
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert again.returncode != 0 and "already holds" in again.stderr
