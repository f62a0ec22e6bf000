"""One search box: every name form, close spellings, contacts by their words (never a private
one outside its audience), issues and bills; the index kept right on every write path."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import sqlalchemy as sa

from crm.extensions import db
from crm.models import SearchName, SearchText
from crm.search import services
from tests.factories import (
    BillFactory,
    InteractionFactory,
    IssueFactory,
    OrganizationFactory,
    PersonFactory,
    UserFactory,
)

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


def people(q: str, viewer=None) -> list[str]:
    viewer = viewer or UserFactory(role="member")
    group = services.search(viewer, q).groups[0]
    assert group.kind == "person"
    return [p.full_name for p in group.items]


def directory(people_list) -> None:
    PersonFactory(first_name="Elena", last_name="Marsh", chamber="upper", state="TX")
    PersonFactory(
        first_name="Elena", last_name="Marsh-Oduya", kind="staff", chamber=None, title="LD"
    )
    PersonFactory(first_name="Tomás", last_name="Villarreal", chamber="lower", district="28")
    PersonFactory(first_name="Robert", last_name="Casey", chamber="upper", state="PA")
    PersonFactory(first_name="Lucía", last_name="Ramírez", level="state", chamber="lower")
    PersonFactory(first_name="Mark", last_name="Marshall", chamber="lower", district="4")
    for first, last in people_list:
        PersonFactory(first_name=first, last_name=last)


def test_the_three_name_forms_of_the_issue_find_the_right_person(db):
    directory([])
    member = UserFactory(role="member")
    assert people("villareal", member) == ["Tomás Villarreal"]
    assert people("Marsh, Elena", member) == ["Elena Marsh", "Elena Marsh-Oduya"]
    # "Sen." is an honorific of senators only: the staffer named Marsh is not one.
    assert people("Sen. Marsh", member) == ["Elena Marsh"]
    assert people("Senator Elena Marsh", member) == ["Elena Marsh"]


def test_nicknames_accents_and_word_starts(db):
    directory([])
    member = UserFactory(role="member")
    assert people("Bob Casey", member) == ["Robert Casey"]
    assert people("ramirez", member) == ["Lucía Ramírez"]
    assert people("RAMÍREZ lu", member) == ["Lucía Ramírez"]
    assert people("Rep. Villarreal", member) == ["Tomás Villarreal"]
    # Words match from their start: "arsh" is no match for "Marsh", only a close spelling.
    assert services.search(member, "arsh").close_spellings
    # A misspelling is offered as a close spelling, and said so.
    found = services.search(member, "Ramires")
    assert [p.full_name for p in found.groups[0].items] == ["Lucía Ramírez"]
    assert found.close_spellings
    assert not services.search(member, "Ramírez").close_spellings
    assert people("qqqzzz", member) == []


def test_organizations_issues_bills_and_contacts_are_grouped_with_counts(db):
    member = UserFactory(role="member")
    uscis = OrganizationFactory(name="U.S. Citizenship and Immigration Services (USCIS)")
    IssueFactory(name="Conrad 30 reauthorization", slug="conrad-30")
    BillFactory(
        number="H.R. 1585", title="Conrad State 30 and Physician Access Reauthorization Act"
    )
    InteractionFactory(subject="USCIS processing times", notes="Asked about rural clinics.")
    InteractionFactory(subject="Budget", notes="Nothing about the agency.")
    found = services.search(member, "USCIS")
    counts = {g.kind: g.count for g in found.groups}
    assert counts == {"person": 0, "organization": 1, "interaction": 1, "issue": 0, "bill": 0}
    assert found.groups[1].items == [uscis]
    assert [i.subject for i in services.search(member, "RURAL clinics").groups[2].items] == [
        "USCIS processing times"
    ]
    conrad = {g.kind: g.count for g in services.search(member, "conrad").groups}
    assert conrad["issue"] == 1 and conrad["bill"] == 1
    assert [b.number for b in services.search(member, "HR 1585").groups[4].items] == ["H.R. 1585"]


def test_private_contacts_are_no_result_and_no_count_outside_their_audience(db):
    author = UserFactory(role="member")
    present = UserFactory(role="member")
    outsider = UserFactory(role="member")
    coordinator = UserFactory(role="coordinator")
    private = InteractionFactory(
        subject="Zanzibar strategy", notes="quietly ocelot", private=True, logged_by=author
    )
    private.members.append(present)
    db.session.commit()
    InteractionFactory(subject="Public visit", notes="an ocelot poster")

    def contacts(viewer, q):
        group = services.search(viewer, q).groups[2]
        return group.count, [i.subject for i in group.items]

    assert contacts(outsider, "zanzibar") == (0, [])
    assert contacts(outsider, "ocelot") == (1, ["Public visit"])
    for viewer in (author, present, coordinator):
        assert contacts(viewer, "zanzibar") == (1, ["Zanzibar strategy"])
        assert contacts(viewer, "ocelot")[0] == 2


def test_deleted_people_and_contacts_leave_results_and_come_back_on_restore(db):
    from crm.interactions import services as interactions
    from crm.people import services as people_services

    coordinator = UserFactory(role="coordinator")
    person = PersonFactory(first_name="Ingrid", last_name="Quillfeather")
    contact = InteractionFactory(subject="Quillfeather follow-up")
    people_services.delete_person(coordinator, person, NOW)
    assert people("quillfeather", coordinator) == []
    people_services.restore_person(coordinator, person, NOW)
    assert people("quillfeather", coordinator) == ["Ingrid Quillfeather"]
    interactions.delete_interaction(coordinator, contact, NOW)
    assert services.search(coordinator, "quillfeather").groups[2].count == 0
    interactions.restore_interaction(coordinator, contact, NOW)
    assert services.search(coordinator, "quillfeather").groups[2].count == 1


def test_the_index_follows_edits_and_hard_deletes(db):
    member = UserFactory(role="member")
    person = PersonFactory(first_name="Anna", last_name="Oldname")
    person.last_name, person.full_name = "Newname", ""
    person.set_names()
    db.session.commit()
    assert people("oldname", member) == []
    assert people("newname", member) == ["Anna Newname"]
    contact = InteractionFactory(subject="First words", notes="wombat")
    contact.notes = "platypus"
    db.session.commit()
    assert services.search(member, "wombat").groups[2].count == 0
    assert services.search(member, "platypus").groups[2].count == 1
    db.session.delete(contact)
    db.session.delete(person)
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SearchText)) == 0
    assert (
        db.session.scalar(
            sa.select(sa.func.count()).select_from(SearchName).where(SearchName.kind == "person")
        )
        == 0
    )


def test_merging_duplicates_leaves_the_survivor_findable_by_the_chosen_name(db):
    from crm.duplicates import services as duplicates

    coordinator = UserFactory(role="coordinator")
    survivor = PersonFactory(first_name="Kat", last_name="Brightwater", state="TX")
    merged = PersonFactory(first_name="Katherine", last_name="Brightwater", state="TX")
    picks = {"first_name": "b", "full_name": "b"}
    duplicates.merge_people(coordinator, survivor, merged, picks, NOW)
    # One result (the merged record is gone), under the name chosen, and its nickname.
    assert people("brightwater", coordinator) == ["Katherine Brightwater"]
    assert people("Kat Brightwater", coordinator) == ["Katherine Brightwater"]


def test_imported_history_is_searchable(db):
    """The contact-history import inserts without the ORM; it indexes what it inserted."""
    member = UserFactory(role="member")
    person = PersonFactory(first_name="Hal", last_name="Importee")
    before = services.search(member, "kookaburra").groups[2].count
    write_imported_history(member, person)
    assert before == 0
    assert services.search(member, "kookaburra").groups[2].count == 1


def write_imported_history(actor, person) -> None:
    from crm.intake import services as intake

    row = intake.RowPlan(
        number=2,
        action="create",
        values={"kind": "meeting", "when": NOW, "subject": "Imported", "notes": "kookaburra"},
        people=[person.id],
        members=[actor.id],
        issues=[],
    )
    intake.write_history(actor, [row], NOW)
    db.session.commit()


def test_rebuild_matches_what_the_hook_kept(db):
    PersonFactory(first_name="Robert", last_name="Casey")
    OrganizationFactory(name="Texas Medical Board")
    InteractionFactory(subject="Board visit", notes="licensure")
    kept = sorted(db.session.execute(sa.select(SearchName.kind, SearchName.names)).all())
    texts = sorted(db.session.execute(sa.select(SearchText.body)).all())
    services.rebuild()
    assert sorted(db.session.execute(sa.select(SearchName.kind, SearchName.names)).all()) == kept
    assert sorted(db.session.execute(sa.select(SearchText.body)).all()) == texts


def test_the_directory_and_the_picker_use_the_index(client, as_member):
    directory([])
    page = client.get("/people/?q=Marsh, Elena").get_data(as_text=True)
    assert re.findall(r'href="/people/\d+">([^<]+)</a>', page)[:2] == [
        "Elena Marsh",
        "Elena Marsh-Oduya",
    ]
    assert [p["name"] for p in client.get("/people/search?q=villareal").get_json()] == [
        "Tomás Villarreal"
    ]
    assert [p["name"] for p in client.get("/people/search?q=sen marsh").get_json()] == [
        "Elena Marsh"
    ]


def test_results_page_and_suggestions(client, as_member):
    directory([])
    InteractionFactory(subject="Marsh office visit", notes="rural clinics")
    page = client.get("/search?q=marsh")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert re.search(r"People <span[^>]*>3</span>", html)  # Marsh, Marsh-Oduya, Marshall
    assert re.search(r"Contacts <span[^>]*>1</span>", html)
    assert "Marsh office visit" in html
    data = client.get("/search/suggest?q=marsh").get_json()
    assert [g["label"] for g in data["groups"]] == ["People", "Contacts"]
    assert data["groups"][0]["items"][0]["label"] == "Elena Marsh"
    assert data["all"] == "/search?q=marsh"
    assert "Nothing found" in client.get("/search?q=qqqzzz").get_data(as_text=True)
    assert client.get("/search").status_code == 200
    assert client.get("/search/suggest?q=").get_json()["groups"] == []


def test_nav_box_is_on_every_page_as_a_plain_get_form(client, as_member):
    html = client.get("/").get_data(as_text=True)
    assert re.search(
        r'<form class="nav-search[^"]*" role="search" method="get" action="/search"', html
    )
    assert 'name="q"' in html
