"""Where the files come from: YAML, JSON and CSV give the same people; a .zip; a URL served
on 127.0.0.1; the network unreachable; the parse cache changes nothing but speed."""

from __future__ import annotations

import functools
import http.server
import socket
import threading
import zipfile

import pytest

from crm.imports import congress, openstates
from crm.imports.sources import ParseCache, Source
from crm.models import Person
from tests.imports.conftest import (
    AS_OF,
    count,
    load_congress,
    person,
    shared_data,
    small_congress,
    write_congress,
)

# One xdist worker runs the whole module, so its module-scoped parse runs once.
pytestmark = pytest.mark.xdist_group(__name__)

SEAT_FIELDS = (
    "first_name",
    "last_name",
    "full_name",
    "chamber",
    "state",
    "district",
    "party",
    "suffix",
    "nickname",
)


@pytest.fixture(scope="module")
def yaml_snapshot():
    return congress.parse(Source(shared_data() / "congress-legislators", "yaml"), AS_OF)


def test_json_gives_the_same_snapshot_as_yaml(yaml_snapshot, tmp_path):
    folder = write_congress(load_congress(), tmp_path / "json")
    snap = congress.parse(Source(folder, "json"), AS_OF)
    assert snap.people.keys() == yaml_snapshot.people.keys()
    for key, rec in snap.people.items():
        other = yaml_snapshot.people[key]
        assert (rec.values, rec.optional, rec.social, rec.external_ids, rec.offices) == (
            other.values,
            other.optional,
            other.social,
            other.external_ids,
            other.offices,
        )
    assert snap.committees.keys() == yaml_snapshot.committees.keys()
    assert snap.memberships.keys() == yaml_snapshot.memberships.keys()


def test_csv_gives_the_same_people_and_seats(yaml_snapshot, tmp_path):
    folder = tmp_path / "csv"
    folder.mkdir()
    (folder / "legislators-current.csv").write_bytes(
        (shared_data() / "congress-legislators" / "legislators-current.csv").read_bytes()
    )
    snap = congress.parse(Source(folder, "csv"), AS_OF)
    assert not snap.errors
    assert len(snap.people) == 537 and snap.committees is None  # committees left alone
    for key, rec in snap.people.items():
        other = yaml_snapshot.people[key]
        assert {f: rec.values[f] for f in SEAT_FIELDS} == {f: other.values[f] for f in SEAT_FIELDS}
        assert rec.optional["phone"] == other.optional["phone"]
    cantwell = snap.people["C000127"]
    assert cantwell.external_ids["thomas"] == "00172"
    assert cantwell.external_ids["fec"] == ["S8WA00194", "H2WA01054"]
    assert cantwell.external_ids["govtrack"] == 300018
    assert cantwell.social["twitter"] == "SenatorCantwell"
    assert snap.people["J000301"].values["district"] == "0"


def test_parse_cache_gives_the_same_snapshot(yaml_snapshot, tmp_path):
    cache = ParseCache(tmp_path / "cache")
    root = shared_data() / "congress-legislators"
    first = congress.parse(Source(root, "x", cache=cache), AS_OF)
    cached = congress.parse(Source(root, "x", cache=ParseCache(tmp_path / "cache")), AS_OF)
    assert len(list((tmp_path / "cache").glob("*.json"))) == 5
    for snap in (first, cached):
        assert {k: (r.values, r.optional, r.offices) for k, r in snap.people.items()} == {
            k: (r.values, r.optional, r.offices) for k, r in yaml_snapshot.people.items()
        }
        assert {k: m.values for k, m in snap.memberships.items()} == {
            k: m.values for k, m in yaml_snapshot.memberships.items()
        }


def test_openstates_dates_survive_the_parse_cache(tmp_path):
    root = shared_data() / "openstates"
    plain = openstates.parse(Source(root, "x"), ("TN",), AS_OF)
    openstates.parse(Source(root, "x", cache=ParseCache(tmp_path / "c")), ("TN",), AS_OF)
    cached = openstates.parse(Source(root, "x", cache=ParseCache(tmp_path / "c")), ("TN",), AS_OF)
    assert {k: r.optional for k, r in cached.people.items()} == {
        k: r.optional for k, r in plain.people.items()
    }


def test_a_zip_archive(tmp_path, runner):
    folder = small_congress(tmp_path / "c", ("C000127", "K000367"))
    archive = tmp_path / "congress.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for path in folder.iterdir():
            zf.write(path, f"congress-legislators/{path.name}")
        zf.writestr("../../evil.yaml", "x: 1")  # never written outside the folder
    result = runner.invoke(args=["crm", "import-congress", str(archive)])
    assert result.exit_code == 0, result.output
    assert count(Person) == 2
    assert not (tmp_path.parent / "evil.yaml").exists()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002
        pass


@pytest.fixture
def allow_loopback(app, monkeypatch):
    """URL imports refuse loopback addresses unless allowed, as here for the local server."""
    monkeypatch.setitem(app.config, "IMPORT_URL_ALLOW", "127.0.0.1")


@pytest.fixture
def http_folder(tmp_path, allow_loopback):
    """Serve a folder on 127.0.0.1 (JSON files only: the YAML fallback is tested elsewhere)."""
    folder = small_congress(tmp_path / "served", ("C000127", "K000367"), fmt="json")
    handler = functools.partial(QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/", folder
    server.shutdown()
    thread.join(5)


def test_a_url_of_published_files(http_folder, runner):
    url, folder = http_folder
    (folder / "legislators-social-media.json").unlink()  # 404: optional files may be missing
    result = runner.invoke(args=["crm", "import-congress", url, "--json"])
    assert result.exit_code == 0, result.output
    assert '"created": ' in result.stdout.splitlines()[-1]
    assert person("C000127").social == {} and person("C000127").offices


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_network_unreachable_is_a_clear_error(app, runner, allow_loopback):
    old = app.config["CONGRESS_LEGISLATORS_URL"]
    app.config["CONGRESS_LEGISLATORS_URL"] = f"http://127.0.0.1:{closed_port()}/published/"
    try:
        result = runner.invoke(args=["crm", "import-congress", "--latest"])
    finally:
        app.config["CONGRESS_LEGISLATORS_URL"] = old
    assert result.exit_code == 1
    assert "Could not download http://127.0.0.1:" in result.output
    assert "network may be unreachable" in result.output
    assert "Traceback" not in result.output


def test_published_files_are_fetched_by_name(app, http_folder, runner):
    url, _ = http_folder
    old = app.config["CONGRESS_LEGISLATORS_URL"]
    app.config["CONGRESS_LEGISLATORS_URL"] = url
    try:
        result = runner.invoke(args=["crm", "import-congress", "--latest", "--dry-run"])
    finally:
        app.config["CONGRESS_LEGISLATORS_URL"] = old
    assert result.exit_code == 0, result.output
    assert "+ person C000127 Maria Cantwell" in result.output
    assert count(Person) == 0
