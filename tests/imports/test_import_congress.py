"""The real congress-legislators snapshot, imported once for this module: counts and the edge
cases listed in shared/data/README.md, a second identical run, a dry run, and the directory
filters on the imported data."""

from __future__ import annotations

import json
import re
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from crm.extensions import db
from crm.imports import services
from crm.models import (
    AuditEntry,
    Committee,
    CommitteeMembership,
    ImportRun,
    Office,
    Organization,
    Person,
)
from tests.imports.conftest import (
    AS_OF,
    DIRECTORY_TABLES,
    NOW,
    committee,
    count,
    load_congress,
    module_import,
    person,
    shared_data,
    snapshot_counts,
)

# One xdist worker runs the whole module, so its module-scoped import runs once.
pytestmark = [pytest.mark.keep_tables(*DIRECTORY_TABLES), pytest.mark.xdist_group(__name__)]


@pytest.fixture(scope="module")
def imported(app):
    source = str(shared_data() / "congress-legislators")

    def steps():
        first, run = services.run_import("congress", source, actor=None, now=NOW, as_of=AS_OF)
        after_first = snapshot_counts()
        audit = {
            "cantwell": list(
                db.session.scalars(
                    sa.select(AuditEntry.after).where(
                        AuditEntry.action == "import_create",
                        AuditEntry.entity_type == "people",
                        AuditEntry.entity_id == person("C000127").id,
                    )
                )
            ),
        }
        cli = app.test_cli_runner().invoke(
            args=["crm", "import-congress", source, "--json", "--as-of", "2026-06-15"]
        )
        after_second = snapshot_counts()
        dry = app.test_cli_runner().invoke(
            args=["crm", "import-congress", source, "--dry-run", "--json"]
        )
        return SimpleNamespace(
            first=first,
            run_id=run.id,
            cli=cli,
            dry=dry,
            audit=audit,
            after_first=after_first,
            after_second=after_second,
            after_dry=snapshot_counts(),
        )

    yield from module_import(app, steps)


def test_first_import_creates_every_current_member(imported):
    assert imported.first.ok
    assert imported.first.counts["people"] == {
        "created": 537,
        "updated": 0,
        "retired": 0,
        "unchanged": 0,
    }
    assert count(Person, Person.level == "federal", Person.kind == "legislator") == 537
    assert count(Person, Person.chamber == "upper") == 100
    assert count(Person, Person.chamber == "lower") == 437
    parties = dict(
        db.session.execute(sa.select(Person.party, sa.func.count()).group_by(Person.party)).all()
    )
    assert parties == {"Republican": 274, "Democratic": 260, "Independent": 3}


def test_committees_subcommittees_and_memberships(imported):
    assert count(Committee, Committee.parent_id.is_(None)) == 49
    assert count(Committee, Committee.parent_id.is_not(None)) == 181
    assert count(CommitteeMembership) == 3879
    by_chamber = dict(
        db.session.execute(
            sa.select(Committee.chamber, sa.func.count())
            .where(Committee.parent_id.is_(None))
            .group_by(Committee.chamber)
        ).all()
    )
    assert by_chamber == {"lower": 23, "upper": 21, "joint": 5}
    sub = committee("SSJU04")
    assert sub.name == "Border Security and Immigration"
    assert sub.parent.code == "SSJU" and sub.chamber == "upper" and sub.level == "federal"
    assert committee("HSQJ").parent_id is None  # a select subcommittee listed as top level
    assert committee("SCNC") is not None  # a Senate caucus
    assert committee("HSBU").parent_id is None and committee("JSEC").chamber == "joint"


def test_committee_roles_are_normalised_with_the_source_title_kept(imported):
    rows = db.session.execute(
        sa.select(CommitteeMembership.role, CommitteeMembership.title, sa.func.count()).group_by(
            CommitteeMembership.role, CommitteeMembership.title
        )
    ).all()
    roles = {}
    for role, title, n in rows:
        roles.setdefault(role, {})[title] = n
    assert roles["chair"] == {"Chairman": 143, "Chair": 79, "Chairwoman": 4}
    assert roles["vice chair"] == {"Vice Chair": 36, "Vice Chairman": 12, "Vice Chairwoman": 1}
    assert roles["ranking member"] == {"Ranking Member": 217}
    assert roles["ex officio"] == {"Ex Officio": 118}
    assert roles["co-chair"] == {"Cochairman": 1}
    assert roles["member"] == {None: 3268}
    jsec = {m.person.bioguide_id: m for m in committee("JSEC").memberships}
    assert jsec["S001183"].role == "chair" and jsec["S001183"].rank == 1
    assert jsec["S001227"].role == "vice chair" and jsec["S001227"].side == "majority"


