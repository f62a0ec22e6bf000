"""`.ci/dev`, the README's first command: what it promises a new user, checked in its text (the
whole start-up is measured by hand on a fresh clone; see the README)."""

from __future__ import annotations

from tests.conftest import ROOT

DEV = (ROOT / ".ci" / "dev").read_text()


def test_the_url_is_printed_only_after_the_server_answers():
    poll = DEV.index("/healthz")
    assert DEV.index("is running at") > poll > DEV.index(".venv/bin/gunicorn")


def test_the_directory_comes_from_the_bundled_snapshot_once():
    """No download on start (no failed import on every start offline), only when empty."""
    assert "if [[ $federal == 0 ]]; then" in DEV
    assert "--latest" not in DEV.split("if [[ $federal == 0 ]]")[1].split("fi\nif")[0]
    assert "crm import-congress >/dev/null" in DEV


def test_links_follow_the_port_dev_serves():
    assert "export CRM_BASE_URL=${CRM_BASE_URL:-http://127.0.0.1:$PORT}" in DEV
    assert '"$CRM_BASE_URL" >instance/base-url' in DEV
