"""Helpers for the importer tests: where the real snapshots are, small derived snapshots,
and a module-scoped import that several read-only tests share."""

from __future__ import annotations

import functools
import json
import os
import shutil
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
import yaml
from celery import Celery

from tests.conftest import ROOT, empty_tables
from tests.helpers import own_redis_url

REDIS_URL = own_redis_url()  # this xdist worker's own database
NOW = datetime(2026, 8, 10, 14, 0, tzinfo=UTC)
AS_OF = date(2026, 6, 15)  # the congress-legislators snapshot's date
# Tables a module-scoped import fills and its read-only tests share (see the keep_tables marker).
DIRECTORY_TABLES = (
    "people",
    "offices",
    "organizations",
    "committees",
    "committee_memberships",
    "import_runs",
)


def shared_data() -> Path:
    """<repo root>/../shared/data, or CRM_SHARED_DATA."""
    path = Path(os.environ.get("CRM_SHARED_DATA") or ROOT.parent / "shared" / "data")
    if not (path / "congress-legislators").is_dir():
        pytest.fail(f"the public data snapshots are not at {path} (set CRM_SHARED_DATA)")
    return path


CONGRESS_FILES = (
    "legislators-current",
    "legislators-social-media",
    "legislators-district-offices",
    "committees-current",
    "committee-membership-current",
)


@functools.cache
def load_congress() -> dict[str, object]:
    """The real congress-legislators data, parsed once per test run: copy before changing it."""
    folder = shared_data() / "congress-legislators"
    return {
        stem: yaml.load((folder / f"{stem}.yaml").read_text(), Loader=yaml.CSafeLoader)
        for stem in CONGRESS_FILES
    }


def write_congress(data: dict, folder: Path, fmt: str = "json") -> Path:
    """Write congress-legislators data (as load_congress returns it) as JSON or YAML files."""
    folder.mkdir(parents=True, exist_ok=True)
    for stem, value in data.items():
        if fmt == "json":
            (folder / f"{stem}.json").write_text(json.dumps(value, default=str))
        else:
            (folder / f"{stem}.yaml").write_text(
                yaml.dump(value, Dumper=yaml.CSafeDumper, allow_unicode=True)
            )
    return folder


def small_congress(
    folder: Path, bioguides: tuple[str, ...], fmt: str = "yaml", data: dict | None = None
) -> Path:
    """A snapshot with only these members, the committees they sit on, and their memberships."""
    data = data or load_congress()
    keep = set(bioguides)
    people = [p for p in data["legislators-current"] if p["id"]["bioguide"] in keep]
    membership = {
        code: [m for m in members if m["bioguide"] in keep]
        for code, members in data["committee-membership-current"].items()
    }
    membership = {code: members for code, members in membership.items() if members}
    parents = {code[:4] for code in membership}
    committees = []
    for c in data["committees-current"]:
        if c["thomas_id"] in parents:
            subs = [
                s
                for s in c.get("subcommittees", [])
                if c["thomas_id"] + s["thomas_id"] in membership
            ]
            committees.append({**c, "subcommittees": subs})
    membership = {
        code: members
        for code, members in membership.items()
        if code in {c["thomas_id"] for c in committees}
        or code[:4] in {c["thomas_id"] for c in committees}
    }
    small = {
        "legislators-current": people,
        "legislators-social-media": [
            s for s in data["legislators-social-media"] if s["id"]["bioguide"] in keep
        ],
        "legislators-district-offices": [
            o for o in data["legislators-district-offices"] if o["id"]["bioguide"] in keep
        ],
        "committees-current": committees,
        "committee-membership-current": membership,
    }
    return write_congress(small, folder, fmt)


