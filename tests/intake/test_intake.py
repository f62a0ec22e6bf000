"""Import your own data: encodings and delimiters, guessed columns, matching to the directory
(bioguide, email, phone, name and state, close names offered for confirmation: "villareal",
"Marsh, Elena", "Sen. Marsh"), all or nothing with a report per row, saved mappings, the contact
history, and the round trip: export the directory and the history, import both into an empty
database, and get the same people, organizations and contacts back."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import sqlalchemy as sa
from openpyxl import Workbook

from crm.extensions import db as _db
from crm.intake import services
from crm.intake.mapping import guess_mapping
from crm.intake.reader import read_table
from crm.models import Interaction, Organization, Person
from tests.conftest import empty_tables
from tests.factories import InteractionFactory, IssueFactory, OrganizationFactory, PersonFactory

NOW = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)
TZ = "America/New_York"


def test_encodings_and_delimiters():
    utf8 = "Name;State\nMaría Luján;NM\n".encode("utf-8-sig")
    t = read_table(utf8, "a.csv")
    assert t.headers == ["Name", "State"] and t.rows == [["María Luján", "NM"]]
    assert (t.encoding, t.delimiter) == ("utf-8-sig", ";")
    legacy = "Name\tState\nMaría Luján\tNM\n".encode("cp1252")
    t = read_table(legacy, "b.csv")
    assert t.rows == [["María Luján", "NM"]] and t.encoding == "windows-1252"
    book = Workbook()
    book.active.append(["Full name", "Email"])
    book.active.append(["Ada Lovelace", "ada@example.org"])
    buffer = io.BytesIO()
    book.save(buffer)
    t = read_table(buffer.getvalue(), "c.xlsx")
    assert t.rows == [["Ada Lovelace", "ada@example.org"]]


def test_columns_are_guessed_from_headers():
    headers = [
        "Name",
        "Kind",
        "Title",
        "Level",
        "Chamber",
        "State",
        "District",
        "Party",
        "E-mail address",
        "Phone",
        "Website",
        "Tier",
        "Bioguide",
        "Open States",
        "Agency",
    ]
    mapping = guess_mapping("people", headers)
    assert mapping[0] == "full_name" and mapping[8] == "email" and mapping[12] == "bioguide_id"
    assert mapping[13] == "openstates_id" and mapping[14] == "organization"
    assert 11 not in mapping  # Tier is not imported
    history = guess_mapping("history", ["When", "Type", "Met with", "Members present", "Topic"])
    assert history == {0: "date", 1: "kind", 2: "people", 3: "members", 4: "subject"}


def test_matching_and_confirmation(db):
    villarreal = PersonFactory(first_name="Ramon", last_name="Villarreal", state="TX")
    marsh = PersonFactory(first_name="Elena", last_name="Marsh", state="TX")
    bio = PersonFactory(first_name="Bea", last_name="Bioguide", bioguide_id="B000001")
    rows = [
        ["Ramon Villareal", "TX", ""],  # misspelt: a candidate to confirm
        ["Marsh, Elena", "TX", ""],  # the same person, name written the other way
        ["Sen. Marsh", "TX", ""],  # a close name: confirm
        ["Anyone", "", "B000001"],  # bioguide wins over the name
        ["New Person", "CA", ""],
        ["", "TX", ""],  # no name
        ["New Person", "CA", ""],  # twice in the file
    ]
    mapping = {0: "full_name", 1: "state", 2: "bioguide_id"}
    plan = services.plan_people(rows, mapping, {})
    by_line = {r.number: r for r in plan.rows}
    assert by_line[2].action == "review" and by_line[2].candidates[0].person_id == villarreal.id
    assert by_line[3].action == "link" and by_line[3].person_id == marsh.id
    assert by_line[4].action == "review" and marsh.id in {
        c.person_id for c in by_line[4].candidates
    }
    assert by_line[5].action == "link" and by_line[5].person_id == bio.id
    assert by_line[6].action == "create"
    assert by_line[7].action == "error" and "name" in by_line[7].message
    assert by_line[8].action == "skip"
    assert not plan.ok
    try:
        services.apply_plan(None, plan, NOW)
    except ValueError:
        pass
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Person)) == 3

    rows.pop(5)  # fix the file: drop the nameless row; confirm the two questions
    plan = services.plan_people(rows, mapping, {2: str(villarreal.id), 4: "new"})
    assert plan.ok, [(r.number, r.action, r.message) for r in plan.rows]


def test_upload_map_check_and_import_through_the_pages(client, auth, as_coordinator, db):
    marsh = PersonFactory(first_name="Elena", last_name="Marsh", state="TX", email=None)
    data = (
        b"Name,State,Email,Organization\n"
        b'"Marsh, Elena",TX,elena.marsh@senate.gov,\n'
        b"Omar Okafor,,omar@uscis.dhs.gov,USCIS\n"
    )
    resp = auth.post(
        "/intake/",
        {"kind": "people", "file": (io.BytesIO(data), "people.csv")},
        content_type="multipart/form-data",
    )
    assert resp.status_code == 302
    upload_url = resp.headers["Location"]
    page = client.get(upload_url).get_data(as_text=True)
    assert 'value="full_name" selected' in page
    resp = auth.post(
        upload_url,
        {
            "col-0": "full_name",
            "col-1": "state",
            "col-2": "email",
            "col-3": "organization",
            "save_as": "Our sheet",
        },
    )
    assert resp.status_code == 302
    check_url = resp.headers["Location"]
    page = client.get(check_url).get_data(as_text=True)
    assert "1 to create" in page and "1 to link" in page
    resp = auth.post(check_url)
    assert resp.status_code == 302
    db.session.refresh(marsh)
    assert marsh.email == "elena.marsh@senate.gov"  # an empty field filled, nothing overwritten
    okafor = db.session.scalars(sa.select(Person).where(Person.last_name == "Okafor")).one()
    assert okafor.organization.name == "USCIS" and okafor.source == "import"
    assert services.saved_mapping_names("people") == ["Our sheet"]
    assert auth.post(check_url).status_code == 302  # a second import is refused with a message
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Person)) == 2


def test_bad_upload_is_a_422(client, auth, as_coordinator):
    resp = auth.post(
        "/intake/",
        {"kind": "people", "file": (io.BytesIO(b""), "empty.csv")},
        content_type="multipart/form-data",
    )
    assert resp.status_code == 422


def test_history_rows_are_checked_then_logged(db, coordinator, member):
    marsh = PersonFactory(first_name="Elena", last_name="Marsh", state="TX")
    IssueFactory(name="Conrad 30 reauthorization")
    rows = [
        [
            "2026-10-05",
            "Meeting",
            "Elena Marsh",
            member.email,
            "Hill visit",
            "Conrad 30 reauthorization",
        ],
        ["10/07/2026", "phone", "Elena Marsh", "", "Call back", ""],
        ["2026-13-01", "meeting", "Elena Marsh", "", "", ""],
        ["2026-10-09", "telegram", "Nobody Known", "stranger@example.org", "", "Unknown issue"],
    ]
    mapping = {0: "date", 1: "kind", 2: "people", 3: "members", 4: "subject", 5: "issues"}
    plan = services.plan_history(rows, mapping, TZ, NOW)
    actions = [r.action for r in plan.rows]
    assert actions == ["create", "create", "error", "error"]
    assert "not a date" in plan.rows[2].message
    for text in ("unknown kind", "Nobody Known", "not a member", "unknown issue"):
        assert text in plan.rows[3].message
    good = services.plan_history(rows[:2], mapping, TZ, NOW)
    services.apply_plan(coordinator, good, NOW)
    contacts = db.session.scalars(sa.select(Interaction).order_by(Interaction.occurred_at)).all()
    assert [c.kind for c in contacts] == ["meeting", "call"]
    assert contacts[0].logged_by_id == member.id and contacts[0].source == "import"
    db.session.refresh(marsh)
    assert marsh.last_contacted_at == contacts[1].occurred_at


def test_history_rows_with_an_organization(db, coordinator):
    uscis = OrganizationFactory(name="U.S. Citizenship and Immigration Services")
    rows = [
        ["2026-10-05", "email", "", "u.s. citizenship and immigration  services", "Waivers"],
        ["2026-10-06", "call", "", "Ohio Department of Health", "Conrad 30 slots"],
        ["2026-10-07", "call", "", "", "To whom?"],
    ]
    mapping = {0: "date", 1: "kind", 2: "people", 3: "organization", 4: "subject"}
    plan = services.plan_history(rows, mapping, TZ, NOW)
    assert [r.action for r in plan.rows] == ["create", "create", "error"]
    assert plan.rows[0].message.endswith("with u.s. citizenship and immigration services")
    assert "Ohio Department of Health (a new organization)" in plan.rows[1].message
    assert "fill in who was met, or the organization contacted" in plan.rows[2].message
    services.apply_plan(coordinator, services.plan_history(rows[:2], mapping, TZ, NOW), NOW)
    contacts = db.session.scalars(sa.select(Interaction).order_by(Interaction.occurred_at)).all()
    assert [c.organization.name for c in contacts] == [uscis.name, "Ohio Department of Health"]
    assert contacts[0].organization_id == uscis.id  # matched in any case and spacing


def test_round_trip_through_an_empty_database(client, auth, as_coordinator, db, member):
    org = OrganizationFactory(name="U.S. Citizenship and Immigration Services")
    a = PersonFactory(
        first_name="Elena",
        last_name="Marsh",
        state="TX",
        email="em@senate.gov",
        bioguide_id="M000001",
        district=None,
    )
    b = PersonFactory(
        kind="official",
        first_name="Omar",
        last_name="Okafor",
        level=None,
        chamber=None,
        state=None,
        organization=org,
        email="oo@uscis.dhs.gov",
    )
    conrad = IssueFactory(name="Conrad 30 reauthorization")
    InteractionFactory(
        people=[a],
        logged_by=member,
        subject="Hill visit",
        issues=[conrad],
        occurred_at=datetime(2026, 10, 5, 16, 0, tzinfo=UTC),
    )
    InteractionFactory(
        people=[a, b],
        logged_by=as_coordinator,
        members=[member],
        subject="Waivers",
        occurred_at=datetime(2026, 11, 2, 18, 30, tzinfo=UTC),
        organization=org,
    )
    # A contact with an organization alone, one nobody in the directory works for.
    board = OrganizationFactory(name="Texas Medical Board", jurisdiction="TX")
    InteractionFactory(
        people=[],
        organization=board,
        logged_by=member,
        subject="Licensure pathway",
        occurred_at=datetime(2026, 11, 9, 15, 0, tzinfo=UTC),
    )
    people_csv = client.get("/people/export.csv?include_out_of_office=1").get_data()
    history_csv = client.get("/intake/history.csv").get_data()
    before_people = sorted(
        (p.full_name, p.email, p.state) for p in db.session.scalars(sa.select(Person))
    )
    before_contacts = sorted(
        (
            i.occurred_at,
            i.subject,
            tuple(sorted(p.full_name for p in i.people)),
            i.organization.name if i.organization else None,
        )
        for i in db.session.scalars(sa.select(Interaction))
    )

    # An empty database with the same accounts and issues (those are not imported).
    accounts = [(u.email, u.name, u.role) for u in (member, as_coordinator)]
    empty_tables(_db)
    _db.session.expunge_all()
    from tests.factories import UserFactory

    users = [UserFactory(email=e, name=n, role=r) for e, n, r in accounts]
    IssueFactory(name="Conrad 30 reauthorization")
    actor = users[1]
    people_plan = services.plan_people(*table_and_mapping(people_csv, "people"), {})
    assert people_plan.ok, [(r.number, r.message) for r in people_plan.rows if r.action != "create"]
    services.apply_plan(actor, people_plan, NOW)
    rows, mapping = table_and_mapping(history_csv, "history")
    history_plan = services.plan_history(rows, mapping, TZ, NOW)
    assert history_plan.ok, [r.message for r in history_plan.rows]
    services.apply_plan(actor, history_plan, NOW)

    after_people = sorted(
        (p.full_name, p.email, p.state) for p in db.session.scalars(sa.select(Person))
    )
    after_contacts = sorted(
        (
            i.occurred_at,
            i.subject,
            tuple(sorted(p.full_name for p in i.people)),
            i.organization.name if i.organization else None,
        )
        for i in db.session.scalars(sa.select(Interaction))
    )
    assert after_people == before_people
    assert after_contacts == before_contacts
    okafor = db.session.scalars(sa.select(Person).where(Person.last_name == "Okafor")).one()
    assert okafor.organization.name == "U.S. Citizenship and Immigration Services"
    # USCIS from the people file, the board from the history file (named there, not yet here).
    assert sorted(db.session.scalars(sa.select(Organization.name))) == [
        "Texas Medical Board",
        "U.S. Citizenship and Immigration Services",
    ]


def table_and_mapping(data: bytes, kind: str):
    table = read_table(data, f"{kind}.csv")
    return table.rows, guess_mapping(kind, table.headers)
