"""The congress-legislators snapshot shipped in the repository: what a first run loads offline."""

from __future__ import annotations

import socket
import subprocess
import zipfile

import sqlalchemy as sa

from crm.imports.snapshot import SNAPSHOT, snapshot_date
from tests.imports.conftest import AS_OF, CONGRESS_FILES, count, person, shared_data


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_the_snapshot_is_the_public_dataset_and_small():
    """Exactly the files the importer reads, byte-identical to the dataset, dated, a few MB."""
    with zipfile.ZipFile(SNAPSHOT) as zf:
        names = sorted(zf.namelist())
        assert names == sorted(f"{stem}.yaml" for stem in CONGRESS_FILES)
        for name in names:
            assert zf.read(name) == (shared_data() / "congress-legislators" / name).read_bytes()
    assert snapshot_date() == AS_OF
    assert SNAPSHOT.stat().st_size < 1_000_000
    assert (SNAPSHOT.parent / "README.md").read_text().count("2026-06-15") >= 1


def test_import_without_a_source_loads_all_of_congress_offline(app, runner):
    """First run offline: no download is tried, 537 members with committees, one done run."""
    from crm.models import Committee, CommitteeMembership, ImportRun, Person

    old = app.config["CONGRESS_LEGISLATORS_URL"]
    app.config["CONGRESS_LEGISLATORS_URL"] = f"http://127.0.0.1:{closed_port()}/unreachable/"
    try:
        result = runner.invoke(args=["crm", "import-congress", "--json"])
    finally:
        app.config["CONGRESS_LEGISLATORS_URL"] = old
    assert result.exit_code == 0, result.output
    assert "bundled congress-legislators snapshot (2026-06-15)" in result.output
    assert count(Person, Person.bioguide_id.is_not(None), Person.in_office.is_(True)) == 537
    assert count(Committee) == 49 + 181 and count(CommitteeMembership) == 3879
    assert person("C000127").offices
    assert count(CommitteeMembership, CommitteeMembership.person_id == person("C000127").id)
    from crm.extensions import db

    runs = db.session.execute(sa.select(ImportRun.status, ImportRun.source_date)).all()
    assert runs == [("done", AS_OF)]


def test_latest_downloads_the_published_files(app, runner):
    """--latest asks for the published files: offline that fails clearly (and only then)."""
    old = app.config["CONGRESS_LEGISLATORS_URL"]
    app.config["CONGRESS_LEGISLATORS_URL"] = f"http://127.0.0.1:{closed_port()}/published/"
    try:
        result = runner.invoke(args=["crm", "import-congress", "--latest"])
    finally:
        app.config["CONGRESS_LEGISLATORS_URL"] = old
    assert result.exit_code == 1 and "Could not download http://127.0.0.1:" in result.output


def test_the_snapshot_is_tracked_by_git():
    """Shipped in the repository (not ignored), so a fresh clone has it."""
    out = subprocess.run(
        ["git", "check-ignore", "-q", str(SNAPSHOT)], cwd=SNAPSHOT.parent, capture_output=True
    )
    assert out.returncode == 1
