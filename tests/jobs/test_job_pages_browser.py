"""The pages this feature adds, in headless Chromium: usable at 375 px, no axe-core violations.

The digest preview, a one-click link page, the unsubscribe page and the admin status page.
Skips locally when Chromium or axe-core is missing; under CI=true a missing one fails.
"""

from __future__ import annotations

import os
import threading
from datetime import timedelta
from pathlib import Path

import pytest

from crm.clock import utcnow
from crm.links.services import link_url, unsubscribe_url
from tests.conftest import ROOT
from tests.factories import PASSWORD, UserFactory
from tests.jobs.conftest import make_assignment, service_missing

pytestmark = pytest.mark.browser

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
AXE = Path(os.environ.get("AXE_JS", ROOT / "node_modules/axe-core/axe.min.js"))


@pytest.fixture
def browser_page(app, request):
    if not Path(CHROMIUM).exists():
        service_missing(f"Chromium is not installed at {CHROMIUM}")
    if not AXE.exists():
        service_missing(f"axe-core is not at {AXE} (npm ci)")
    from werkzeug.serving import make_server

    # pytest-playwright's browser (one per worker): a second sync_playwright() in the same
    # process would refuse to start inside the first one's event loop.
    browser = request.getfixturevalue("browser")
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    # bypass_csp only lets the test inject axe-core; the app's own pages run under the CSP.
    context = browser.new_context(viewport={"width": 375, "height": 800}, bypass_csp=True)
    page = context.new_page()
    page.base = f"http://127.0.0.1:{server.server_port}"
    yield page
    context.close()
    server.shutdown()
    thread.join(5)


def check(page, path: str) -> None:
    """No axe violations, and nothing wider than a 375 px phone screen."""
    page.goto(page.base + path)
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    violations = [(v["id"], [n["target"] for n in v["nodes"]][:3]) for v in result["violations"]]
    assert violations == [], f"{path}: {violations}"
    overflow = page.evaluate("document.documentElement.scrollWidth")
    widest = page.evaluate("""() => [...document.querySelectorAll('body *')]
        .filter(e => e.getBoundingClientRect().right > 376)
        .map(e => e.tagName + '.' + e.className).slice(0, 5)""")
    assert overflow <= 375, f"{path} is {overflow} px wide: {widest}"


def test_pages_are_accessible_on_a_phone(app, db, browser_page):
    admin = UserFactory(email="ada@example.org", name="Ada Admin", role="admin")
    a = make_assignment(
        admin,
        due_on=utcnow().date() + timedelta(days=2),
        title="Ask Senator Lee's health LA about Conrad 30 cosponsorship",
    )
    make_assignment(admin, due_on=utcnow().date() - timedelta(days=3), title="Thank-you note")
    base = app.config["BASE_URL"]
    done = link_url("done", a=a.id, v=a.version, u=admin.id).replace(base, "")
    unsubscribe = unsubscribe_url(admin, "digest").replace(base, "")
    page = browser_page

    check(page, done)
    check(page, unsubscribe)
    page.goto(page.base + "/login")
    page.fill("input[name=email]", admin.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(page.base + "/")
    check(page, "/digest/preview")
    assert "Ask Senator Lee" in page.inner_text("article.digest")
    check(page, "/digest/preview?format=text")
    from crm.email import queue_email

    for status in ("failed", "unknown"):
        row = queue_email(
            to_email=f"{status}@example.org",
            kind="test",
            subject_key="t",
            occurrence=status,
            template="test",
            subject=f"A {status} message",
            context={"message": "", "sent_at": ""},
        )
        row.status, row.last_error = status, "550 5.1.1 no such mailbox"
    db.session.commit()
    check(page, "/admin/status")
    assert "failed@example.org" in page.inner_text("main")
