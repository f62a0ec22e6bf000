"""The real Open States snapshot (FL, NY, TN, TX, WI), imported once for this module: counts,
the README's edge cases, an identical second run, the scope of a one-state run, and filters."""

from __future__ import annotations

import json
import re
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from crm.extensions import db
from crm.imports import services
from crm.models import Committee, CommitteeMembership, Office, Organization, Person
from tests.imports.conftest import (
    DIRECTORY_TABLES,
    NOW,
    committee,
    count,
    module_import,
    person,
    shared_data,
    snapshot_counts,
)

# One xdist worker runs the whole module, so its module-scoped import runs once.
pytestmark = [pytest.mark.keep_tables(*DIRECTORY_TABLES), pytest.mark.xdist_group(__name__)]

COUNTS = {  # state: (legislators, upper, lower, committees, memberships), from the README
    "FL": (158, 40, 118, 36, 521),
    "NY": (213, 63, 150, 107, 1554),
    "TN": (132, 33, 99, 32, 407),
    "TX": (181, 31, 150, 60, 594),
    "WI": (132, 33, 99, 73, 613),
}


def ocd(uuid: str) -> Person:
    return person(openstates=f"ocd-person/{uuid}")


@pytest.fixture(scope="module")
def imported(app):
    source = str(shared_data() / "openstates")

    def steps():
        first, _ = services.run_import("openstates", source, actor=None, now=NOW)
        after_first = snapshot_counts()
        cli = app.test_cli_runner().invoke(args=["crm", "import-openstates", source, "--json"])
        one_state, _ = services.run_import(
            "openstates", source, actor=None, now=NOW, states=("TN",), dry_run=True
        )
        return SimpleNamespace(
            first=first,
            cli=cli,
            one_state=one_state,
            after_first=after_first,
            after_second=snapshot_counts(),
        )

    yield from module_import(app, steps)


def test_every_current_state_legislator(imported):
    assert imported.first.ok, imported.first.errors
    assert imported.first.warnings == []
    assert count(Person, Person.level == "state") == 816
    for state, (total, upper, lower, committees, memberships) in COUNTS.items():
        assert count(Person, Person.state == state) == total
        assert count(Person, Person.state == state, Person.chamber == "upper") == upper
        assert count(Person, Person.state == state, Person.chamber == "lower") == lower
        assert count(Committee, Committee.jurisdiction == state) == committees
        assert (
            count(
                CommitteeMembership,
                CommitteeMembership.committee_id.in_(
                    sa.select(Committee.id).where(Committee.jurisdiction == state)
                ),
            )
            == memberships
        )
    assert count(Committee) == 308 and count(CommitteeMembership) == 3689
    assert count(Person, Person.openstates_id.like("ocd-person/%")) == 816


def test_joint_committees_and_committee_ids(imported):
    by_chamber = dict(
        db.session.execute(
            sa.select(Committee.chamber, sa.func.count()).group_by(Committee.chamber)
        ).all()
    )
    assert by_chamber == {"upper": 117, "lower": 166, "joint": 25}
    health = committee(name="Public Health", state="TX", chamber="lower")
    assert health.external_id == "ocd-organization/20f28f84-443f-461e-95b3-81f76b6df2d1"
    assert health.level == "state" and health.code is None


def test_committee_roles(imported):
    rows = dict(
        db.session.execute(
            sa.select(CommitteeMembership.title, CommitteeMembership.role).group_by(
                CommitteeMembership.title, CommitteeMembership.role
            )
        ).all()
    )
    assert rows == {
        "member": "member",
        "chair": "chair",
        "vice chair": "vice chair",
        "vice-chair": "vice chair",
        "first vice chair": "vice chair",
        "second vice chair": "vice chair",
        "co-chair": "co-chair",
        "ranking member": "ranking member",
        "ranking republican member": "ranking member",
        "republican committee whip": "republican committee whip",
    }


def test_empty_record_and_missing_start_dates(imported):
    ligon = ocd("6fde08be-f7c0-464a-83a7-430c60617beb")
    assert ligon.full_name == "Brett Ligon" and (ligon.state, ligon.chamber, ligon.district) == (
        "TX",
        "upper",
        "4",
    )
    assert ligon.email is None and ligon.phone is None and ligon.offices == []
    assert ligon.term_start is None
    assert ocd("b8b305e5-ff02-4f8d-8ef1-61a4a7ecf54a").term_start is None  # Rusty Crowe
    assert count(Person, Person.level == "state", Person.email.is_(None)) == 1


