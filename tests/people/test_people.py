"""The directory: filters, search, sorting, pagination, CSV export, and editing people."""

import csv
import io
import re
from datetime import timedelta

import sqlalchemy as sa

from crm.clock import utcnow
from crm.models import CommitteeMembership, Person
from tests.factories import CommitteeFactory, PersonFactory, UserFactory


def names(resp) -> list[str]:
    return re.findall(
        r'class="fw-semibold" href="/people/\d+">([^<]+)</a>', resp.get_data(as_text=True)
    )


def test_search_ignores_accents_and_case(client, as_member):
    PersonFactory(first_name="Ben Ray", last_name="Luján")
    PersonFactory(first_name="John", last_name="Cornyn")
    assert names(client.get("/people/?q=lujan")) == ["Ben Ray Luján"]
    assert names(client.get("/people/?q=RAY LUJ")) == ["Ben Ray Luján"]
    assert names(client.get("/people/?q=zzz")) == []


def test_search_treats_wildcards_literally(client, as_member):
    PersonFactory(last_name="Smith")
    assert names(client.get("/people/?q=%25")) == []
    assert names(client.get("/people/?q=_")) == []


def test_filters_combine(db, client, as_member):
    PersonFactory(
        first_name="Tex", last_name="Senator", state="TX", chamber="upper", party="Republican"
    )
    PersonFactory(
        first_name="Tex",
        last_name="Rep",
        state="TX",
        chamber="lower",
        party="Democratic",
        district="7",
    )
    PersonFactory(
        first_name="Flo", last_name="Senator", state="FL", chamber="upper", party="Republican"
    )
    PersonFactory(
        first_name="Tex",
        last_name="Staffer",
        state="TX",
        kind="staff",
        level="federal",
        chamber=None,
    )
    PersonFactory(
        first_name="Tex", last_name="Statehouse", state="TX", level="state", chamber="lower"
    )
    assert names(client.get("/people/?state=TX&chamber=upper")) == ["Tex Senator"]
    assert names(client.get("/people/?state=tx&party=Democratic")) == ["Tex Rep"]
    assert names(client.get("/people/?kind=staff")) == ["Tex Staffer"]
    assert names(client.get("/people/?level=state")) == ["Tex Statehouse"]
    assert len(names(client.get("/people/?kind=legislator&level=federal"))) == 3


def test_party_filter_lists_each_party_once(db, client, as_member):
    """The parties are read one index probe each (a loose index scan): each once, in order,
    none for people without one."""
    for party in ["Republican", "Democratic", "Republican", "Green", "Democratic", None]:
        PersonFactory(party=party)
    PersonFactory(kind="staff", party=None)
    page = client.get("/people/?party=Green").get_data(as_text=True)
    select = re.search(r'id="party" name="party">(.*?)</select>', page, re.S).group(1)
    assert re.findall(r"<option(?: selected)?>([^<]+)</option>", select) == [
        "Democratic",
        "Green",
        "Republican",
    ]
    assert "<option selected>Green</option>" in select


def test_committee_filter_includes_subcommittees(db, client, as_member):
    parent = CommitteeFactory(name="Judiciary", code="SSJU")
    sub = CommitteeFactory(
        name="Border Security and Immigration", code="SSJU04", parent_id=parent.id
    )
    on_sub, on_parent, elsewhere = PersonFactory(), PersonFactory(), PersonFactory()
    db.session.add_all(
        [
            CommitteeMembership(committee_id=sub.id, person_id=on_sub.id),
            CommitteeMembership(committee_id=parent.id, person_id=on_parent.id),
        ]
    )
    db.session.commit()
    assert names(client.get(f"/people/?committee={sub.id}")) == [on_sub.full_name]
    assert set(names(client.get(f"/people/?committee={parent.id}"))) == {
        on_sub.full_name,
        on_parent.full_name,
    }
    assert elsewhere.full_name not in names(client.get(f"/people/?committee={parent.id}"))


def test_contact_filters(db, client, as_member):
    now = utcnow()
    PersonFactory(first_name="Recent", last_name="One", last_contacted_at=now - timedelta(days=3))
    PersonFactory(first_name="Stale", last_name="One", last_contacted_at=now - timedelta(days=100))
    PersonFactory(first_name="Never", last_name="One")
    assert sorted(names(client.get("/people/?not_contacted_days=30"))) == ["Never One", "Stale One"]
    assert names(client.get("/people/?never_contacted=1")) == ["Never One"]


