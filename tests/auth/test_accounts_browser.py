"""On the app served by gunicorn, in a real browser, the account flows a person clicks through:
reset a forgotten password from the emailed link (or one an admin sent), change it in settings,
set up and use two-factor sign-in, new recovery codes, turning it off, signing out everywhere
else, a session that ends after being left idle, accepting an invitation."""

from __future__ import annotations

import os
import re
import time
from datetime import timedelta

import pyotp
import pytest
import sqlalchemy as sa

from crm.clock import utcnow
from crm.models import DevMail, UserSession
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 812}


def sign_in(page, base, email, password=PASSWORD, expect="/"):
    page.goto(f"{base}/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}{expect}")


@pytest.fixture
def live(served_app) -> str:
    """The served app's base URL (emails link to it too)."""
    return served_app.base


def latest_link(db, email: str, marker: str) -> str:
    db.session.commit()  # a fresh transaction sees what the served app wrote
    mail = db.session.scalars(
        sa.select(DevMail).where(DevMail.to_email == email).order_by(DevMail.id.desc())
    ).first()
    assert mail is not None, "no email arrived"
    return next(line for line in mail.text_body.splitlines() if marker in line).strip()


def test_reset_a_forgotten_password_from_the_email(page, db, live, member, screenshot_dir):
    page.set_viewport_size(PHONE)
    page.goto(f"{live}/login")
    page.get_by_role("link", name="Forgot your password?").click()
    page.get_by_label("Email").fill(member.email)
    page.get_by_role("button", name="Email me a link").click()
    page.wait_for_selector("text=Check your email")
    link = latest_link(db, member.email, "/password/reset/")
    assert link.startswith(f"{live}/password/reset/")
    page.goto(link)
    page.get_by_label(re.compile(r"^New password")).fill("a fresh reset passphrase")
    page.get_by_label("Repeat the new password").fill("a fresh reset passphrase")
    page.screenshot(path=str(screenshot_dir / "accounts-reset-phone.png"), full_page=True)
    page.get_by_role("button", name="Save my new password").click()
    page.wait_for_selector("text=Your password was changed. Sign in with it.")
    assert page.get_by_label("Email").input_value() == member.email  # filled in for me
    page.get_by_label("Password").fill("a fresh reset passphrase")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live}/")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.goto(link)  # the link worked once
    assert "already used" in page.inner_text("main")


def test_change_my_password_signs_out_my_other_browser(browser, live, member):
    here = browser.new_context(viewport=DESKTOP).new_page()
    there = browser.new_context(viewport=DESKTOP).new_page()
    sign_in(there, live, member.email)
    sign_in(here, live, member.email)
    here.goto(f"{live}/settings/")
    here.get_by_role("link", name="Password", exact=True).click()
    here.get_by_label("Current password").fill(PASSWORD)
    here.get_by_label(re.compile(r"^New password")).fill("another long passphrase")
    here.get_by_label("Repeat the new password").fill("another long passphrase")
    here.get_by_role("button", name="Change my password").click()
    here.wait_for_selector("text=Your password was changed. 1 other session ended.")
    assert here.get_by_text("This device", exact=True).is_visible()
    there.goto(f"{live}/people/")
    assert there.url.startswith(f"{live}/login")
    here.goto(f"{live}/people/")
    assert here.url == f"{live}/people/"  # still signed in where I changed it


def turn_on_two_factor(page, live, screenshot_dir=None) -> tuple[str, list[str]]:
    """Set up two-factor sign-in from settings, signed in; its secret and recovery codes."""
    page.goto(f"{live}/settings/")
    page.get_by_role("link", name="Two-factor sign-in").click()
    qr = page.get_by_role("img", name=re.compile("QR code"))
    qr.wait_for()  # the set-up page (is_visible does not wait for it)
    assert qr.is_visible() and qr.evaluate("img => img.naturalWidth") > 0
    secret = page.locator("#totp-secret").inner_text().strip()
    if screenshot_dir is not None:
        page.screenshot(path=str(screenshot_dir / "accounts-two-factor-setup.png"), full_page=True)
    page.get_by_label("Code from the app").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Turn on two-factor sign-in").click()
    codes = recovery_codes(page)
    page.get_by_role("link", name="I have kept them").click()
    page.wait_for_selector("text=Two-factor sign-in is on")
    return secret, codes


def recovery_codes(page) -> list[str]:
    """The recovery codes the page shows (once)."""
    listed = page.get_by_role("list", name="Recovery codes")
    listed.wait_for()  # the answer to the post (all_inner_texts does not wait for it)
    codes = listed.locator("li").all_inner_texts()
    assert len(codes) == 10
    return codes


def test_set_up_two_factor_and_sign_in_with_it(page, live, member, screenshot_dir):
    page.set_viewport_size(DESKTOP)
    sign_in(page, live, member.email)
    secret, _codes = turn_on_two_factor(page, live, screenshot_dir)
    page.get_by_role("button", name=re.compile(member.name)).click()
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, live, member.email, expect="/login/two-factor")
    # The code of the next 30 seconds (the one used to set up is spent).
    page.get_by_label("Code").fill(pyotp.TOTP(secret).at(time.time() + 30))
    page.get_by_role("button", name="Verify and sign in").click()
    page.wait_for_url(f"{live}/")
    assert "Hello" in page.inner_text("main")


