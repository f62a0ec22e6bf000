"""The factory, configuration, health checks, error pages, headers, migrations and the demo seed."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from config import ConfigError, ProductionConfig

ROOT = Path(__file__).resolve().parents[1]


def test_production_refuses_to_start_without_secrets(monkeypatch):
    monkeypatch.delenv("CRM_SECRET_KEY", raising=False)
    monkeypatch.delenv("CRM_DATABASE_URL", raising=False)
    with pytest.raises(ConfigError, match="CRM_SECRET_KEY, CRM_DATABASE_URL"):
        ProductionConfig()
    monkeypatch.setenv("CRM_SECRET_KEY", "x" * 40)
    monkeypatch.setenv("CRM_DATABASE_URL", "postgresql+psycopg://crm@127.0.0.1/crm")
    assert ProductionConfig().SESSION_COOKIE_SECURE is True


def test_healthz_and_readyz(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.get_json()["checks"]["database"] == "ok"
    assert ready.get_json()["checks"]["broker"] == "not used: jobs run in the web process"


def test_readyz_reports_an_unreachable_broker(app, client):
    app.config["REDIS_URL"] = "redis://127.0.0.1:1/0"
    try:
        resp = client.get("/readyz")
    finally:
        app.config["REDIS_URL"] = None
    assert resp.status_code == 503 and resp.get_json()["checks"]["broker"].startswith("error")


def test_security_headers_on_pages_and_errors(client, as_member):
    for url in ["/", "/people/", "/does-not-exist", "/healthz", "/admin/users"]:
        resp = client.get(url)
        assert "default-src 'self'" in resp.headers["Content-Security-Policy"], url
        assert resp.headers["X-Content-Type-Options"] == "nosniff"
        assert resp.headers["X-Frame-Options"] == "DENY"
        assert resp.headers["Referrer-Policy"] == "same-origin"


def test_error_pages_are_friendly(client, as_member):
    resp = client.get("/people/999999")
    assert resp.status_code == 404 and "Not found" in resp.get_data(as_text=True)
    assert client.get("/admin/users").status_code == 403


def test_unexpected_errors_render_the_500_page(app, client, as_member, monkeypatch):
    from crm.main import routes

    def boom(user):
        raise RuntimeError("boom")

    monkeypatch.setattr(routes.services, "dashboard_stats", boom)
    resp = client.get("/")
    assert resp.status_code == 500 and "Something went wrong" in resp.get_data(as_text=True)
    assert "boom" not in resp.get_data(as_text=True)


def alembic(database_url: str, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, CRM_ENV="testing", CRM_DATABASE_URL=database_url)
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "db", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_migrations_upgrade_downgrade_and_match_the_models(app, database_url, db):
    """D5: the migration history builds the models' schema, and goes down and up again."""
    from tests.conftest import empty_tables

    with db.engine.begin() as conn:  # start from nothing, as a fresh install would
        db.metadata.drop_all(conn)
        conn.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
    try:
        for step in (["upgrade"], ["check"], ["downgrade", "base"], ["upgrade"], ["check"]):
            result = alembic(database_url, *step)
            assert result.returncode == 0, (step, result.stdout, result.stderr)
        assert "No new upgrade operations detected" in result.stdout + result.stderr
    finally:
        with db.engine.begin() as conn:
            db.metadata.drop_all(conn)
            conn.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
        db.metadata.create_all(db.engine)
        empty_tables(db)


def test_seed_demo_is_believable_and_idempotent(runner, db):
    from crm.models import Interaction, Issue, Person, User

    first = runner.invoke(args=["crm", "seed-demo"])
    assert first.exit_code == 0, first.output
    counts = {
        m: db.session.scalar(sa.select(sa.func.count()).select_from(m))
        for m in (User, Issue, Person, Interaction)
    }
    assert counts[User] == 12 and counts[Issue] == 4 and counts[Interaction] == 300
    roles = set(db.session.scalars(sa.select(User.role)))
    assert roles == {"admin", "coordinator", "member"}
    assert len(set(db.session.scalars(sa.select(User.home_state)))) >= 6
    second = runner.invoke(args=["crm", "seed-demo"])
    assert second.exit_code == 0
    assert "interactions: 0" in second.output and "people: 0" in second.output
    assert {
        m: db.session.scalar(sa.select(sa.func.count()).select_from(m))
        for m in (User, Issue, Person, Interaction)
    } == counts
    invented = db.session.scalars(sa.select(Person).where(Person.source == "demo")).all()
    assert invented and all("Fictional" in (p.notes or "") for p in invented)