def test_one_statement_per_shape_of_filter_serves_every_value(db, client, as_member):
    """The directory's statement is built once per shape of filter, its values bound: the
    same shape with other values finds other people, the cutoff moves with the days."""
    now = utcnow()
    PersonFactory(
        first_name="Tex", last_name="Stale", state="TX", last_contacted_at=now - timedelta(days=40)
    )
    PersonFactory(
        first_name="Cal", last_name="Recent", state="CA", last_contacted_at=now - timedelta(days=9)
    )
    assert names(client.get("/people/?state=TX&not_contacted_days=30")) == ["Tex Stale"]
    assert names(client.get("/people/?state=CA&not_contacted_days=30")) == []
    assert names(client.get("/people/?state=CA&not_contacted_days=5")) == ["Cal Recent"]
    assert names(client.get("/people/?q=tex&sort=state")) == ["Tex Stale"]
    assert names(client.get("/people/?q=cal&sort=state")) == ["Cal Recent"]
    assert names(client.get("/people/?q=c&sort=state")) == []  # no word of two letters


def test_tier_and_holder_filters(db, client, as_member):
    holder = UserFactory(email="holder@example.org")
    PersonFactory(first_name="Champ", last_name="Ion", tier="champion", holder_id=holder.id)
    PersonFactory(first_name="Other", last_name="Person", tier="target")
    assert names(client.get("/people/?tier=champion")) == ["Champ Ion"]
    assert names(client.get(f"/people/?holder={holder.id}")) == ["Champ Ion"]


def test_out_of_office_and_deleted_are_hidden(db, client, as_member):
    PersonFactory(first_name="Former", last_name="Member", in_office=False)
    PersonFactory(first_name="Deleted", last_name="Person", deleted_at=utcnow())
    assert names(client.get("/people/")) == []
    assert names(client.get("/people/?include_out_of_office=1")) == ["Former Member"]


def test_sort_and_pagination(db, client, as_member):
    for n in range(60):
        PersonFactory(first_name="P", last_name=f"Name{n:02d}", state="AK" if n % 2 else "WY")
    first = names(client.get("/people/"))
    assert len(first) == 50 and first[0] == "P Name00"
    second = names(client.get("/people/?page=2"))
    assert second == [f"P Name{n:02d}" for n in range(50, 60)]
    by_state = names(client.get("/people/?sort=state"))
    assert by_state[0] == "P Name01"  # AK first
    assert names(client.get("/people/?page=999")) == second  # past the end shows the last page


def test_bad_filter_values_are_ignored_not_errors(client, as_member):
    for query in [
        "committee=abc",
        "not_contacted_days=-5",
        "sort=drop",
        "page=x",
        "state=%00",
        "tier=<script>",
        "holder=1e9",
    ]:
        assert client.get(f"/people/?{query}").status_code == 200, query


def test_csv_export_is_excel_safe(db, client, as_member):
    PersonFactory(
        first_name='=HYPERLINK("http://x")',
        last_name="@SUM(A1)",
        state="TX",
        email="plain@example.org",
    )
    PersonFactory(first_name="Ann", last_name="Normal", state="FL")
    resp = client.get("/people/export.csv?state=TX")
    assert resp.mimetype == "text/csv"
    body = resp.get_data(as_text=True)
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert rows[0][0] == "Name" and len(rows) == 2
    assert all(not cell or cell[0] not in "=+-@" for cell in rows[1])
    assert rows[1][0].startswith("'=HYPERLINK")


def test_person_page_shows_card_committees_staff(db, client, as_member):
    from crm.models import Office, StaffRole

    senator = PersonFactory(
        first_name="Card", last_name="Holder", phone="+12022251252", email="card@senate.gov"
    )
    staffer = PersonFactory(first_name="Staff", last_name="Er", kind="staff")
    committee = CommitteeFactory(name="Health, Education, Labor, and Pensions")
    db.session.add_all(
        [
            Office(person_id=senator.id, kind="capitol", address="317 Hart Senate Office Building"),
            StaffRole(
                staff_id=staffer.id, employer_id=senator.id, title="Health LA", portfolio="health"
            ),
            CommitteeMembership(
                committee_id=committee.id, person_id=senator.id, role="ranking member"
            ),
        ]
    )
    db.session.commit()
    page = client.get(f"/people/{senator.id}").get_data(as_text=True)
    for text in [
        "(202) 225-1252",
        "card@senate.gov",
        "317 Hart",
        "Staff Er",
        "Health LA",
        "Health, Education, Labor, and Pensions",
        "ranking member",
    ]:
        assert text in page, text
    assert "Card Holder" in client.get(f"/people/{staffer.id}").get_data(as_text=True)


