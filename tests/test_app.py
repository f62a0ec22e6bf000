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


def test_security_headers_keep_what_a_view_set():
    from flask import Response

    from crm.security import add_headers

    page = add_headers(Response("<p>", mimetype="text/html"))
    assert page.headers["Cache-Control"] == "no-store"
    assert page.headers["Cross-Origin-Opener-Policy"] == "same-origin"
    own = Response("x", mimetype="text/calendar")
    own.headers["Cache-Control"] = "private, max-age=300"
    own.headers["content-security-policy"] = "sandbox"
    own = add_headers(own)
    assert own.headers.getlist("Cache-Control") == ["private, max-age=300"]
    assert own.headers.getlist("Content-Security-Policy") == ["sandbox"]
    assert own.headers["X-Frame-Options"] == "DENY"
    assert "Cache-Control" not in add_headers(Response("{}", mimetype="application/json")).headers


def test_error_pages_are_friendly(client, as_member):
    resp = client.get("/people/999999")
    assert resp.status_code == 404 and "Not found" in resp.get_data(as_text=True)
    assert client.get("/admin/users").status_code == 403


def test_unexpected_errors_render_the_500_page(app, client, as_member, monkeypatch):
    from crm.main import routes

    def boom(user, now):
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
    """The first run: the real directory from the bundled snapshot, then a demo coalition that
    shows every feature; invented people only where the directory has none (staff, agency
    officials), named like people and marked fictional; a second run changes nothing."""
    import re
    from datetime import timedelta

    from crm.clock import local_today, utcnow
    from crm.digests.services import build_digest
    from crm.models import (
        Assignment,
        Campaign,
        Committee,
        CommitteeMembership,
        Interaction,
        Issue,
        Person,
        Position,
        User,
    )

    assert runner.invoke(args=["crm", "import-congress"]).exit_code == 0
    first = runner.invoke(args=["crm", "seed-demo"])
    assert first.exit_code == 0, first.output
    models = (User, Issue, Person, Interaction, Assignment, Campaign, Position)
    counts = {m: db.session.scalar(sa.select(sa.func.count()).select_from(m)) for m in models}
    assert counts[User] == 12 and counts[Issue] == 4 and counts[Interaction] == 307
    # Four of them logged against agencies themselves, nobody there named.
    with_agencies = sa.select(Interaction).where(Interaction.organization_id.is_not(None))
    assert len(db.session.scalars(with_agencies).all()) == 4
    assert not any(i.people for i in db.session.scalars(with_agencies))
    roles = set(db.session.scalars(sa.select(User.role)))
    assert roles == {"admin", "coordinator", "member"}
    assert len(set(db.session.scalars(sa.select(User.home_state)))) >= 6
    from crm.auth.services import hasher
    from crm.demo import DEMO_PASSWORD

    for user in db.session.scalars(sa.select(User)):  # everyone signs in with the password
        assert hasher().verify(user.password_hash, DEMO_PASSWORD)
    # The directory is the real one: all of Congress with committees, no invented legislators.
    legislators = sa.select(sa.func.count()).select_from(Person).where(Person.kind == "legislator")
    assert db.session.scalar(legislators.where(Person.bioguide_id.is_not(None))) == 537
    assert db.session.scalar(legislators.where(Person.source == "demo")) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CommitteeMembership)) > 3000
    invented = db.session.scalars(sa.select(Person).where(Person.source == "demo")).all()
    assert invented and all("Fictional" in (p.notes or "") for p in invented)
    assert {p.kind for p in invented} == {"staff", "official"}
    names = [p.full_name for p in invented]
    assert len(set(names)) == len(names)
    assert not [n for n in names if re.search(r"\d", n)]  # never "Quinn Abernathy-14"
    # Work in every state: overdue, due today, due soon, later, in progress, snoozed, done.
    now = utcnow()
    maria = db.session.scalar(sa.select(User).where(User.email == "member@example.org"))
    today = local_today(now, maria.timezone)
    mine = db.session.scalars(sa.select(Assignment).where(Assignment.assignee_id == maria.id)).all()
    due = {(a.due_on - today).days for a in mine if a.status in ("open", "in_progress")}
    assert min(due) < 0 and 0 in due and 2 in due and max(due) > 7
    assert {"open", "in_progress", "done"} <= {a.status for a in mine}
    assert any(a.snoozed_until and a.snoozed_until > today for a in mine)
    assert db.session.scalar(
        sa.select(sa.func.count()).select_from(Assignment).where(Assignment.source == "cadence")
    )
    # A campaign under way: some work done, some open, targets still to assign.
    campaign = db.session.scalars(sa.select(Campaign)).one()
    statuses = db.session.scalars(
        sa.select(Assignment.status).where(Assignment.campaign_id == campaign.id)
    ).all()
    assert statuses.count("done") == 3 and statuses.count("open") == 9
    from crm.campaigns.services import unassigned_targets

    assert unassigned_targets(campaign, now, campaign.created_by)
    assert db.session.scalar(sa.select(Committee.id).where(Committee.code == "SSJU04"))
    # The whip board moved this week; commitments were kept and not kept.
    week = sa.select(sa.func.count()).select_from(Position)
    assert db.session.scalar(week.where(Position.recorded_at >= now - timedelta(days=7))) >= 6
    assert db.session.scalar(week.where(Position.commitment_status == "kept")) >= 2
    assert db.session.scalar(week.where(Position.commitment_status == "broken")) >= 2
    # Private contacts, and a digest ready to preview.
    private = sa.select(sa.func.count()).select_from(Interaction).where(Interaction.private)
    assert db.session.scalar(private) >= 3
    assert not build_digest(maria, now).empty
    second = runner.invoke(args=["crm", "seed-demo"])
    assert second.exit_code == 0
    for key in ("interactions", "people", "assignments", "campaigns", "positions"):
        assert f"{key}: 0" in second.output, second.output
    assert {
        m: db.session.scalar(sa.select(sa.func.count()).select_from(m)) for m in models
    } == counts
