"""Advocacy days end to end in-process: plan a day, add a state's delegation, propose the
schedule, read a member's schedule and calendar, the briefs pack, and the debrief that logs a
meeting as a contact with its position."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
from icalendar import Calendar

from crm.models import AdvocacyDay, DayMeeting, Interaction, Office, Position
from tests.factories import IssueFactory, PersonFactory, UserFactory

NOW = datetime(2027, 3, 10, 23, 0, tzinfo=UTC)


@pytest.fixture
def hill(db):
    conrad = IssueFactory(name="Conrad 30 reauthorization")
    people = []
    for n, (state, chamber, building) in enumerate(
        [
            ("TX", "upper", "Hart"),
            ("TX", "upper", "Russell"),
            ("TX", "lower", "Rayburn"),
            ("NY", "upper", "Dirksen"),
            ("NY", "lower", "Cannon"),
            ("FL", "lower", "Longworth"),
        ]
    ):
        p = PersonFactory(last_name=f"Office{n}", state=state, chamber=chamber)
        db.session.add(
            Office(
                person_id=p.id,
                kind="capitol",
                address=f"{300 + n} {building} Office Building Washington DC",
            )
        )
        people.append(p)
    db.session.commit()
    texan = UserFactory(name="Tex Member", home_state="TX")
    yorker = UserFactory(name="York Member", home_state="NY")
    return conrad, people, texan, yorker


def test_plan_propose_and_debrief(client, auth, as_coordinator, db, hill, tmp_path):
    conrad, people, texan, yorker = hill
    resp = auth.post(
        "/days/new",
        {
            "name": "Spring Hill day",
            "day": "2027-03-10",
            "timezone": "America/New_York",
            "starts": "09:00",
            "ends": "12:00",
            "meeting_minutes": "30",
            "min_gap_minutes": "10",
            "issue_id": str(conrad.id),
            "members": [str(texan.id), str(yorker.id)],
        },
    )
    assert resp.status_code == 302, resp.get_data(as_text=True)
    day = db.session.scalars(sa.select(AdvocacyDay)).one()
    assert auth.post(f"/days/{day.id}/targets", {"states": "TX NY"}).status_code == 302
    assert len(day.targets) == 5
    assert auth.post(f"/days/{day.id}/targets", {"person_id": str(people[5].id)}).status_code == 302
    assert auth.post(f"/days/{day.id}/propose").status_code == 302
    meetings = db.session.scalars(sa.select(DayMeeting)).all()
    assert len(meetings) == 6
    by_person = {m.person_id: m for m in meetings}
    assert {u.name for u in by_person[people[0].id].members} == {"Tex Member"}
    assert by_person[people[0].id].building == "Hart" and by_person[people[0].id].room == "300"

    page = client.get(f"/days/{day.id}").get_data(as_text=True)
    assert "6</strong> meetings scheduled" in page and "Conflicts" not in page

    # The member's schedule and calendar.
    mine = client.get(f"/days/{day.id}/mine?member={texan.id}").get_data(as_text=True)
    assert "Office0" in mine and "Office3" not in mine
    cal = Calendar.from_ical(client.get(f"/days/{day.id}/mine.ics?member={texan.id}").data)
    events = [c for c in cal.walk("VEVENT")]
    assert len(events) == sum(1 for m in meetings if texan.id in {u.id for u in m.members}) == 4

    # The briefs pack: one page per office.
    pdf = client.get(f"/days/{day.id}/briefs.pdf")
    assert pdf.mimetype == "application/pdf"
    if shutil.which("pdfinfo"):
        path = tmp_path / "pack.pdf"
        path.write_bytes(pdf.data)
        info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True).stdout
        assert re.search(r"^Pages:\s+6$", info, re.M), info

    # The debrief: a pre-filled contact with its position, once.
    meeting = by_person[people[0].id]
    resp = auth.post(
        f"/days/meetings/{meeting.id}/debrief",
        {
            "outcome": "Will look at the cap",
            "stance": "lean_support",
            "commitment": "Will read the bill",
        },
    )
    assert resp.status_code == 302
    interaction = db.session.scalars(sa.select(Interaction)).one()
    assert [p.id for p in interaction.people] == [people[0].id]
    assert [u.id for u in interaction.members] == [texan.id]
    assert [i.id for i in interaction.issues] == [conrad.id]
    assert interaction.outcome == "Will look at the cap" and interaction.kind == "meeting"
    position = db.session.scalars(sa.select(Position)).one()
    assert (position.stance, position.commitment) == ("lean_support", "Will read the bill")
    auth.post(f"/days/meetings/{meeting.id}/debrief", {"outcome": "again"})
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Interaction)) == 1
    page = client.get(f"/days/{day.id}").get_data(as_text=True)
    assert "1</strong> logged" in page and "1</strong> positions recorded" in page


def test_bad_day_input_is_kept(client, auth, as_coordinator):
    resp = auth.post(
        "/days/new",
        {
            "name": "Broken day",
            "day": "2027-03-10",
            "timezone": "Mars/Olympus",
            "starts": "12:00",
            "ends": "09:00",
            "meeting_minutes": "30",
        },
    )
    assert resp.status_code == 422 and "Broken day" in resp.get_data(as_text=True)


def test_only_those_at_a_meeting_log_it(client, auth, as_member, db, hill):
    conrad, people, texan, _ = hill
    day = AdvocacyDay(name="D", day=date(2027, 3, 10), members=[texan])
    day.meetings.append(
        DayMeeting(
            person_id=people[0].id, starts_at=NOW, ends_at=NOW, members=[texan], lead_id=texan.id
        )
    )
    db.session.add(day)
    db.session.commit()
    resp = auth.post(f"/days/meetings/{day.meetings[0].id}/debrief", {"outcome": "x"})
    assert resp.status_code == 422
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Interaction)) == 0
