"""The debrief on a phone, served by gunicorn in a real browser: from a member's schedule of the
advocacy day to a logged contact with its position, in a few taps."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest
import sqlalchemy as sa

from crm.events import services as days
from crm.models import Interaction, Office, Position
from tests.factories import IssueFactory, PersonFactory, UserFactory
from tests.serving import sign_in_state

pytestmark = pytest.mark.browser
PHONE = {"width": 375, "height": 740}


def test_debrief_from_the_schedule_on_a_phone(browser, served_app, db):
    coordinator = UserFactory(email="day-coord@example.org", role="coordinator", home_state="TX")
    member = UserFactory(email="day-member@example.org", role="member", home_state="TX")
    conrad = IssueFactory(name="Conrad 30 reauthorization")
    senator = PersonFactory(first_name="Lena", last_name="Texan", state="TX", chamber="upper")
    db.session.add(
        Office(
            person_id=senator.id,
            kind="capitol",
            address="511 Hart Senate Office Building Washington DC 20510",
        )
    )
    db.session.commit()
    now = datetime.now(UTC)
    day = days.save_day(
        coordinator,
        None,
        dict(
            name="Hill day",
            day=date.today(),
            place="Capitol Hill",
            timezone="UTC",
            starts=time(0, 0),
            ends=time(23, 0),
            meeting_minutes=30,
            min_gap_minutes=10,
            issue_id=conrad.id,
            bill_id=None,
            notes=None,
        ),
        [member.id],
        now,
    )
    days.add_targets(coordinator, day, person_ids=[senator.id], now=now)
    days.propose_schedule(coordinator, day, now)

    context = browser.new_context(
        viewport=PHONE, storage_state=sign_in_state(browser, served_app, member.email)
    )
    try:
        page = context.new_page()
        page.goto(served_app.url(f"/days/{day.id}/mine"))
        assert page.get_by_text("Lena Texan").is_visible()
        assert page.get_by_text("511 Hart").is_visible()
        page.get_by_role("link", name="Log it").click()  # tap 1
        page.get_by_label("What happened").fill("Will talk to the LD about the cap.")
        page.get_by_label("Their position now").select_option("lean_support")  # tap 2
        page.get_by_role("button", name="Log the meeting").click()  # tap 3
        page.wait_for_url(f"**/days/{day.id}/mine")
        assert page.get_by_text("logged", exact=True).is_visible()
        assert page.get_by_role("status").get_by_text("Logged the meeting").is_visible()
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    finally:
        context.close()
    interaction = db.session.scalars(sa.select(Interaction)).one()
    assert [p.id for p in interaction.people] == [senator.id]
    assert [u.id for u in interaction.members] == [member.id]
    assert interaction.outcome == "Will talk to the LD about the cap."
    assert db.session.scalars(sa.select(Position.stance)).all() == ["lean_support"]