def test_deleted_person_is_404_for_members(db, client, as_member):
    person = PersonFactory(deleted_at=utcnow())
    assert client.get(f"/people/{person.id}").status_code == 404


def person_form(**overrides):
    data = {
        "kind": "official",
        "first_name": "Dana",
        "last_name": "Official",
        "title": "Conrad 30 coordinator",
        "level": "state",
        "state": "TN",
        "tier": "unknown",
        "email": "dana@tn.gov",
        "phone": "(615) 741-3111",
        "website": "tn.gov/health",
    }
    data.update(overrides)
    return data


def test_coordinator_adds_a_person_with_normalised_contacts(db, auth, as_coordinator):
    resp = auth.post("/people/new", person_form())
    assert resp.status_code == 302
    person = db.session.scalars(sa.select(Person)).one()
    assert person.phone == "+16157413111"
    assert person.website == "https://tn.gov/health"
    assert person.full_name == "Dana Official"


def test_invalid_person_form_keeps_input_and_saves_nothing(db, auth, as_coordinator):
    for field, value, message in [
        ("phone", "12", "not a"),
        ("email", "nope", "not an email"),
        ("website", "javascript:alert(1)", "not a web address"),
        ("last_name", "", "This field is required"),
    ]:
        resp = auth.post("/people/new", person_form(**{field: value}))
        page = resp.get_data(as_text=True)
        assert resp.status_code == 422, field
        assert message in page, (field, page[:200])
        assert "Conrad 30 coordinator" in page  # the rest of the input is kept
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Person)) == 0


def test_members_cannot_add_people(auth, as_member):
    assert auth.post("/people/new", person_form()).status_code == 403


def test_concurrent_edits_do_not_lose_updates(db, app, coordinator, admin):
    from tests.conftest import AuthActions

    person = PersonFactory(first_name="Ed", last_name="Ited", state="TX", chamber="upper")
    a, b = app.test_client(), app.test_client()
    auth_a, auth_b = AuthActions(a), AuthActions(b)
    auth_a.login(coordinator.email)
    auth_b.login(admin.email)
    page = a.get(f"/people/{person.id}/edit").get_data(as_text=True)
    version = re.search(r'id="version"[^>]*value="(\d+)"', page).group(1)
    form = {
        "kind": "legislator",
        "last_name": "Ited",
        "first_name": "Ed",
        "state": "TX",
        "tier": "ally",
        "version": version,
        "level": "federal",
        "chamber": "upper",
    }
    assert auth_a.post(f"/people/{person.id}/edit", form).status_code == 302
    stale = auth_b.post(f"/people/{person.id}/edit", {**form, "tier": "opponent"})
    assert stale.status_code == 409
    assert "Someone else changed this record" in stale.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Person, person.id).tier == "ally"


def test_search_endpoint_for_autocomplete(db, client, as_member):
    PersonFactory(
        first_name="Jesús",
        last_name="García",
        nickname="Chuy",
        state="IL",
        chamber="lower",
        district="4",
        party="Democratic",
    )
    data = client.get("/people/search?q=chuy").get_json()
    assert data and data[0]["name"] == "Chuy García" and data[0]["party"] == "D"
    assert client.get("/people/search?q=").get_json() == []


def test_a_tampered_version_is_a_conflict_not_an_error(db, auth, as_coordinator):
    person = PersonFactory(first_name="Ver", last_name="Sion")
    for version in ("abc", "²", "-1", "99999999999"):
        resp = auth.post(
            f"/people/{person.id}/edit",
            {"kind": "legislator", "last_name": "Sion", "tier": "ally", "version": version},
        )
        assert resp.status_code == 409, version
        assert "Someone else changed this record" in resp.get_data(as_text=True)


def test_seat_of_a_legislator_entered_without_chamber_or_district():
    """Entered by hand with only a state, the seat read "CA House District None"."""
    from crm.models import Person

    assert Person(kind="legislator", state="CA").seat == "Legislator, CA"
    assert Person(kind="legislator", state="CA", title="Senator").seat == "Senator, CA"
    assert Person(kind="legislator", state="TX", chamber="lower").seat == "TX House"
    rep = Person(kind="legislator", state="CA", level="federal", chamber="lower")
    assert rep.seat == "U.S. Rep. CA"
    rep.district = "12"
    assert rep.seat == "U.S. Rep. CA-12"
