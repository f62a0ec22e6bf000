"""The review queue in a browser at phone and desktop width, on the app served by gunicorn.
SCREENSHOT_DIR=docs/screenshots keeps the pictures for the README."""

from __future__ import annotations

import pytest

from tests.served.conftest import EMAILS, seed_world
from tests.serving import sign_in_state

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("width", [375, 1280])
def test_review_queue_reads_at_phone_and_desktop_width(
    app, browser, served_app, screenshot_dir, width
):
    from crm.clock import utcnow
    from crm.inbound.services import ingest_message
    from tests.inbound.messages import message, outlook_forward

    world = seed_world()
    now = utcnow()
    ingest_message(
        bytes(
            outlook_forward(
                "Dr. Bartholomew Longname <b.longname.personal@gmail.example>",
                "scheduler.office-of-senator-cornyn@senate.example",
                "cruz@example.org",
                attachments=(("Conrad 30 one-pager (final, revised).pdf", b"%PDF" * 9000),),
            )
        ),
        now,
    )
    ingest_message(
        bytes(
            message(
                sender="member@example.org",
                to="front.desk@statehouse.example",
                subject="RE: Tennessee licensure pathway, follow-up on the hearing",
                text="Thank you for the hearing on the pathway bill.",
            )
        ),
        now,
    )
    state = sign_in_state(browser, served_app, EMAILS["coordinator"])
    context = browser.new_context(storage_state=state, viewport={"width": width, "height": 900})
    try:
        page = context.new_page()
        page.goto(served_app.url("/inbound/"))
        items = page.locator("main .list-group-item")
        assert items.count() == 3
        assert "The sender is not a member" in page.inner_text("main")
        assert "Nobody it was sent to is in the directory." in page.inner_text("main")
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        name = "phone" if width == 375 else "desktop"
        page.screenshot(path=str(screenshot_dir / f"inbound-queue-{name}.png"), full_page=True)

        page.get_by_role("link", name="Conrad 30 reauthorization").last.click()
        main = page.inner_text("main")
        assert "We will take the meeting next week." in main
        assert "Conrad 30 one-pager (final, revised).pdf (35 KB)" in main
        assert page.get_by_label("Member who had the contact").count() == 1
        assert "Ted Cruz" in page.locator("#chips").inner_text()  # matched from the directory
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        page.screenshot(path=str(screenshot_dir / f"inbound-review-{name}.png"), full_page=True)
    finally:
        context.close()
    assert world.ids["item_id"]
