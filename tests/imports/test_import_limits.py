"""What one import may cost the worker (S9): YAML aliases ("billion laughs") refused fast with
bounded memory; caps on what a .zip unpacks to and on records; the parse cache off when its
setting is empty, bounded, and emptied after a failed run; a run whose worker died marked failed
instead of blocking imports of its kind."""

from __future__ import annotations

import io
import json
import os
import signal
import socket
import subprocess
import sys
import time
import zipfile
from datetime import timedelta

import pytest
import sqlalchemy as sa

from config import load_config
from crm.clock import utcnow
from crm.extensions import db
from crm.imports import services, sources
from crm.imports.sources import ParseCache, Source, SourceError, extract_zip
from crm.models import ImportRun, Person
from tests.conftest import ROOT
from tests.imports.conftest import count, small_congress
from tests.imports.test_import_admin import MEMBERS, start, zipped


def alias_bomb() -> str:
    """Nine levels of nine aliases: 342 bytes that stand for 9**9 (387 million) strings."""
    levels = "abcdefghi"
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for prev, cur in zip(levels, levels[1:], strict=False):
        lines.append(f"{cur}: &{cur} [" + ",".join([f"*{prev}"] * 9) + "]")
    return "\n".join(lines) + "\n"


BOMB_PROBE = """
import json, resource, sys, time, tracemalloc
from pathlib import Path
resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))  # fail, not swap, if it expands
from crm.imports.sources import BadFile, ParseCache, Source
folder = Path(sys.argv[1])
tracemalloc.start()
started = time.perf_counter()
try:
    Source(folder, "upload", cache=ParseCache(folder / "cache")).read(folder / "bomb.yaml")
    outcome = "parsed"
except BadFile as exc:
    outcome = str(exc)
except MemoryError:
    outcome = "MemoryError"
seconds = time.perf_counter() - started
print(json.dumps({"outcome": outcome, "seconds": seconds,
                  "peak": tracemalloc.get_traced_memory()[1],
                  "cache_files": len(list((folder / "cache").glob("*")))}))
"""


