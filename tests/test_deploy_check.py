"""`flask crm deploy-check` flags every unsafe production setting (S7), and `seed-demo` is refused
in production (it would create an admin whose password is published)."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys

import pytest

from crm.deploycheck import check_settings
from tests.conftest import ROOT
from tests.factories import UserFactory

SAFE = {
    "ENV_NAME": "production",
    "DEBUG": False,
    "TESTING": False,
    "SECRET_KEY": secrets.token_hex(32),
    "SESSION_COOKIE_SECURE": True,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "BASE_URL": "https://crm.example.org",
    "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://crm@127.0.0.1/crm",
    "MAIL_BACKEND": "smtp",
    "MAIL_SERVER": "smtp.example.org",
    "MAIL_USE_TLS": True,
    "MAIL_USE_SSL": False,
    "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True, "hide_parameters": True},
    "INBOUND_IMAP_HOST": "imap.example.org",
    "INBOUND_IMAP_SSL": True,
    "INBOUND_IMAP_USER": "log@example.org",
    "INBOUND_IMAP_PASSWORD": "mailbox-password",
}

FLIPS = [
    ("ENV_NAME", "development", "CRM_ENV"),
    ("DEBUG", True, "DEBUG"),
    ("TESTING", True, "TESTING"),
    ("SECRET_KEY", None, "CRM_SECRET_KEY"),
    ("SECRET_KEY", "short-key", "CRM_SECRET_KEY"),
    ("SECRET_KEY", "test-secret-key-not-for-production", "CRM_SECRET_KEY"),
    ("SECRET_KEY", "a" * 64, "CRM_SECRET_KEY"),
    ("SESSION_COOKIE_SECURE", False, "CRM_SESSION_COOKIE_SECURE"),
    ("SESSION_COOKIE_HTTPONLY", False, "SESSION_COOKIE_HTTPONLY"),
    ("SESSION_COOKIE_SAMESITE", None, "SESSION_COOKIE_SAMESITE"),
    ("BASE_URL", "http://crm.example.org", "CRM_BASE_URL"),
    ("SQLALCHEMY_DATABASE_URI", "sqlite:///instance/crm.sqlite", "CRM_DATABASE_URL"),
    ("MAIL_BACKEND", "mailbox", "CRM_MAIL_BACKEND"),
    ("MAIL_USE_TLS", False, "CRM_MAIL_USE_TLS"),
    ("SQLALCHEMY_ENGINE_OPTIONS", {"pool_pre_ping": True}, "SQLALCHEMY_ENGINE_OPTIONS"),
    ("INBOUND_IMAP_SSL", False, "CRM_INBOUND_IMAP_SSL"),
    ("INBOUND_IMAP_PASSWORD", None, "CRM_INBOUND_IMAP_USER"),
]


def test_a_safe_production_configuration_has_no_findings():
    assert check_settings(SAFE) == []


@pytest.mark.parametrize(("key", "value", "setting"), FLIPS)
def test_each_unsafe_setting_is_detected(key, value, setting):
    findings = check_settings({**SAFE, key: value})
    assert [f.setting for f in findings] == [setting]
    assert findings[0].problem and findings[0].fix


def test_demo_accounts_are_detected():
    findings = check_settings(SAFE, ["admin@example.org"])
    assert [f.setting for f in findings] == ["demo accounts"]
    assert "admin@example.org" in findings[0].problem


def test_the_command_lists_findings_as_json_and_exits_1(runner, db):
    UserFactory(email="coordinator@example.org", role="coordinator")  # a seed-demo address
    result = runner.invoke(args=["crm", "deploy-check", "--json"])
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    settings = {f["setting"] for f in report["findings"]}
    assert report["ok"] is False and report["environment"] == "testing"
    assert {"CRM_ENV", "CRM_SECRET_KEY", "CRM_BASE_URL", "demo accounts"} <= settings
    plain = runner.invoke(args=["crm", "deploy-check"])
    assert plain.exit_code == 1 and "coordinator@example.org" in plain.output


def production_env(tmp_path, **extra) -> dict:
    return {
        **os.environ,
        "CRM_ENV": "production",
        "CRM_SECRET_KEY": secrets.token_hex(32),
        "CRM_DATABASE_URL": f"sqlite:///{tmp_path / 'prod.sqlite'}",
        **extra,
    }


def flask(*args, env) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_seed_demo_is_refused_in_production(tmp_path):
    env = production_env(tmp_path)
    assert flask("db", "upgrade", env=env).returncode == 0
    done = flask("crm", "seed-demo", env=env)
    assert done.returncode == 1
    assert "seed-demo is refused in production" in done.stderr
    assert "Traceback" not in done.stderr
    check = flask("crm", "deploy-check", "--json", env=env)
    report = json.loads(check.stdout)
    assert "demo accounts" not in {f["setting"] for f in report["findings"]}  # none created
    assert report["environment"] == "production"
