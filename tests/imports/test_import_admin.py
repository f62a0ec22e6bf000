"""The admin page: start an import from an upload or a URL, follow its progress, read the
history, and be told when no worker is running instead of waiting for nothing."""

from __future__ import annotations

import io
import socket
import time
import zipfile

import pytest
import sqlalchemy as sa

from crm.extensions import db
from crm.imports import services
from crm.models import AuditEntry, ImportFile, ImportRun, Person
from tests.imports.conftest import count, small_congress, small_openstates, snapshot_counts

MEMBERS = ("C000127", "K000367")


def zipped(folder, prefix="congress-legislators") -> io.BytesIO:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                zf.write(path, f"{prefix}/{path.relative_to(folder).as_posix()}")
    buf.seek(0)
    return buf


def start(auth, **data):
    data.setdefault("kind", "congress")
    return auth.post("/admin/imports/", data=data, content_type="multipart/form-data")


@pytest.mark.parametrize("role", ["member", "coordinator"])
def test_only_admins_can_import(role, auth, client, request):
    user = request.getfixturevalue(role)
    auth.login(user.email)
    assert client.get("/admin/imports/").status_code == 403
    assert client.get("/admin/imports/worker").status_code == 403
    assert start(auth).status_code == 403
    assert count(ImportRun) == 0


def test_upload_a_zip_and_read_the_result(as_admin, auth, client, tmp_path):
    folder = small_congress(tmp_path / "c", MEMBERS)
    response = start(auth, files=[(zipped(folder), "congress.zip")])
    assert response.status_code == 302
    run = db.session.scalars(sa.select(ImportRun)).one()
    assert response.headers["Location"].endswith(f"/admin/imports/{run.id}")
    assert (run.status, run.started_by_id, run.progress) == ("done", as_admin.id, 100)
    assert count(ImportFile) == 0  # the upload is dropped once the run is over
    assert count(Person) == 2
    page = client.get(f"/admin/imports/{run.id}").get_data(as_text=True)
    assert "Done" in page and "What changed" in page and "Maria Cantwell" in page
    assert "hx-trigger" not in page  # finished: no polling
    history = client.get("/admin/imports/").get_data(as_text=True)
    assert "upload: congress.zip" in history and as_admin.name in history
    start_row = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "import_start")
    ).one()
    assert start_row.actor_id == as_admin.id and start_row.entity_id == run.id


def test_upload_separate_files(as_admin, auth, tmp_path):
    folder = small_congress(tmp_path / "c", MEMBERS, fmt="json")
    files = [(io.BytesIO(p.read_bytes()), p.name) for p in sorted(folder.iterdir())]
    assert start(auth, files=files).status_code == 302
    assert count(Person) == 2


def test_open_states_upload_with_states(as_admin, auth, tmp_path):
    folder = small_openstates(tmp_path)  # holds data/tn/...
    archive = zipped(folder / "data", prefix="data")
    response = start(auth, kind="openstates", files=[(archive, "openstates.zip")], states="tn")
    assert response.status_code == 302
    run = db.session.scalars(sa.select(ImportRun)).one()
    assert run.status == "done" and run.options["states"] == ["TN"]
    assert count(Person, Person.state == "TN") == 4


def test_bad_upload_is_reported_and_nothing_imported(as_admin, auth, client, tmp_path):
    folder = small_congress(tmp_path / "c", MEMBERS)
    (folder / "legislators-current.yaml").write_text(
        (folder / "legislators-current.yaml").read_text().replace("state: WA", "state: XX")
    )
    response = start(auth, files=[(zipped(folder), "congress.zip")])
    run = db.session.scalars(sa.select(ImportRun)).one()
    assert run.status == "failed"
    page = client.get(response.headers["Location"])
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "nothing was imported" in html
    assert "legislators-current.yaml" in html and "C000127" in html and "unknown state code" in html
    assert snapshot_counts()["people"] == 0


