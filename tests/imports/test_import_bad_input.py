"""Bad input: each bad record is reported with its file and id, nothing is committed, and the
command exits non-zero. Small snapshots cut from the real ones keep these fast."""

from __future__ import annotations

import copy
import shutil
from pathlib import Path

import sqlalchemy as sa
import yaml

from crm.extensions import db
from crm.imports import reconcile
from crm.models import ImportRun, Person
from tests.imports.conftest import (
    count,
    person,
    shared_data,
    small_congress,
    small_openstates,
    snapshot_counts,
)

MEMBERS = ("C000127", "K000367", "S000033")
EMPTY = {
    "people": 0,
    "offices": 0,
    "organizations": 0,
    "committees": 0,
    "memberships": 0,
    "audit": 0,
}


def small(tmp_path: Path, fmt: str = "yaml") -> Path:
    return small_congress(tmp_path / "congress", MEMBERS, fmt)


def run_cli(runner, *args):
    return runner.invoke(args=["crm", *args])


def assert_rejected(result, *fragments):
    assert result.exit_code == 1, result.output
    assert "nothing was imported" in result.stderr
    for fragment in fragments:
        assert fragment in result.stderr, result.stderr
    assert snapshot_counts() == EMPTY


def edit_yaml(path: Path, change) -> None:
    data = yaml.load(path.read_text(), Loader=yaml.CSafeLoader)
    change(data)
    path.write_text(yaml.dump(data, Dumper=yaml.CSafeDumper, allow_unicode=True))


def test_malformed_yaml(tmp_path, runner):
    folder = small(tmp_path)
    with open(folder / "legislators-current.yaml", "a") as fh:
        fh.write("- id: {bioguide: X000001\n  name: [unclosed\n")
    result = run_cli(runner, "import-congress", str(folder))
    assert_rejected(result, "error: legislators-current.yaml: not valid YAML", "(line ")
    run = count(ImportRun, ImportRun.status == "failed")
    assert run == 1  # the failed run is in the history, with its errors