def test_current_role_is_the_one_without_end_date(imported):
    hill = ocd("206d00d3-65a9-4922-82d8-48f09a411863")
    assert (hill.chamber, hill.district) == ("lower", "3")
    assert hill.term_start.isoformat() == "2023-05-11"  # not the role that "ended" in 2020
    knodl = ocd("1152309b-c82f-4660-bd5d-3e16322f1200")
    assert knodl.full_name == "Dan Knodl" and knodl.chamber == "lower"  # not the file name
    assert ocd("c405ad68-fdbd-43fe-abc2-f449f33c89b0").full_name == "Howard Marklein"
    bracy = ocd("2f86f22f-b277-4441-b322-b1fbfb017b74")
    assert bracy.chamber == "upper" and bracy.term_start.isoformat() == "2025-09-02"
    mayfield = ocd("a41e2c13-be68-4af3-8229-3c657b8d980d")
    assert (mayfield.chamber, mayfield.district) == ("upper", "19")
    assert mayfield.term_start.isoformat() == "2025-06-10"
    lamar = ocd("44fda210-d5be-4785-ae5e-0072b4111a67")
    assert lamar.chamber == "upper"


def test_parties_and_fusion_labels(imported):
    parties = dict(
        db.session.execute(sa.select(Person.party, sa.func.count()).group_by(Person.party)).all()
    )
    assert parties == {"Republican": 461, "Democratic": 354, "Independent": 1}
    assert count(Person, Person.party_label.like("%/%")) == 86
    assert ocd("42278250-8dc9-4fcc-ab11-964aa8e369e7").party == "Independent"  # Jason Pizzo
    ny = db.session.scalars(
        sa.select(Person).where(Person.party_label == "Republican/Conservative/Independence/Reform")
    ).one()
    assert ny.party == "Republican" and ny.state == "NY"


def test_offices_by_classification(imported):
    albritton = ocd("5c81dfe7-1cec-45e8-8044-6d9cd324f2e8")
    kinds = [o.kind for o in albritton.offices]
    assert kinds.count("district") >= 2 and "capitol" in kinds
    assert albritton.phone == next(o.phone for o in albritton.offices if o.kind == "capitol")
    assert albritton.phone.startswith("+1850")
    wi_assembly = db.session.scalars(
        sa.select(Person).where(Person.state == "WI", Person.chamber == "lower")
    ).all()
    assert sum(1 for p in wi_assembly if not p.offices and p.phone is None) == 66
    mail = count(Office, Office.kind == "mail")
    assert mail > 0 and count(Office, Office.label == "Capitol mailing address") > 0
    assert ocd("c405ad68-fdbd-43fe-abc2-f449f33c89b0").email.endswith("@legis.wi.gov")


def test_names_and_titles(imported):
    assert ocd("b69579f7-74de-4a71-86ba-033264cc5bc7").full_name == "Mihaela Pleșa"
    assert ocd("a4a5f92e-62cf-401b-9fc6-9d9a63498d5c").full_name == "Bryan Ávila"
    assert "avila" in ocd("a4a5f92e-62cf-401b-9fc6-9d9a63498d5c").search_name
    hardaway = ocd("fb96543d-2ccf-45c0-9ade-49f042bb715e")
    assert hardaway.full_name == "T.J. Hardaway" and hardaway.term_start.isoformat() == "2026-05-07"
    assert ocd("5a115673-aa3c-4518-94bc-b2a5dadeb8af").title == "Assembly Member"  # NY
    assert ocd("6fde08be-f7c0-464a-83a7-430c60617beb").title == "State Senator"
    simmons = ocd("9dc31ea5-fd89-4909-a9bf-d732ea02282a")
    assert simmons.title == "State Representative" and simmons.seat == "TX House District 146"


def test_links_ids_and_office_organizations(imported):
    assert count(Person, Person.level == "state", Person.website.is_not(None)) == 815
    assert sum(1 for s in db.session.scalars(sa.select(Person.social)) if s) == 113
    legacy = ocd("b3bd4f95-946f-4b4b-b58f-ab78345847b7").external_ids  # Adam Lowe, no others
    assert legacy == {}
    assert count(Organization, Organization.kind == "legislature") == 10
    assert count(Organization, Organization.kind == "legislative_office") == 816
    assert ocd("9dc31ea5-fd89-4909-a9bf-d732ea02282a").organization.parent.name == (
        "Texas House of Representatives"
    )


def test_second_identical_run_changes_nothing(imported):
    assert imported.cli.exit_code == 0, imported.cli.output
    summary = json.loads(imported.cli.output.strip().splitlines()[-1])
    assert (summary["created"], summary["updated"], summary["retired"]) == (0, 0, 0)
    assert summary["people"]["unchanged"] == 816
    assert imported.after_second == imported.after_first


def test_a_one_state_run_only_answers_for_that_state(imported):
    counts = imported.one_state.counts
    assert counts["people"] == {"created": 0, "updated": 0, "retired": 0, "unchanged": 132}
    assert counts["committees"]["retired"] == 0 and counts["memberships"]["retired"] == 0


def test_texas_house_public_health_filter(imported, as_member, client):
    health = committee(name="Public Health", state="TX", chamber="lower")
    expected = sorted(m.person.full_name for m in health.memberships)
    assert len(expected) == 13
    html = client.get("/people/", query_string={"committee": health.id}).get_data(as_text=True)
    shown = re.findall(r'<a class="fw-semibold" href="/people/\d+">([^<]+)</a>', html)
    assert sorted(shown) == expected
