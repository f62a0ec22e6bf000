"""The dev mailbox in a real browser: the HTML part rendered in a sandboxed frame whose links
open (in a new tab), the text part beside it."""

from __future__ import annotations

import pytest

from crm.assignments import services as assignments
from crm.assignments.services import AssignmentData
from crm.clock import utcnow
from crm.models import DevMail
from tests.factories import PersonFactory
from tests.test_browser import sign_in

pytestmark = pytest.mark.browser


def test_mailbox_renders_the_html_part_with_working_links(
    app, db, page, live_server, admin, member, coordinator, monkeypatch
):
    monkeypatch.setitem(app.config, "BASE_URL", live_server)
    person = PersonFactory(first_name="Kirsten", last_name="Gillibrand", state="NY")
    data = AssignmentData(title="Ask for a cosponsor", assignee_id=member.id, person_id=person.id)
    assignments.create_assignment(coordinator, data, utcnow())
    mail = db.session.query(DevMail).one()
    sign_in(page, live_server, admin.email)
    page.goto(f"{live_server}/admin/mailbox/{mail.id}")
    frame_el = page.locator("iframe.mail-frame")
    assert frame_el.get_attribute("sandbox") == "allow-popups allow-popups-to-escape-sandbox"
    frame = page.frame_locator("iframe.mail-frame")
    frame.get_by_role("link", name="Ask for a cosponsor").wait_for()
    # the HTML is rendered, not shown as source
    assert "<a href" not in frame.locator("body").inner_text()
    assert "Mark done: http" in page.locator("pre.mail-text").first.inner_text()
    with page.expect_popup() as popup:
        frame.get_by_role("link", name="Snooze a week").click()
    opened = popup.value
    opened.wait_for_load_state()
    assert "/links/snooze/" in opened.url
    assert "Snooze" in opened.content()
    # The frame's own response runs nothing and may only be framed by the app itself.
    resp = page.request.get(f"{live_server}/admin/mailbox/{mail.id}/html")
    csp = resp.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "sandbox" in csp and "frame-ancestors 'self'" in csp
    assert resp.headers["x-frame-options"] == "SAMEORIGIN"


def test_the_mail_page_has_no_accessibility_violations(browser, live_server, db, admin):
    """The message page (frame and text part) at 375 and 1280 px: axe-core finds nothing, and
    the text part scrolls by keyboard (it is focusable)."""
    from tests.test_browser import AXE

    mail = DevMail(
        to_email="x@example.org",
        subject="New assignment: Ask for a cosponsor",
        text_body="Hello Nia,\n\n" + "Mark done: http://crm.test/links/done/" + "x" * 200,
        html_body="<html><head></head><body><p>Hello Nia,</p><a href='http://crm.test/'>Open</a>"
        "</body></html>",
        headers={"To": "x@example.org"},
        created_at=utcnow(),
    )
    db.session.add(mail)
    db.session.commit()
    page = browser.new_context(bypass_csp=True).new_page()
    sign_in(page, live_server, admin.email)
    found = {}
    for width in (375, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(f"{live_server}/admin/mailbox/{mail.id}")
        page.add_script_tag(path=AXE)
        found[width] = page.evaluate("async () => (await axe.run()).violations")
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert found == {375: [], 1280: []}, found
    assert page.locator("pre.mail-text").first.get_attribute("tabindex") == "0"
