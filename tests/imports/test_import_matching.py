"""No duplicates: people typed in by hand are linked, close names are reported, not merged;
Congress and Open States runs each answer only for their own part of the directory."""

from __future__ import annotations

import sqlalchemy as sa

from crm.extensions import db
from crm.imports import services
from crm.models import AuditEntry, Committee, Person
from tests.factories import PersonFactory, UserFactory
from tests.helpers import statements_sent
from tests.imports.conftest import AS_OF, NOW, count, person, small_congress, small_openstates

MEMBERS = ("C000127", "K000367", "S000033")


def run(folder, **kwargs):
    result, _ = services.run_import(
        "congress", str(folder), actor=None, now=NOW, as_of=AS_OF, **kwargs
    )
    assert result.ok, result.errors
    return result


def test_a_person_entered_by_hand_is_linked_not_duplicated(tmp_path):
    holder = UserFactory()
    by_hand = PersonFactory(
        first_name="Maria",
        last_name="Cantwell",
        state="WA",
        chamber="upper",
        level=None,
        party="Democratic",
        tier="champion",
        holder_id=holder.id,
        notes="Met in Spokane",
        cadence_days=45,
        phone="+15095550100",
    )
    result = run(small_congress(tmp_path / "c", MEMBERS))
    assert result.counts["people"] == {"created": 2, "updated": 1, "retired": 0, "unchanged": 0}
    assert [c.action for c in result.changes if c.key == "C000127"] == ["link"]
    cantwell = person("C000127")
    assert cantwell.id == by_hand.id and count(Person) == 3
    assert (cantwell.tier, cantwell.holder_id, cantwell.notes, cantwell.cadence_days) == (
        "champion",
        holder.id,
        "Met in Spokane",
        45,
    )
    assert cantwell.phone == "+12022243441" and cantwell.level == "federal"
    action = db.session.scalar(
        sa.select(AuditEntry.action).where(
            AuditEntry.entity_id == by_hand.id, AuditEntry.entity_type == "people"
        )
    )
    assert action == "import_link"
    assert run(tmp_path / "c").counts["people"]["unchanged"] == 3  # and stays linked


def test_a_close_name_is_reported_for_review_not_merged(tmp_path):
    close = PersonFactory(first_name="Amy", last_name="Klobucher", state="MN", chamber="upper")
    elsewhere = PersonFactory(
        first_name="Amy", last_name="Klobuchar", state="WI", chamber="upper"
    )  # same name, other state: not her
    result = run(small_congress(tmp_path / "c", MEMBERS))
    assert result.counts["people"]["created"] == 3
    (review,) = result.reviews
    assert review.key == "K000367"
    assert f"#{close.id}" in review.message and "not merged" in review.message
    assert count(Person) == 5
    assert db.session.get(Person, close.id).bioguide_id is None
    assert db.session.get(Person, elsewhere.id).bioguide_id is None


def test_two_people_by_hand_with_the_same_name_are_not_guessed_between(tmp_path):
    a = PersonFactory(first_name="Bernie", last_name="Sanders", state="VT", chamber="upper")
    b = PersonFactory(first_name="Bernard", last_name="Sanders", state="VT", chamber="upper")
    result = run(small_congress(tmp_path / "c", MEMBERS))
    assert {r.key for r in result.reviews} == {"S000033"}
    assert len(result.reviews) == 2 and count(Person) == 5
    assert {db.session.get(Person, i).bioguide_id for i in (a.id, b.id)} == {None}


def test_dry_run_shows_the_link_and_writes_nothing(tmp_path, runner):
    PersonFactory(first_name="Maria", last_name="Cantwell", state="WA", chamber="upper")
    folder = small_congress(tmp_path / "c", MEMBERS)
    result = runner.invoke(args=["crm", "import-congress", str(folder), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "= person C000127 Maria Cantwell (linked to the person entered by hand)" in (
        result.output
    )
    assert "    bioguide_id: — -> C000127" in result.output
    assert "    term_start: — -> 2025-01-03" in result.output
    assert "+ person K000367 Amy Klobuchar" in result.output
    assert count(Person) == 1 and person("C000127") is None


def test_congress_and_openstates_each_keep_to_their_own_records(tmp_path):
    run(small_congress(tmp_path / "c", MEMBERS))
    states, _ = services.run_import(
        "openstates", str(small_openstates(tmp_path)), actor=None, now=NOW
    )
    assert states.ok and states.counts["people"]["created"] == 4
    again = run(tmp_path / "c")
    assert again.counts["people"]["retired"] == 0 and again.counts["committees"]["retired"] == 0
    assert count(Person, Person.in_office.is_(True)) == 7
    assert count(Committee, Committee.active.is_(False)) == 0
    other, _ = services.run_import(
        "openstates", str(small_openstates(tmp_path / "o", "wi")), actor=None, now=NOW
    )
    assert other.counts["people"]["retired"] == 0  # Wisconsin does not retire Tennessee
    assert count(Person, Person.in_office.is_(True)) == 11


def test_statements_do_not_grow_with_the_number_of_records(tmp_path):
    """Bulk loads and compares in Python: no per-row SELECT, on a first import or a refresh."""
    few = small_congress(tmp_path / "few", MEMBERS)
    many = small_congress(
        tmp_path / "many",
        (*MEMBERS, "B001230", "W000437", "B001303", "M000133", "R000395", "H000874", "G000586"),
    )
    first_few = statements_sent(db.engine, lambda: run(few))
    refresh_few = statements_sent(db.engine, lambda: run(few))
    db.session.remove()
    from tests.conftest import empty_tables

    empty_tables(db)
    first_many = statements_sent(db.engine, lambda: run(many))
    refresh_many = statements_sent(db.engine, lambda: run(many))
    assert refresh_many == refresh_few < 20
    assert first_many <= first_few + 2  # committee parents may need one more insert round


def test_a_review_offers_merge_and_not_the_same_is_remembered(tmp_path, client, auth, db):
    """The run's review list links to the merge of the two records, and "not the same" takes the
    pair off the list and out of later runs' reviews (dry runs included)."""
    coordinator = UserFactory(role="admin")
    auth.login(coordinator.email)
    close = PersonFactory(first_name="Amy", last_name="Klobucher", state="MN", chamber="upper")
    folder = small_congress(tmp_path / "c", MEMBERS)
    _, run_row = services.run_import("congress", str(folder), actor=None, now=NOW, as_of=AS_OF)
    page = client.get(f"/admin/imports/{run_row.id}").get_data(as_text=True)
    imported = person("K000367")
    assert f"/people/{close.id}/merge?with={imported.id}" in page and "Not the same" in page
    resp = auth.post(
        f"/people/{close.id}/not-duplicate",
        {"other_key": "K000367", "back": f"/admin/imports/{run_row.id}"},
    )
    assert resp.status_code == 302
    page = client.get(f"/admin/imports/{run_row.id}").get_data(as_text=True)
    assert "Not the same" not in page
    # A later run that meets the record as new again (the imported copy gone) no longer asks.
    imported.bioguide_id, imported.deleted_at = None, NOW
    db.session.commit()
    again, _ = services.run_import(
        "congress", str(folder), actor=None, now=NOW, as_of=AS_OF, dry_run=True
    )
    assert again.reviews == []
