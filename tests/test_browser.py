"""In a real browser: sign in, log a contact from a phone, read the directory; axe checks."""

import os
from datetime import timedelta

import pytest

from crm.clock import utcnow
from crm.interactions.services import InteractionData, log_interaction
from tests.factories import PASSWORD, PersonFactory

pytestmark = pytest.mark.browser
PHONE = {"width": 375, "height": 812}


def sign_in(page, base, email):
    page.goto(f"{base}/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/")


def test_log_a_contact_on_a_phone(page, live_server, member, coordinator, screenshot_dir):
    senator = PersonFactory(
        first_name="Maria", last_name="Cantwell", state="WA", party="Democratic"
    )
    log_interaction(
        coordinator,
        InteractionData(people=[senator.id], occurred_at=utcnow() - timedelta(days=9)),
        utcnow(),
    )
    page.set_viewport_size(PHONE)
    sign_in(page, live_server, member.email)
    page.get_by_role("link", name="Log", exact=True).click()
    page.get_by_label("Who did you contact?").fill("cantw")
    page.get_by_role("option", name="Maria Cantwell").click()
    hint = page.locator(".last-contact")
    hint.wait_for()
    assert "9 days ago" in hint.inner_text() and coordinator.name in hint.inner_text()
    page.get_by_label("Subject").fill("Conrad 30 reauthorization")
    page.screenshot(path=str(screenshot_dir / "quick-log-phone.png"), full_page=True)
    page.get_by_role("button", name="Log contact").click()
    page.wait_for_selector("text=Logged your meeting with Maria Cantwell")
    page.goto(f"{live_server}/people/{senator.id}")
    assert "Conrad 30 reauthorization" in page.inner_text("main")
    page.goto(f"{live_server}/")
    assert "Conrad 30 reauthorization" in page.inner_text("main")
    # Nothing on the page is wider than the phone.
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"]


def test_directory_filters_in_the_browser(page, live_server, member, screenshot_dir):
    for n, (state, party) in enumerate(
        [("TX", "Republican"), ("TX", "Democratic"), ("FL", "Republican")] * 4
    ):
        PersonFactory(first_name=f"Person{n}", last_name=f"Example{n}", state=state, party=party)
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, live_server, member.email)
    page.goto(f"{live_server}/people/")
    page.get_by_label("State").fill("TX")
    page.get_by_label("Party").select_option("Democratic")
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url("**state=TX**")
    assert "4 people" in page.inner_text("main")
    page.screenshot(path=str(screenshot_dir / "directory-desktop.png"), full_page=True)
    page.set_viewport_size(PHONE)
    page.screenshot(path=str(screenshot_dir / "directory-phone.png"), full_page=True)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"]


AXE = os.environ.get("AXE_JS")


@pytest.mark.skipif(not AXE, reason="axe-core not installed (npm ci)")
def test_pages_have_no_accessibility_violations(browser, live_server, admin):
    # axe is injected as a script: this context alone lets it past the page's CSP.
    page = browser.new_context(bypass_csp=True).new_page()
    person = PersonFactory(first_name="Axe", last_name="Checked")
    pages = [
        "/",
        "/people/",
        f"/people/{person.id}",
        "/log",
        "/people/new",
        "/admin/users",
        "/admin/mailbox",
        "/settings/",
    ]
    page.goto(f"{live_server}/login")
    page.add_script_tag(path=AXE)
    found = {"/login": page.evaluate("async () => (await axe.run()).violations")}
    sign_in(page, live_server, admin.email)
    for path in pages:
        for width in (375, 1280):
            page.set_viewport_size({"width": width, "height": 900})
            page.goto(live_server + path)
            page.add_script_tag(path=AXE)
            found[f"{path}@{width}"] = page.evaluate("async () => (await axe.run()).violations")
    problems = {
        where: [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3]) for v in violations]
        for where, violations in found.items()
        if violations
    }
    assert not problems, problems