def test_delegates_and_at_large_seats_are_district_zero(imported):
    delegates = {
        "N000147": "DC",
        "P000610": "VI",
        "R000600": "AS",
        "M001219": "GU",
        "K000404": "MP",
        "H001103": "PR",
    }
    for bioguide, state in delegates.items():
        p = person(bioguide)
        assert (p.state, p.chamber, p.district) == (state, "lower", "0")
    assert person("N000147").title == "Delegate"
    assert person("H001103").title == "Resident Commissioner"
    for bioguide in ("J000301", "B001318", "H001096", "B001323", "M001238", "F000482"):
        p = person(bioguide)
        assert p.district == "0" and p.title == "U.S. Representative"
        assert p.seat.endswith("-AL")
    assert person("C000127").district is None  # senators have no district


def test_party_change_mid_term_and_independents(imported):
    kiley = person("K000401")
    assert (kiley.party, kiley.party_label, kiley.caucus) == (
        "Independent",
        "Independent",
        "Republican",
    )
    for bioguide in ("S000033", "K000383"):
        p = person(bioguide)
        assert (p.party, p.caucus) == ("Independent", "Democratic")
    cantwell = person("C000127")
    assert (cantwell.party, cantwell.party_label, cantwell.caucus) == (
        "Democratic",
        "Democrat",
        "Democratic",
    )


def test_appointed_and_mid_session_members_have_their_current_term(imported):
    armstrong = person("A000383")
    assert armstrong.term_start.isoformat() == "2026-03-24"
    assert "fec" not in armstrong.external_ids and "thomas" not in armstrong.external_ids
    assert person("H001104").term_end.isoformat() == "2026-11-03"
    assert person("M001246").term_start.isoformat() == "2026-04-20"


def test_sparse_new_records(imported):
    gallagher = person("G000607")
    assert gallagher.full_name == "James Gallagher"  # no official_full: built from the parts
    assert gallagher.phone is None and gallagher.website is None
    assert gallagher.offices == [] and gallagher.social == {}
    assert person("M001246").full_name == "Analilia Mejia"


def test_contact_channels_are_normalised(imported):
    cantwell = person("C000127")
    assert cantwell.phone == "+12022243441"
    assert cantwell.website == "https://www.cantwell.senate.gov"
    capitol = cantwell.offices[0]
    assert capitol.kind == "capitol" and capitol.address.startswith("511 Hart Senate")
    assert cantwell.organization.name == "Office of U.S. Senator Maria Cantwell"
    assert cantwell.organization.parent.name == "U.S. Senate"
    assert count(Person, Person.contact_form.is_not(None)) == 88  # 89 less F000484's typo
    assert person("F000484").contact_form is None
    warnings = [str(w) for w in imported.first.warnings]
    assert warnings == [
        "legislators-current.yaml: F000484: contact_form ignored: "
        "'hhttps://fine.house.gov/address_authentication?form=/contact/email-me'"
        " is not a web address."
    ]


def test_names_accents_suffixes_and_nicknames(imported):
    assert person("L000570").full_name == "Ben Ray Luján"
    assert "lujan" in person("L000570").search_name
    garcia = person("G000586")
    assert garcia.first_name == "Jesús" and garcia.nickname == "Chuy" and '"' in garcia.full_name
    de_la_cruz = person("D000594")
    assert de_la_cruz.first_name == "Mónica" and de_la_cruz.full_name == "Monica De La Cruz"
    assert de_la_cruz.last_name == "De La Cruz"
    assert person("H001103").last_name == "Hernández Rivera"
    assert person("B000490").full_name == "Sanford D. Bishop, Jr."
    assert person("C001061").suffix == "II"
    assert person("F000472").first_name == "C." and person("F000472").full_name == "Scott Franklin"
    assert person("S000033").nickname == "Bernie"
    assert count(Person, Person.suffix.is_not(None)) == 20
    assert count(Person, Person.nickname.is_not(None)) == 29