def test_form_errors(as_admin, auth):
    response = start(auth, kind="openstates")
    assert response.status_code == 422
    assert "Upload a .zip of the Open States data folder" in response.get_data(as_text=True)
    response = start(auth, kind="openstates", url="https://example.org/os.zip", states="TX ZZ")
    assert response.status_code == 422 and "Unknown state code ZZ" in response.get_data(
        as_text=True
    )
    response = start(auth, files=[(io.BytesIO(b"MZ"), "tool.exe")])
    assert response.status_code == 422 and "tool.exe" in response.get_data(as_text=True)
    assert count(ImportRun) == 0


def test_preview_writes_nothing_but_its_report(as_admin, auth, client, tmp_path):
    folder = small_congress(tmp_path / "c", MEMBERS)
    response = start(auth, files=[(zipped(folder), "congress.zip")], dry_run="y")
    run = db.session.scalars(sa.select(ImportRun)).one()
    assert run.dry_run and run.status == "done" and run.counts["people"]["created"] == 2
    assert snapshot_counts()["people"] == 0
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "preview" in html and "What it would change" in html


# ---- without a worker ----


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_broker_down_is_said_at_once(as_admin, client, celery_mode):
    celery_mode(f"redis://127.0.0.1:{closed_port()}/0")
    started = time.monotonic()
    html = client.get("/admin/imports/worker").get_data(as_text=True)
    assert "cannot be reached" in html
    assert time.monotonic() - started < 10  # bounded, never hanging


def test_no_worker_running_is_said_and_the_run_waits(
    as_admin, auth, client, celery_mode, redis_url, tmp_path
):
    celery_mode(redis_url)
    assert "No worker is running" in client.get("/admin/imports/worker").get_data(as_text=True)
    folder = small_congress(tmp_path / "c", MEMBERS)
    response = start(auth, files=[(zipped(folder), "congress.zip")])
    run = db.session.scalars(sa.select(ImportRun)).one()
    assert run.status == "queued" and count(ImportFile) == 1
    status = client.get(f"/admin/imports/{run.id}/status", headers={"HX-Request": "true"})
    html = status.get_data(as_text=True)
    assert "No worker is running" in html and "Send it to the queue again" in html
    assert 'hx-trigger="every 2s"' in html
    assert client.get(response.headers["Location"]).status_code == 200
    # What a worker does with it: claim, run, record; a second delivery is a no-op.
    services.execute_run(run.id)
    services.execute_run(run.id)
    db.session.expire_all()
    assert run.status == "done" and count(Person) == 2 and count(ImportFile) == 0
    finished = client.get(f"/admin/imports/{run.id}/status", headers={"HX-Request": "true"})
    assert finished.headers.get("HX-Refresh") == "true"


def test_a_run_whose_worker_died_can_be_claimed_again(app, tmp_path):
    from datetime import timedelta

    from crm.clock import utcnow

    folder = small_congress(tmp_path / "c", MEMBERS)
    run = services.new_run("congress", str(folder), None, utcnow(), dry_run=False)
    run.options = {"url": None}
    db.session.commit()
    assert services.claim(run.id, utcnow())
    assert not services.claim(run.id, utcnow())  # running: not twice
    assert services.claim(run.id, utcnow() + services.STALE_AFTER + timedelta(minutes=1))


def test_an_oversized_upload_is_refused(as_admin, auth, monkeypatch):
    monkeypatch.setattr(services, "MAX_UPLOAD_BYTES", 1000)
    response = start(auth, files=[(io.BytesIO(b"x" * 5000), "big.yaml")])
    assert response.status_code == 422
    assert "Uploads are limited to" in response.get_data(as_text=True)
    assert count(ImportRun) == 0


def test_a_broken_archive_fails_with_a_message(as_admin, auth, client):
    response = start(auth, files=[(io.BytesIO(b"not a zip at all"), "congress.zip")])
    run = db.session.scalars(sa.select(ImportRun)).one()
    assert run.status == "failed"
    assert run.errors[-1]["message"] == (
        "upload: congress.zip is neither a folder nor a .zip archive."
    )
    assert client.get(response.headers["Location"]).status_code == 200
