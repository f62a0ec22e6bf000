"""The search box in a real browser: "/" focuses it, arrow keys move through its suggestions,
Enter opens one; Enter with none chosen (or no script at all) opens the results page; the results
page at 375 and 1280 px (screenshots), keyboard navigable, with no axe violations."""

from __future__ import annotations

import os

import pytest

from tests.factories import InteractionFactory, OrganizationFactory, PersonFactory
from tests.test_browser import sign_in

pytestmark = pytest.mark.browser
AXE = os.environ.get("AXE_JS")


def seed_directory():
    marsh = PersonFactory(first_name="Elena", last_name="Marsh", chamber="upper", state="TX")
    PersonFactory(first_name="Elena", last_name="Marsh-Oduya", kind="staff", chamber=None)
    PersonFactory(first_name="Mark", last_name="Marshall", chamber="lower", district="4")
    PersonFactory(first_name="Tomás", last_name="Villarreal", chamber="lower", district="28")
    OrganizationFactory(name="Marshall County Health Department")
    InteractionFactory(subject="Marsh office: Conrad 30 numbers", notes="Rural clinics asked.")
    return marsh


def test_slash_focuses_the_box_and_the_keyboard_opens_a_suggestion(page, live_server, member):
    marsh = seed_directory()
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, live_server, member.email)
    box = page.locator("#nav-search")
    # "/" typed in a field is just a character; elsewhere it jumps to the box.
    page.goto(f"{live_server}/people/")
    page.locator("#q").focus()
    page.keyboard.type("/")
    assert page.locator("#q").input_value() == "/"
    assert not box.evaluate("el => el === document.activeElement")
    page.locator("main h1").first.click()
    page.keyboard.press("/")
    assert box.evaluate("el => el === document.activeElement")
    page.keyboard.type("sen marsh")
    listbox = page.get_by_role("listbox", name="Search suggestions")
    listbox.get_by_role("option", name="Elena Marsh").wait_for()
    assert box.get_attribute("aria-expanded") == "true"
    page.keyboard.press("ArrowDown")
    first = listbox.get_by_role("option").first
    assert first.get_attribute("aria-selected") == "true"
    assert box.get_attribute("aria-activedescendant") == first.get_attribute("id")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server}/people/{marsh.id}")


def test_enter_with_nothing_chosen_opens_the_grouped_results(page, live_server, member):
    seed_directory()
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, live_server, member.email)
    page.locator("#nav-search").fill("marsh")
    page.get_by_role("listbox", name="Search suggestions").get_by_role("option").first.wait_for()
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server}/search?q=marsh")
    main = page.locator("main")
    assert main.get_by_role("heading", name="People 3").is_visible()
    assert main.get_by_role("heading", name="Contacts 1").is_visible()
    # Arrow keys walk the results' links from the page's own box.
    page.locator("#search-page-q").focus()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    focused = page.evaluate("document.activeElement.textContent")
    assert focused == "Elena Marsh-Oduya"
    page.keyboard.press("ArrowUp")
    assert page.evaluate("document.activeElement.textContent") == "Elena Marsh"


def test_the_box_works_without_scripts(browser, live_server, member):
    seed_directory()
    context = browser.new_context(
        java_script_enabled=False, viewport={"width": 1280, "height": 900}
    )
    page = context.new_page()
    sign_in(page, live_server, member.email)
    page.locator("#nav-search").fill("villareal")
    page.locator("#nav-search").press("Enter")
    page.wait_for_url(f"{live_server}/search?q=villareal")
    assert "close spellings" in page.inner_text("main")
    assert page.get_by_role("link", name="Tomás Villarreal").is_visible()
    context.close()


@pytest.mark.skipif(not AXE, reason="axe-core not installed (npm ci)")
def test_results_page_at_phone_and_desktop_widths(browser, live_server, member, screenshot_dir):
    seed_directory()
    page = browser.new_context(bypass_csp=True).new_page()
    sign_in(page, live_server, member.email)
    problems = {}
    for width, name in ((375, "phone"), (1280, "desktop")):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(f"{live_server}/search?q=marsh")
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        if width == 1280:  # the nav (with its box) stays on one line
            height = page.evaluate("document.querySelector('nav.navbar').offsetHeight")
            assert height < 70, height
        page.screenshot(path=str(screenshot_dir / f"search-results-{name}.png"), full_page=True)
        page.add_script_tag(path=AXE)
        violations = page.evaluate("async () => (await axe.run()).violations")
        if violations:
            problems[width] = [(v["id"], [n["target"] for n in v["nodes"]][:3]) for v in violations]
    assert problems == {}
    # The suggestions open over the page at the phone width too (in the menu).
    page.set_viewport_size({"width": 375, "height": 812})
    page.get_by_role("button", name="Open the menu").click()
    page.locator("#nav-search").fill("marsh")
    page.get_by_role("listbox", name="Search suggestions").get_by_role("option").first.wait_for()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.screenshot(path=str(screenshot_dir / "search-suggestions-phone.png"))