def test_external_ids_keep_their_types(imported):
    ids = person("C000127").external_ids
    assert ids["thomas"] == "00172" and ids["fec"] == ["S8WA00194", "H2WA01054"]
    assert ids["lis"] == "S275" and ids["govtrack"] == 300018
    assert count(Person, Person.bioguide_id.is_not(None)) == 537


def test_social_accounts(imported):
    assert person("R000600").social == {"twitter": "RepAmata", "facebook": "aumuaamata"}
    assert person("R000600").external_ids["twitter_id"] == 3026622545
    assert person("R000600").external_ids["youtube_id"] == "UCGdrLQbt1PYDTPsampx4t1A"
    with_social = db.session.scalars(sa.select(Person.social)).all()
    assert sum(1 for s in with_social if s) == 519
    assert sum(1 for s in with_social if "mastodon" in s) == 13


def test_district_offices(imported):
    assert count(Office, Office.kind == "district") == 1312
    assert count(Office, Office.kind == "capitol") == 536  # G000607 has no Capitol office yet
    offices = {o.external_id: o for o in db.session.scalars(sa.select(Office))}
    assert offices["J000305-san_diego"].address.endswith("San Diego, CA")  # zip: null
    assert offices["C001131-san_antonio"].address == "San Antonio, TX 78205"  # no street
    assert offices["C001131-san_antonio"].phone.startswith("+1210")
    assert offices["P000610-st__thomas"].label == "St. Thomas"
    assert offices["A000055-jasper"].address == (
        "Carl Elliott Building, 1710 Alabama Ave., 247\nJasper, AL 35501"
    )


def test_everyone_has_an_office_organization(imported):
    assert count(Organization, Organization.kind == "legislative_office") == 537
    assert count(Organization, Organization.kind == "legislature") == 2
    assert count(Person, Person.organization_id.is_(None)) == 0


def test_each_creation_is_audited_with_the_source_date(imported):
    (after,) = imported.audit["cantwell"]
    assert after["source"] == "congress-legislators" and after["source_date"] == "2026-06-15"
    assert after["party"] == "Democratic" and after["bioguide_id"] == "C000127"


def test_second_identical_run_changes_nothing(imported):
    assert imported.cli.exit_code == 0, imported.cli.output
    summary = json.loads(imported.cli.output.strip().splitlines()[-1])
    assert summary["created"] == 0 and summary["updated"] == 0 and summary["retired"] == 0
    assert summary["unchanged"] == 537 + 230 + 3879 + 539 and summary["errors"] == 0
    assert imported.after_second == imported.after_first


def test_dry_run_reports_and_writes_nothing(imported):
    assert imported.dry.exit_code == 0
    assert "dry run, nothing written" in imported.dry.output
    assert json.loads(imported.dry.output.strip().splitlines()[-1])["dry_run"] is True
    assert imported.after_dry == imported.after_first
    runs = db.session.scalars(sa.select(ImportRun).order_by(ImportRun.id)).all()
    assert [r.status for r in runs] == ["done", "done"]  # the dry run left no history either
    assert runs[0].counts["people"]["created"] == 537 and runs[0].started_by_id is None


@pytest.fixture
def directory_members(as_member, client):
    def names(**args) -> list[str]:
        response = client.get("/people/", query_string=args)
        assert response.status_code == 200
        return re.findall(
            r'<a class="fw-semibold" href="/people/\d+">([^<]+)</a>',
            response.get_data(as_text=True),
        )

    return names


def test_directory_filter_by_subcommittee_and_parent(imported, directory_members):
    listed = load_congress()["committee-membership-current"]["SSJU04"]
    sub = committee("SSJU04")
    assert sorted(m.person.bioguide_id for m in sub.memberships) == sorted(
        m["bioguide"] for m in listed
    )
    expected = sorted(person(m["bioguide"]).full_name for m in listed)
    assert len(expected) == 13 and "John Cornyn" in expected
    assert sorted(directory_members(committee=sub.id)) == expected
    parent = committee("SSJU")
    parent_members = {m.person.full_name for m in parent.memberships}
    # The parent filter includes subcommittee members (a page holds 50; the committee has fewer).
    shown = set(directory_members(committee=parent.id))
    assert set(expected) <= shown and parent_members <= shown
