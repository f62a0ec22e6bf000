"""Secrets stay out of logs: tokens in URLs never reach gunicorn's access log or the app's logs,
and SQL errors are logged without their parameters (a private contact's notes) outside tests."""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest
import sqlalchemy as sa

from crm.links.services import make_token
from crm.redaction import redact
from tests.conftest import ROOT
from tests.factories import UserFactory


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 (127.0.0.1)
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


@pytest.fixture
def production_gunicorn(database_url, tmp_path):
    """gunicorn with the repository's gunicorn.conf.py, in production configuration, on the
    test database; yields (base URL, access log path, error log path)."""
    if database_url == "sqlite://":
        pytest.skip("needs a database file the server can share")
    port = free_port()
    access, errors = tmp_path / "access.log", tmp_path / "error.log"
    env = {
        **os.environ,
        "CRM_ENV": "production",
        "CRM_SECRET_KEY": "a" * 64,
        "CRM_DATABASE_URL": database_url,
        "CRM_SESSION_COOKIE_SECURE": "false",
        "CRM_ACCESS_LOG": str(access),
        "CRM_ERROR_LOG": str(errors),
    }
    cmd = [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py"]
    proc = subprocess.Popen(
        [*cmd, "--bind", f"127.0.0.1:{port}", "--workers", "1", "wsgi:app"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if get(base + "/healthz") == 200:
                    break
            except OSError:
                time.sleep(0.2)
        else:
            pytest.fail("gunicorn did not start")
        yield base, access, errors
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


def test_the_access_log_holds_no_token(production_gunicorn, app, db):
    base, access, _ = production_gunicorn
    user = UserFactory()
    calendar = user.calendar_token
    with app.test_request_context():
        done = make_token("done", a=1, u=user.id, v=1)
        unsubscribe = make_token("unsubscribe", u=user.id, l="digest")
    secrets = {
        f"/calendar/{calendar}.ics": 200,
        f"/links/done/{done}": 400,  # signed with another key here: refused, and still logged
        f"/unsubscribe/{unsubscribe}": 400,
        "/invitation/InvitationTokenXYZ.abc.defghijklmnopqrstuv": 400,
        "/login?next=/&token=ResetSecret123": 200,
    }
    for path, status in secrets.items():
        assert get(base + path) == status, path
    time.sleep(0.5)  # gunicorn writes the access log line after the response
    log = access.read_text()
    assert log.count("\n") >= len(secrets)
    for secret in (calendar, done, unsubscribe, "InvitationTokenXYZ", "ResetSecret123"):
        assert secret not in log
    assert "GET /calendar/[redacted].ics" in log and "GET /links/done/[redacted]" in log


def test_sql_errors_are_logged_without_their_parameters(monkeypatch, tmp_path, caplog):
    from crm import create_app
    from crm.extensions import db

    monkeypatch.setenv("CRM_SECRET_KEY", "b" * 64)
    monkeypatch.setenv("CRM_DATABASE_URL", f"sqlite:///{tmp_path / 'prod.sqlite'}")
    app = create_app("production")
    note = "Client disclosed visa overstay in confidence"
    with app.app_context():
        assert db.engine.hide_parameters
        try:
            db.session.execute(sa.text("INSERT INTO interactions (notes) VALUES (:n)"), {"n": note})
        except sa.exc.SQLAlchemyError:
            app.logger.exception("request failed")
        db.engine.dispose()
    assert "request failed" in caplog.text and "INSERT INTO interactions" in caplog.text
    assert note not in caplog.text


@pytest.mark.parametrize("env", ["development", "production"])
def test_every_configuration_but_testing_hides_sql_parameters(monkeypatch, env):
    from config import load_config

    monkeypatch.setenv("CRM_SECRET_KEY", "c" * 64)
    monkeypatch.setenv("CRM_DATABASE_URL", "sqlite://")
    assert load_config(env).SQLALCHEMY_ENGINE_OPTIONS["hide_parameters"] is True


def test_werkzeug_and_app_log_lines_are_redacted(app, caplog):
    caplog.set_level(logging.INFO)
    token = "S3cretCalendarToken_abcdefghijklmnopqrstuvwxyz"
    logging.getLogger("werkzeug").info('127.0.0.1 - - "GET /calendar/%s.ics HTTP/1.1" 200 -', token)
    logging.getLogger("crm.anything").warning("feed %s failed", f"/calendar/{token}.ics")
    assert token not in caplog.text and caplog.text.count("/calendar/[redacted].ics") == 2


@pytest.mark.parametrize(
    "line",
    [
        "GET /calendar/{t}.ics HTTP/1.1",
        "POST /links/snooze/{t} HTTP/1.1",
        "GET /unsubscribe/{t}",
        "GET /invitation/{t}",
        "GET /reset/{t}",
        "GET /auth/reset?token={t}&x=1",
        "Referer: https://crm.example.org/links/done/{t}",
    ],
)
def test_redact_covers_every_kind_of_url_secret(line):
    token = "eyJhIjoxLCJ1IjoyfQ.Z2k3aQ.Wd3kz9QeC1"
    assert token not in redact(line.format(t=token)) and "[redacted]" in redact(
        line.format(t=token)
    )


def test_redact_leaves_ordinary_urls_alone():
    for line in (
        "GET /static/vendor/bootstrap.bundle.min.js HTTP/1.1",
        "GET /people/?state=TX&page=2 HTTP/1.1",
        "GET /admin/imports/12/status HTTP/1.1",
    ):
        assert redact(line) == line


def test_the_gunicorn_logger_class_redacts_every_access_log_field():
    """On its own too: gunicorn's master and any process that never built the app use it."""
    from datetime import timedelta
    from types import SimpleNamespace

    from gunicorn.config import Config

    from crm.redaction import RedactingGunicornLogger

    token = "CalendarSecretToken_abcdefghijklmnopqrstuvwxyz0123"
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": f"/calendar/{token}.ics?token={token}",
        "PATH_INFO": f"/calendar/{token}.ics",
        "QUERY_STRING": f"token={token}",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_REFERER": f"https://crm.example.org/links/done/{token}",
        "REMOTE_ADDR": "127.0.0.1",
    }
    resp = SimpleNamespace(status="200 OK", headers=[("Location", f"/unsubscribe/{token}")], sent=5)
    req = SimpleNamespace(headers=[("REFERER", environ["HTTP_REFERER"])])
    atoms = RedactingGunicornLogger(Config()).atoms(resp, req, environ, timedelta(seconds=1))
    assert not [k for k, v in atoms.items() if isinstance(v, str) and token in v]
    assert atoms["r"] == "GET /calendar/[redacted].ics?token=[redacted] HTTP/1.1"