def test_new_recovery_codes_then_two_factor_off(page, live, member):
    page.set_viewport_size(PHONE)
    sign_in(page, live, member.email)
    _secret, first = turn_on_two_factor(page, live)
    page.get_by_role("button", name="Make new recovery codes (the old ones stop working)").click()
    second = recovery_codes(page)
    assert not set(first) & set(second)
    page.goto(f"{live}/settings/two-factor")
    page.get_by_label("Your password").fill("not my password")
    page.get_by_role("button", name="Turn off").click()
    page.wait_for_selector("text=That is not your current password.")  # refused: still on
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_role("button", name="Turn off").click()
    page.wait_for_selector("text=Two-factor sign-in is off.")
    page.context.clear_cookies()  # another day, signed out
    sign_in(page, live, member.email)  # no code asked


def test_sign_out_everywhere_else(browser, live, member):
    here = browser.new_context(viewport=PHONE).new_page()
    there = browser.new_context(viewport=DESKTOP).new_page()
    sign_in(there, live, member.email)
    sign_in(here, live, member.email)
    here.goto(f"{live}/settings/sessions")
    here.get_by_role("button", name="Sign out everywhere else").click()
    here.wait_for_selector("text=Signed out everywhere else (1 session).")
    there.goto(f"{live}/people/")
    assert there.url.startswith(f"{live}/login")
    here.goto(f"{live}/people/")
    assert here.url == f"{live}/people/"


def test_an_admin_sends_a_reset_link(browser, db, live, admin, member):
    boss = browser.new_context(viewport=DESKTOP).new_page()
    sign_in(boss, live, admin.email)
    boss.goto(f"{live}/admin/users")
    boss.get_by_role("button", name=f"Send reset link to {member.name}").click()
    boss.wait_for_selector(f"text=A password reset link was sent to {member.email}.")
    link = latest_link(db, member.email, "/password/reset/")
    page = browser.new_context(viewport=PHONE).new_page()
    page.goto(link)
    page.get_by_label(re.compile(r"^New password")).fill("chosen after the admin's link")
    page.get_by_label("Repeat the new password").fill("chosen after the admin's link")
    page.get_by_role("button", name="Save my new password").click()
    page.wait_for_selector("text=Your password was changed. Sign in with it.")
    sign_in(page, live, member.email, password="chosen after the admin's link")


def test_an_idle_session_ends_and_sign_in_returns_to_the_page(page, db, live, member):
    page.set_viewport_size(DESKTOP)
    sign_in(page, live, member.email)
    page.goto(f"{live}/people/")
    # Two hours and a bit later (the clock of the stored session, moved back).
    db.session.execute(
        sa.update(UserSession).values(last_seen_at=utcnow() - timedelta(minutes=121))
    )
    db.session.commit()
    page.reload()
    assert page.url.startswith(f"{live}/login")
    assert "signed out after 120 minutes without activity" in page.inner_text("main")
    page.get_by_label("Email").fill(member.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live}/people/")


AXE = os.environ.get("AXE_JS")


@pytest.mark.skipif(not AXE, reason="axe-core not installed (npm ci)")
def test_account_pages_have_no_accessibility_violations(browser, live, member):
    page = browser.new_context(bypass_csp=True).new_page()
    found = {}
    for path in ("/password/forgot",):
        page.goto(live + path)
        page.add_script_tag(path=AXE)
        found[path] = page.evaluate("async () => (await axe.run()).violations")
    sign_in(page, live, member.email)
    for path in ("/settings/password", "/settings/sessions", "/settings/two-factor"):
        for width in (375, 1280):
            page.set_viewport_size({"width": width, "height": 900})
            page.goto(live + path)
            page.add_script_tag(path=AXE)
            found[f"{path}@{width}"] = page.evaluate("async () => (await axe.run()).violations")
            assert page.evaluate("document.documentElement.scrollWidth") <= width, path
    problems = {
        where: [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3]) for v in violations]
        for where, violations in found.items()
        if violations
    }
    assert not problems, problems


def test_accepting_an_invitation_signs_me_in(browser, db, live, admin):
    """The invited person lands on their dashboard, signed in (issue: they had to sign in again,
    with the email not filled)."""
    boss = browser.new_context(viewport=DESKTOP).new_page()
    sign_in(boss, live, admin.email)
    boss.goto(f"{live}/admin/users")
    boss.get_by_label("Email").fill("nia.newcomer@example.org")
    boss.get_by_label("Name").fill("Nia Newcomer")
    boss.get_by_role("button", name="Send invitation").click()
    boss.wait_for_selector("text=Invitation sent")
    link = latest_link(db, "nia.newcomer@example.org", "/invitation/")
    page = browser.new_context(viewport=PHONE).new_page()
    page.goto(link)
    assert page.get_by_label("Email").input_value() == "nia.newcomer@example.org"
    page.get_by_label("Choose a password").fill("newcomer passphrase")
    page.get_by_label("Repeat the password").fill("newcomer passphrase")
    page.get_by_role("button", name="Create my account").click()
    page.wait_for_url(f"{live}/")
    assert "Your account is ready" in page.inner_text("main")
