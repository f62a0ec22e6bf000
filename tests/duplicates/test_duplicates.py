"""Merging duplicates: a field-by-field preview, the surviving values chosen, every row that
points at the merged record moved in one transaction (read from the schema, so later tables are
covered), collisions dropped, audited, and the merged record redirecting; "not the same" is
remembered by the import's review list and by later imports."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

from crm.duplicates.services import merge_people, references
from crm.models import (
    Assignment,
    AuditEntry,
    CommitteeMembership,
    Interaction,
    NotDuplicate,
    Person,
    Position,
    StaffRole,
)
from tests.factories import (
    AssignmentFactory,
    CommitteeFactory,
    InteractionFactory,
    IssueFactory,
    PersonFactory,
)

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def test_every_reference_to_people_is_known():
    names = {f"{t.name}.{c.name}" for t, c in references()}
    for expected in (
        "interaction_people.person_id",
        "positions.person_id",
        "assignments.person_id",
        "staff_roles.staff_id",
        "staff_roles.employer_id",
        "committee_memberships.person_id",
        "offices.person_id",
    ):
        assert expected in names


def test_merge_moves_everything_and_redirects(client, auth, as_coordinator, db):
    kept = PersonFactory(
        first_name="Elena", last_name="Marsh", state="TX", email=None, bioguide_id=None
    )
    dup = PersonFactory(
        first_name="Elena",
        last_name="Marsh",
        state="TX",
        email="elena.marsh@senate.gov",
        bioguide_id="M000999",
        last_contacted_at=NOW,
    )
    committee = CommitteeFactory()
    db.session.add_all(
        [
            CommitteeMembership(committee_id=committee.id, person_id=kept.id),
            CommitteeMembership(committee_id=committee.id, person_id=dup.id),  # a collision
        ]
    )
    staffer = PersonFactory(kind="staff", last_name="Aide", level=None, chamber=None)
    db.session.add(StaffRole(staff_id=staffer.id, employer_id=dup.id, title="LD"))
    db.session.commit()
    both = InteractionFactory(people=[kept, dup], logged_by=as_coordinator)  # another collision
    only = InteractionFactory(people=[dup], logged_by=as_coordinator)
    AssignmentFactory(person=dup, assignee=as_coordinator)
    issue = IssueFactory()
    db.session.add(
        Position(
            person_id=dup.id,
            issue_id=issue.id,
            stance="support",
            recorded_at=NOW,
            recorded_by_id=as_coordinator.id,
        )
    )
    db.session.commit()

    page = client.get(f"/people/{kept.id}/merge?with={dup.id}").get_data(as_text=True)
    assert "elena.marsh@senate.gov" in page and "M000999" in page
    resp = auth.post(
        f"/people/{kept.id}/merge",
        {"with": str(dup.id), "keep-email": "b", "keep-bioguide_id": "b"},
    )
    assert resp.status_code == 302
    db.session.expire_all()
    kept, dup = db.session.get(Person, kept.id), db.session.get(Person, dup.id)
    assert kept.email == "elena.marsh@senate.gov" and kept.bioguide_id == "M000999"
    assert dup.merged_into_id == kept.id and dup.deleted_at is not None and dup.bioguide_id is None
    assert kept.last_contacted_at == NOW
    people_of = lambda i: {p.id for p in db.session.get(Interaction, i).people}  # noqa: E731
    assert people_of(both.id) == {kept.id} and people_of(only.id) == {kept.id}
    assert db.session.scalars(sa.select(Assignment.person_id)).all() == [kept.id]
    assert db.session.scalars(sa.select(Position.person_id)).all() == [kept.id]
    assert db.session.scalars(sa.select(StaffRole.employer_id)).all() == [kept.id]
    assert db.session.scalars(sa.select(CommitteeMembership.person_id)).all() == [kept.id]
    actions = set(db.session.scalars(sa.select(AuditEntry.action)))
    assert {"merge", "merged"} <= actions
    resp = client.get(f"/people/{dup.id}")
    assert resp.status_code == 301 and resp.headers["Location"].endswith(f"/people/{kept.id}")


def test_merge_refuses_itself_and_members(client, auth, as_member, db, coordinator):
    a, b = PersonFactory(), PersonFactory()
    assert auth.post(f"/people/{a.id}/merge", {"with": str(b.id)}).status_code == 403
    try:
        merge_people(coordinator, a, a, {}, NOW)
    except Exception as e:  # DomainError
        assert "different" in str(e)


def test_not_the_same_is_remembered(client, auth, as_coordinator, db):
    hand = PersonFactory(first_name="Pat", last_name="Hand", bioguide_id=None)
    resp = auth.post(f"/people/{hand.id}/not-duplicate", {"other_key": "H000001"})
    assert resp.status_code == 302
    assert db.session.scalars(sa.select(NotDuplicate.other_key)).all() == ["H000001"]
    auth.post(f"/people/{hand.id}/not-duplicate", {"other_key": "H000001"})
    assert db.session.scalar(sa.select(sa.func.count()).select_from(NotDuplicate)) == 1


def test_not_the_same_goes_back_only_within_the_site(client, auth, as_coordinator, db):
    hand = PersonFactory(first_name="Pat", last_name="Hand", bioguide_id=None)
    for back in ("https://evil.example/", "//evil.example/", "/\\evil.example"):
        resp = auth.post(f"/people/{hand.id}/not-duplicate", {"other_key": "H1", "back": back})
        assert resp.headers["Location"].endswith(f"/people/{hand.id}"), back
    resp = auth.post(f"/people/{hand.id}/not-duplicate", {"other_key": "H1", "back": "/admin/"})
    assert resp.headers["Location"].endswith("/admin/")