def small_openstates(tmp_path: Path, state: str = "tn", people: int = 4) -> Path:
    """The first few legislators of a state and one committee of theirs."""
    src = shared_data() / "openstates" / "data" / state
    root = tmp_path / "openstates" / "data" / state
    (root / "legislature").mkdir(parents=True)
    (root / "committees").mkdir()
    chosen = sorted((src / "legislature").glob("*.yml"))[:people]
    ids = set()
    for path in chosen:
        shutil.copy(path, root / "legislature" / path.name)
        ids.add(yaml.load(path.read_text(), Loader=yaml.CSafeLoader)["id"])
    for path in sorted((src / "committees").glob("*.yml")):
        data = yaml.load(path.read_text(), Loader=yaml.CSafeLoader)
        members = [m for m in data["members"] if m["person_id"] in ids]
        if members:
            data["members"] = members
            (root / "committees" / path.name).write_text(
                yaml.dump(data, Dumper=yaml.CSafeDumper, allow_unicode=True)
            )
            break
    return tmp_path / "openstates"


def count(model, *where) -> int:
    from crm.extensions import db

    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def person(bioguide: str | None = None, openstates: str | None = None):
    from crm.extensions import db
    from crm.models import Person

    column = Person.bioguide_id if bioguide else Person.openstates_id
    return db.session.scalar(sa.select(Person).where(column == (bioguide or openstates)))


def committee(
    code: str | None = None,
    name: str | None = None,
    state: str | None = None,
    chamber: str | None = None,
):
    from crm.extensions import db
    from crm.models import Committee

    stmt = sa.select(Committee)
    if code:
        stmt = stmt.where(Committee.code == code)
    else:
        stmt = stmt.where(
            Committee.name == name, Committee.jurisdiction == state, Committee.chamber == chamber
        )
    return db.session.scalar(stmt)


@pytest.fixture(scope="session", autouse=True)
def parse_cache(app, tmp_path_factory):
    """The YAML parse cache on, in a temporary folder: the snapshots are parsed once per run."""
    old = app.config.get("IMPORT_CACHE_DIR")
    app.config["IMPORT_CACHE_DIR"] = str(tmp_path_factory.mktemp("import-cache"))
    yield
    app.config["IMPORT_CACHE_DIR"] = old


def module_import(app, steps):
    """Run `steps()` (imports and other set-up) once for a module on an empty database; the
    module marks DIRECTORY_TABLES keep_tables and must only read them. Cleans up after."""
    from crm.extensions import db

    with app.app_context():
        empty_tables(db)
        try:
            result = steps()
        finally:
            db.session.remove()
    yield result
    with app.app_context():
        empty_tables(db)


def snapshot_counts() -> dict[str, int]:
    """Rows per directory table, and the import audit rows: proof that nothing was written."""
    from crm.models import (
        AuditEntry,
        Committee,
        CommitteeMembership,
        Office,
        Organization,
        Person,
    )

    return {
        "people": count(Person),
        "offices": count(Office),
        "organizations": count(Organization),
        "committees": count(Committee),
        "memberships": count(CommitteeMembership),
        "audit": count(AuditEntry, AuditEntry.action.like("import_%")),
    }


@pytest.fixture
def celery_mode(app, monkeypatch, import_queue):
    """JOBS_MODE=celery with a broker of the test's choosing, on a queue of this test's own:
    other workers of the same test run on the same Redis neither take nor answer for it."""

    def use(broker_url: str) -> Celery:
        celery = Celery("crm-test", broker=broker_url)
        celery.conf.broker_connection_retry_on_startup = False
        celery.conf.task_default_queue = import_queue
        monkeypatch.setitem(app.config, "JOBS_MODE", "celery")
        monkeypatch.setitem(app.extensions, "celery", celery)
        return celery

    return use


@pytest.fixture
def import_queue(request) -> str:
    return f"imports-test-{os.getpid()}-{request.node.name}"[:120]


@pytest.fixture
def redis_url(import_queue):
    """The tests' Redis database; only this test's queue keys are removed afterwards."""
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        if os.environ.get("CI") == "true":
            pytest.fail(f"Redis is not reachable at {REDIS_URL}")
        pytest.skip(f"Redis is not reachable at {REDIS_URL}")
    yield REDIS_URL
    for key in client.scan_iter(match=f"*{import_queue}*"):
        client.delete(key)