def test_a_yaml_alias_bomb_is_refused_in_under_a_second_with_bounded_memory(tmp_path):
    (tmp_path / "bomb.yaml").write_text(alias_bomb())
    assert len(alias_bomb()) < 420
    done = subprocess.run(
        [sys.executable, "-c", BOMB_PROBE, str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    probe = json.loads(done.stdout.strip().splitlines()[-1])
    assert "aliases (*name) are not accepted" in probe["outcome"], probe
    assert "bomb.yaml" in probe["outcome"]
    assert probe["seconds"] < 1.0, probe
    assert probe["peak"] < 5 * 1024 * 1024, probe  # bytes allocated by Python at the peak
    assert probe["cache_files"] == 0


def test_an_uploaded_alias_bomb_fails_the_run_and_leaves_no_cache(app, as_admin, auth, tmp_path):
    cache = tmp_path / "cache"
    app.config["IMPORT_CACHE_DIR"], old = str(cache), app.config["IMPORT_CACHE_DIR"]
    try:
        start(auth, files=[(io.BytesIO(alias_bomb().encode()), "legislators-current.yaml")])
    finally:
        app.config["IMPORT_CACHE_DIR"] = old
    run = db.session.scalars(sa.select(ImportRun)).one()
    assert run.status == "failed"
    assert any("aliases" in e["message"] for e in run.errors)
    assert not list(cache.rglob("*.json"))


def test_ordinary_yaml_with_an_unused_anchor_still_reads(tmp_path):
    (tmp_path / "f.yaml").write_text("- &first {id: 1}\n- {id: 2}\n")
    assert Source(tmp_path, "x").read(tmp_path / "f.yaml") == [{"id": 1}, {"id": 2}]


def zip_of(members: dict[str, int]) -> io.BytesIO:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, size in members.items():
            zf.writestr(name, b"0" * size)
    buf.seek(0)
    return buf


def test_a_zip_member_that_unpacks_past_the_cap_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(sources, "MAX_MEMBER_BYTES", 1 << 20)
    archive = tmp_path / "bomb.zip"
    archive.write_bytes(zip_of({"data/legislators-current.json": 8 << 20}).getvalue())
    assert archive.stat().st_size < 20_000  # 8 MB of zeros compress to a few kilobytes
    with pytest.raises(SourceError, match="legislators-current.json in the archive unpacks to"):
        extract_zip(archive, tmp_path / "out")
    assert sum(p.stat().st_size for p in (tmp_path / "out").rglob("*") if p.is_file()) <= 1 << 20


def test_a_zip_whose_members_together_pass_the_cap_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(sources, "MAX_ARCHIVE_BYTES", 2 << 20)
    archive = tmp_path / "many.zip"
    members = {f"data/file{n}.json": 900_000 for n in range(4)}
    archive.write_bytes(zip_of(members).getvalue())
    with pytest.raises(SourceError, match="The archive unpacks to more than"):
        extract_zip(archive, tmp_path / "out")


def test_a_file_with_too_many_records_is_reported(app, runner, tmp_path, monkeypatch):
    monkeypatch.setattr(sources, "MAX_RECORDS", 1)
    folder = small_congress(tmp_path / "c", MEMBERS)
    result = runner.invoke(args=["crm", "import-congress", str(folder)])
    assert result.exit_code == 1
    assert "legislators-current.yaml" in result.output and "more than 1 records" in result.output
    assert count(Person) == 0


def test_an_empty_cache_setting_turns_the_cache_off(monkeypatch):
    monkeypatch.setenv("CRM_IMPORT_CACHE_DIR", "")
    assert load_config("development").IMPORT_CACHE_DIR == ""
    monkeypatch.setenv("CRM_SECRET_KEY", "x" * 64)
    monkeypatch.setenv("CRM_DATABASE_URL", "postgresql+psycopg://crm@127.0.0.1/crm")
    assert load_config("production").IMPORT_CACHE_DIR == ""
    monkeypatch.delenv("CRM_IMPORT_CACHE_DIR")
    assert load_config("production").IMPORT_CACHE_DIR.endswith("import-cache")


def test_an_import_with_the_cache_off_writes_no_cache(app, runner, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "IMPORT_CACHE_DIR", "")
    monkeypatch.chdir(tmp_path)
    folder = small_congress(tmp_path / "c", MEMBERS)
    before = set(tmp_path.rglob("*"))
    assert runner.invoke(args=["crm", "import-congress", str(folder)]).exit_code == 0
    assert set(tmp_path.rglob("*")) == before


def test_a_failed_run_removes_the_cache_entries_it_wrote(app, runner, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    monkeypatch.setitem(app.config, "IMPORT_CACHE_DIR", str(cache))
    folder = small_congress(tmp_path / "c", MEMBERS)
    (folder / "committee-membership-current.yaml").write_text("SSAF: [unclosed\n")
    result = runner.invoke(args=["crm", "import-congress", str(folder)])
    assert result.exit_code == 1 and "not valid YAML" in result.output
    assert not list(cache.rglob("*.json"))
    (folder / "committee-membership-current.yaml").write_text("{}\n")
    assert runner.invoke(args=["crm", "import-congress", str(folder)]).exit_code == 0
    assert len(list(cache.rglob("*.json"))) == 5  # a good run keeps its entries


def test_the_cache_stays_within_its_size(tmp_path):
    cache = ParseCache(tmp_path / "c", max_bytes=10_000)
    for n in range(20):
        cache.put(cache.key(str(n).encode()), ["x" * 1000])
        time.sleep(0.01)  # distinct modification times: the oldest go first
    sizes = [p.stat().st_size for p in (tmp_path / "c").glob("*.json")]
    assert sum(sizes) <= 10_000 and len(sizes) >= 5
    cache.put(cache.key(b"huge"), ["x" * 6000])  # over half the budget: not kept
    assert not (tmp_path / "c" / f"{cache.key(b'huge')}.json").exists()


# ---- a run whose worker died ----


def test_a_dead_run_is_marked_failed_and_a_new_one_is_allowed(app, as_admin, auth, tmp_path):
    folder = small_congress(tmp_path / "c", MEMBERS)
    now = utcnow()
    dead = services.new_run("congress", "a URL", None, now, dry_run=False, status="running")
    dead.heartbeat_at = now - timedelta(seconds=app.config["IMPORT_LEASE"] + 5)
    alive = services.new_run("openstates", "x", None, now, dry_run=False, status="running")
    db.session.commit()
    page = auth.client.get(f"/admin/imports/{dead.id}/status").text
    assert "shown no sign of life" in page  # said before anything marks it
    response = start(auth, files=[(zipped(folder), "congress.zip")])
    assert response.status_code == 302
    db.session.expire_all()
    assert dead.status == "failed" and dead.finished_at is not None
    assert "worker running this import stopped" in dead.errors[-1]["message"]
    assert alive.status == "running"  # another kind, and its worker is alive
    newest = db.session.scalars(sa.select(ImportRun).order_by(ImportRun.id.desc())).first()
    assert newest.id not in (dead.id, alive.id) and newest.status == "done"
    assert "stopped without finishing" in auth.client.get(f"/admin/imports/{dead.id}").text


def test_a_live_run_still_blocks_its_kind(app, as_admin, auth, tmp_path):
    folder = small_congress(tmp_path / "c", MEMBERS)
    services.new_run("congress", "x", None, utcnow(), dry_run=False, status="running")
    db.session.commit()
    response = start(auth, files=[(zipped(folder), "congress.zip")])
    assert response.status_code == 422 and "still queued or running" in response.text


def test_a_running_import_writes_a_heartbeat(app, monkeypatch):
    monkeypatch.setitem(app.config, "IMPORT_HEARTBEAT_EVERY", 0.05)
    run = services.new_run("congress", "x", None, utcnow(), dry_run=False, status="running")
    db.session.commit()
    first = run.heartbeat_at
    with services.keep_alive(run.id):
        time.sleep(0.4)
    db.session.expire_all()
    assert run.heartbeat_at > first


class Silent:
    """A TCP server that accepts and never answers: an import from it waits."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen()
        self.port = self.sock.getsockname()[1]


def test_a_killed_import_process_is_marked_failed_once_its_lease_ends(app, database_url, tmp_path):
    """The real thing: `crm import-congress` killed with SIGKILL while it downloads."""
    silent = Silent()
    env = {
        **os.environ,
        "CRM_ENV": "testing",
        "CRM_DATABASE_URL": database_url,
        "CRM_IMPORT_URL_ALLOW": "127.0.0.1",
        "CRM_IMPORT_HEARTBEAT_EVERY": "0.2",
        "CRM_IMPORT_DOWNLOAD_TIMEOUT": "60",
    }
    cmd = [sys.executable, "-m", "flask", "--app", "wsgi", "crm", "import-congress"]
    proc = subprocess.Popen(
        [*cmd, f"http://127.0.0.1:{silent.port}/"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        run = None
        while time.monotonic() < deadline and (run is None or run.heartbeat_at == run.started_at):
            time.sleep(0.2)
            db.session.rollback()
            run = db.session.scalars(sa.select(ImportRun)).first()
        assert run is not None and run.status == "running", "the import did not start"
        assert run.heartbeat_at > run.started_at  # it beats while it waits
        app.config["IMPORT_LEASE"], old = 1, app.config["IMPORT_LEASE"]
        try:
            assert services.fail_dead_runs("congress", utcnow()) == []  # still alive
            proc.send_signal(signal.SIGKILL)
            proc.wait(10)
            time.sleep(1.5)
            assert services.fail_dead_runs("congress", utcnow()) == [run.id]
        finally:
            app.config["IMPORT_LEASE"] = old
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
        silent.sock.close()
    db.session.expire_all()
    assert run.status == "failed" and "stopped without finishing" in run.errors[-1]["message"]
