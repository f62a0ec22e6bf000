"""Legislatures unlike the five in the shared snapshot: Nebraska's unicameral, nonpartisan
legislature, Minnesota's and North Dakota's Democratic party labels, fusion labels, multi-member
districts, and records the importer cannot read (which fail the run instead of being skipped).

The states are derived from real Tennessee files, rewritten the way Open States writes them."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
import yaml

from crm.extensions import db
from crm.imports import normalize as norm
from crm.imports import services
from crm.models import Committee, Organization, Person
from tests.imports.conftest import NOW, count, shared_data

TN = shared_data() / "openstates" / "data" / "tn"


def tn_people(n: int) -> list[dict]:
    files = sorted((TN / "legislature").glob("*.yml"))[:n]
    return [yaml.load(p.read_text(), Loader=yaml.CSafeLoader) for p in files]


def as_state(record: dict, state: str, *, role_type: str, party: str, district: str) -> dict:
    """A Tennessee record moved to another state, chamber, party and district."""
    record = dict(record)
    record["party"] = [{"name": party}]
    record["roles"] = [
        {
            "start_date": "2025-01-07",
            "type": role_type,
            "jurisdiction": f"ocd-jurisdiction/country:us/state:{state.lower()}/government",
            "district": district,
        }
    ]
    return record


def write_state(root: Path, state: str, people: list[dict], committees: list[dict] = ()) -> None:
    folder = root / "data" / state.lower()
    (folder / "legislature").mkdir(parents=True)
    (folder / "committees").mkdir()
    for n, record in enumerate(people):
        (folder / "legislature" / f"person-{n}.yml").write_text(
            yaml.dump(record, Dumper=yaml.CSafeDumper, allow_unicode=True)
        )
    for n, record in enumerate(committees):
        (folder / "committees" / f"committee-{n}.yml").write_text(
            yaml.dump(record, Dumper=yaml.CSafeDumper, allow_unicode=True)
        )


@pytest.fixture
def legislatures(tmp_path) -> Path:
    base = tn_people(8)
    ne = [
        as_state(base[0], "NE", role_type="legislature", party="Nonpartisan", district="5"),
        as_state(base[1], "NE", role_type="legislature", party="Nonpartisan", district="12"),
    ]
    ne_committee = {
        "id": "ocd-organization/00000000-0000-4000-8000-00000000ne01",
        "jurisdiction": "ocd-jurisdiction/country:us/state:ne/government",
        "classification": "committee",
        "name": "Health and Human Services",
        "chamber": "legislature",
        "members": [{"name": ne[0]["name"], "role": "Chair", "person_id": ne[0]["id"]}],
    }
    write_state(tmp_path, "NE", ne, [ne_committee])
    write_state(
        tmp_path,
        "MN",
        [
            as_state(
                base[2], "MN", role_type="upper", party="Democratic-Farmer-Labor", district="61"
            ),
            as_state(base[3], "MN", role_type="lower", party="Republican", district="12A"),
        ],
    )
    write_state(
        tmp_path,
        "ND",
        [as_state(base[4], "ND", role_type="upper", party="Democratic-NPL", district="44")],
    )
    write_state(
        tmp_path,
        "VT",
        [
            # Vermont: fusion labels with the major party second, and a two-member district.
            as_state(
                base[5],
                "VT",
                role_type="upper",
                party="Progressive/Democratic",
                district="Chittenden-Central",
            ),
            as_state(
                base[6],
                "VT",
                role_type="upper",
                party="Democratic/Progressive",
                district="Chittenden-Central",
            ),
            as_state(base[7], "VT", role_type="lower", party="Progressive", district="Windsor-1"),
        ],
    )
    return tmp_path


def by_name(name: str) -> Person:
    return db.session.scalars(sa.select(Person).where(Person.full_name == name)).one()


def test_unicameral_nonpartisan_and_state_party_labels(legislatures):
    result, run = services.run_import("openstates", str(legislatures), actor=None, now=NOW)
    assert result.ok, result.errors
    assert result.warnings == []
    assert run.status == "done"
    people = tn_people(8)

    senator = by_name(people[0]["name"])
    assert (senator.state, senator.chamber, senator.district) == ("NE", "unicameral", "5")
    assert senator.party == "Nonpartisan" and senator.title == "State Senator"
    assert senator.seat == "NE Legislature District 5"
    chambers = db.session.scalars(
        sa.select(Organization.name).where(
            Organization.kind == "legislature", Organization.jurisdiction == "NE"
        )
    ).all()
    assert chambers == ["Nebraska Legislature"]  # one chamber, no empty House
    hhs = db.session.scalars(sa.select(Committee).where(Committee.jurisdiction == "NE")).one()
    assert hhs.chamber == "unicameral"
    assert [m.person.full_name for m in hhs.memberships] == [people[0]["name"]]

    dfl = by_name(people[2]["name"])
    assert (dfl.party, dfl.party_label) == ("Democratic", "Democratic-Farmer-Labor")
    npl = by_name(people[4]["name"])
    assert (npl.party, npl.party_label) == ("Democratic", "Democratic-NPL")
    assert by_name(people[5]["name"]).party == "Democratic"  # Progressive/Democratic
    assert by_name(people[6]["name"]).party == "Democratic"
    assert by_name(people[7]["name"]).party == "Progressive"
    assert count(Person, Person.state == "VT", Person.district == "Chittenden-Central") == 2
    assert by_name(people[3]["name"]).district == "12A"


def test_party_filter_counts_state_democrats(legislatures, client, as_member):
    services.run_import("openstates", str(legislatures), actor=None, now=NOW)
    page = client.get("/people/?party=Democratic&level=state").get_data(as_text=True)
    people = tn_people(8)
    for n in (2, 4, 5, 6):
        assert people[n]["name"] in page
    assert people[0]["name"] not in page  # Nebraska: nonpartisan
    page = client.get("/people/?chamber=unicameral").get_data(as_text=True)
    assert people[0]["name"] in page and people[1]["name"] in page


@pytest.mark.parametrize(
    "party, filed",
    [
        ("Democratic-Farmer-Labor", "Democratic"),
        ("Democratic–Farmer–Labor", "Democratic"),
        ("DFL", "Democratic"),
        ("Democratic-Nonpartisan League", "Democratic"),
        ("Working Families/Democratic", "Democratic"),
        ("Republican/Conservative/Independence", "Republican"),
        ("Independent", "Independent"),
        ("Nonpartisan", "Nonpartisan"),
        ("Libertarian", "Libertarian"),
        ("Green/Working Families", "Green"),
        ("", None),
    ],
)
def test_party_labels(party, filed):
    assert norm.party_name(party) == filed


def write_one(root: Path, state: str, record: dict) -> Path:
    write_state(root, state, [record])
    return root


def test_a_seat_the_legislature_does_not_have_fails_the_run(tmp_path):
    base = tn_people(2)
    write_state(
        tmp_path,
        "NE",
        [
            as_state(base[0], "NE", role_type="legislature", party="Nonpartisan", district="1"),
            as_state(base[1], "NE", role_type="lower", party="Nonpartisan", district="2"),
        ],
    )
    result, run = services.run_import("openstates", str(tmp_path), actor=None, now=NOW)
    assert not result.ok
    assert any("not a seat of the NE legislature" in e.message for e in result.errors)
    assert run.status == "failed"
    assert count(Person) == 0  # all or nothing


def test_an_unknown_role_type_fails_the_run(tmp_path):
    record = as_state(tn_people(1)[0], "MN", role_type="governor", party="Republican", district="0")
    write_state(tmp_path, "MN", [record])
    result, _ = services.run_import("openstates", str(tmp_path), actor=None, now=NOW)
    assert not result.ok and count(Person) == 0
    assert any("'governor'" in e.message for e in result.errors)


def test_a_role_ending_after_the_snapshot_is_current(tmp_path):
    record = as_state(tn_people(1)[0], "MN", role_type="upper", party="Republican", district="3")
    record["roles"][0]["end_date"] = "2099-01-05"
    write_state(tmp_path, "MN", [record])
    result, _ = services.run_import("openstates", str(tmp_path), actor=None, now=NOW)
    assert result.ok and result.warnings == []
    assert by_name(record["name"]).chamber == "upper"