def test_malformed_json(tmp_path, runner):
    folder = small(tmp_path, fmt="json")
    text = (folder / "committees-current.json").read_text()
    (folder / "committees-current.json").write_text(text[: len(text) // 2])
    result = run_cli(runner, "import-congress", str(folder))
    assert_rejected(result, "error: committees-current.json: not valid JSON")


def test_malformed_csv(tmp_path, runner):
    folder = tmp_path / "csv"
    folder.mkdir()
    lines = (
        (shared_data() / "congress-legislators" / "legislators-current.csv")
        .read_text(encoding="utf-8")
        .splitlines()
    )
    lines[3] = lines[3] + ',"an extra cell"'
    (folder / "legislators-current.csv").write_text("\n".join(lines[:6]) + "\n")
    result = run_cli(runner, "import-congress", str(folder))
    assert_rejected(result, "legislators-current.csv: line 4: more cells than the header")


def test_csv_without_a_required_column(tmp_path, runner):
    folder = tmp_path / "csv"
    folder.mkdir()
    lines = (
        (shared_data() / "congress-legislators" / "legislators-current.csv")
        .read_text(encoding="utf-8")
        .splitlines()
    )
    (folder / "legislators-current.csv").write_text(
        "\n".join(line.replace("bioguide_id", "bioguide") for line in lines[:4]) + "\n"
    )
    result = run_cli(runner, "import-congress", str(folder))
    assert_rejected(result, "missing column(s): bioguide_id")


def test_missing_required_fields_are_each_reported(tmp_path, runner):
    folder = small(tmp_path)

    def damage(people):
        del people[0]["name"]["last"]
        people[1]["terms"][-1].pop("state")

    edit_yaml(folder / "legislators-current.yaml", damage)
    result = run_cli(runner, "import-congress", str(folder), "--json")
    assert_rejected(
        result,
        "legislators-current.yaml: C000127: missing required field 'last'",
        "legislators-current.yaml: K000367: missing required field 'state'",
        "2 bad record(s)",
    )
    assert '"errors": 2' in result.stdout.splitlines()[-1]


def test_unknown_state_code(tmp_path, runner):
    folder = small(tmp_path)
    edit_yaml(
        folder / "legislators-current.yaml",
        lambda people: people[2]["terms"][-1].update(state="XX"),
    )
    result = run_cli(runner, "import-congress", str(folder))
    assert_rejected(result, "legislators-current.yaml: S000033: unknown state code 'XX'")


def test_duplicate_ids(tmp_path, runner):
    folder = small(tmp_path)
    edit_yaml(
        folder / "legislators-current.yaml", lambda people: people.append(copy.deepcopy(people[0]))
    )

    def duplicate_committee(committees):
        committees.append(copy.deepcopy(committees[0]))

    edit_yaml(folder / "committees-current.yaml", duplicate_committee)
    first_code = yaml.load(
        (folder / "committees-current.yaml").read_text(), Loader=yaml.CSafeLoader
    )[0]["thomas_id"]
    result = run_cli(runner, "import-congress", str(folder))
    assert_rejected(
        result,
        "legislators-current.yaml: C000127: duplicate bioguide id",
        f"committees-current.yaml: {first_code}: duplicate committee id",
    )


def test_duplicate_key_in_a_mapping_is_malformed(tmp_path, runner):
    folder = small(tmp_path)
    path = folder / "committee-membership-current.yaml"
    text = path.read_text()
    first_block = text.split("\n", 1)[0]  # "SSXX:" then its members
    path.write_text(text + first_block + " []\n")
    result = run_cli(runner, "import-congress", str(folder))
    assert_rejected(result, "committee-membership-current.yaml: not valid YAML: duplicate key")


def test_a_bad_refresh_changes_nothing(tmp_path, runner):
    folder = small(tmp_path)
    assert run_cli(runner, "import-congress", str(folder)).exit_code == 0
    before = snapshot_counts()
    version = person("C000127").version

    def damage(people):
        people[0]["terms"][-1]["phone"] = "202-224-0000"  # a good change...
        people[1]["terms"][-1]["state"] = "ZZ"  # ...and a bad record

    edit_yaml(folder / "legislators-current.yaml", damage)
    result = run_cli(runner, "import-congress", str(folder))
    assert result.exit_code == 1 and "K000367: unknown state code 'ZZ'" in result.stderr
    assert snapshot_counts() == before
    assert person("C000127").phone == "+12022243441" and person("C000127").version == version


def test_a_failure_while_writing_leaves_nothing_behind(tmp_path, runner, monkeypatch):
    folder = small(tmp_path)

    def boom(self, people, committees):
        raise RuntimeError("disk full")

    monkeypatch.setattr(reconcile.Applier, "memberships", boom)
    result = run_cli(runner, "import-congress", str(folder))
    assert result.exit_code != 0
    assert snapshot_counts() == EMPTY
    run = db.session.scalars(sa.select(ImportRun)).one()
    assert run.status == "failed" and "nothing was saved" in run.errors[-1]["message"]


# ---- Open States ----


def test_openstates_small_snapshot_imports(tmp_path, runner):
    folder = small_openstates(tmp_path)
    result = run_cli(runner, "import-openstates", str(folder), "--json")
    assert result.exit_code == 0, result.output
    assert count(Person) == 4


def test_openstates_malformed_yaml_and_missing_id(tmp_path, runner):
    folder = small_openstates(tmp_path)
    files = sorted((folder / "data" / "tn" / "legislature").glob("*.yml"))
    files[0].write_text("id: ocd-person/x\nname: [unclosed\n")
    edit_yaml(files[1], lambda person: person.pop("id"))
    result = run_cli(runner, "import-openstates", str(folder))
    assert_rejected(
        result,
        f"data/tn/legislature/{files[0].name}: not valid YAML",
        f"data/tn/legislature/{files[1].name}: missing required field 'id'",
    )


def test_openstates_duplicate_person_id(tmp_path, runner):
    folder = small_openstates(tmp_path)
    legislature = folder / "data" / "tn" / "legislature"
    original = sorted(legislature.glob("*.yml"))[0]
    shutil.copy(original, legislature / "Copy-of-someone.yml")
    person_id = yaml.load(original.read_text(), Loader=yaml.CSafeLoader)["id"]
    result = run_cli(runner, "import-openstates", str(folder))
    assert_rejected(result, f"{person_id}: duplicate person id")


def test_openstates_unknown_state_code(tmp_path, runner):
    folder = small_openstates(tmp_path)
    path = sorted((folder / "data" / "tn" / "legislature").glob("*.yml"))[2]
    path.write_text(path.read_text().replace("state:tn", "state:zz"))
    person_id = yaml.load(path.read_text(), Loader=yaml.CSafeLoader)["id"]
    result = run_cli(runner, "import-openstates", str(folder))
    assert_rejected(result, f"{path.name}: {person_id}: unknown state code 'zz'")
    result = run_cli(runner, "import-openstates", str(folder), "--state", "XX")
    assert_rejected(result, "XX: unknown state code 'XX'")


def test_openstates_state_without_a_folder(tmp_path, runner):
    folder = small_openstates(tmp_path)
    result = run_cli(runner, "import-openstates", str(folder), "--state", "TX")
    assert_rejected(result, "TX: no folder for this state")


def test_a_source_that_does_not_exist(tmp_path, runner):
    result = run_cli(runner, "import-congress", str(tmp_path / "nowhere"))
    assert result.exit_code == 1 and "does not exist" in result.output
    assert snapshot_counts() == EMPTY
