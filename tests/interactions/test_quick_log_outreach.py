"""The quick log and outreach: follow-ups from the outcome, completing open work by logging the
contact, and the collision hint beside the people picker."""

from datetime import timedelta

import sqlalchemy as sa

from crm.clock import local, local_today, utcnow
from crm.models import Assignment, FollowUpTemplate, Interaction, Notification, StaffRole
from tests.factories import AssignmentFactory, InteractionFactory, PersonFactory, UserFactory


def log_form(people, **extra):
    """The quick log as a member in New York fills it in: an hour ago, local time."""
    when = local(utcnow() - timedelta(hours=1), "America/New_York").strftime("%Y-%m-%dT%H:%M")
    return {"people": [str(p.id) for p in people], "occurred_at": when, "kind": "meeting", **extra}


def templates(db):
    rows = [
        FollowUpTemplate(label="Send the one-pager", due_in_days=2, position=0),
        FollowUpTemplate(label="Thank-you note", due_in_days=1, position=1),
        FollowUpTemplate(label="Retired idea", due_in_days=1, position=2, active=False),
    ]
    db.session.add_all(rows)
    db.session.commit()
    return rows


def test_the_quick_log_offers_active_follow_ups(client, as_member, db):
    templates(db)
    page = client.get("/log").get_data(as_text=True)
    assert "Send the one-pager" in page and "Thank-you note" in page
    assert "Retired idea" not in page


def test_follow_ups_become_assignments_for_the_logger_one_per_person(client, auth, as_member, db):
    one_pager, _, _ = templates(db)
    senator, staffer = PersonFactory(), PersonFactory(kind="staff")
    resp = auth.post(
        "/log",
        log_form(
            [senator, staffer],
            follow_ups=str(one_pager.id),
            custom_follow_up="Send the state's J-1 numbers",
            custom_due_in_days="5",
        ),
    )
    assert resp.status_code == 302
    made = list(db.session.scalars(sa.select(Assignment).order_by(Assignment.id)))
    today = local_today(utcnow(), as_member.timezone)
    assert {(a.title, a.person_id, a.due_on) for a in made} == {
        ("Send the one-pager", senator.id, today + timedelta(days=2)),
        ("Send the one-pager", staffer.id, today + timedelta(days=2)),
        ("Send the state's J-1 numbers", senator.id, today + timedelta(days=5)),
        ("Send the state's J-1 numbers", staffer.id, today + timedelta(days=5)),
    }
    assert {(a.assignee_id, a.created_by_id, a.source) for a in made} == {
        (as_member.id, as_member.id, "follow-up")
    }
    [notice] = db.session.scalars(sa.select(Notification).where(Notification.kind == "assignment"))
    assert notice.to_email == as_member.email and "4 new assignments" in notice.payload["subject"]
    assert "Send the one-pager" in client.get("/my-work").get_data(as_text=True)


def test_a_bad_custom_follow_up_keeps_the_form_and_logs_nothing(client, auth, as_member, db):
    resp = auth.post(
        "/log", log_form([PersonFactory()], custom_follow_up="Call back", custom_due_in_days="900")
    )
    assert resp.status_code == 422
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Interaction)) == 0


def test_logging_a_contact_with_the_target_offers_and_completes_the_assignment(
    client, auth, as_member, db
):
    senator = PersonFactory(full_name="Sen. Elena Marsh")
    staffer = PersonFactory(kind="staff", full_name="Jordan Holloway")
    db.session.add(StaffRole(staff_id=staffer.id, employer_id=senator.id))
    db.session.commit()
    mine = AssignmentFactory(assignee=as_member, person=senator, title="Ask about Conrad 30")
    AssignmentFactory(person=senator, title="Somebody else's work")
    # The hint beside the picker offers my open work for the office (met the staffer).
    hint = client.get(f"/log/last-contact?people={staffer.id}").get_data(as_text=True)
    assert "Ask about Conrad 30" in hint and f'value="{mine.id}"' in hint
    assert "Somebody else" not in hint.split("Your open work")[-1]
    # Coming from My work's "Log contact", it is ticked already.
    page = client.get(f"/log?person={senator.id}&assignment={mine.id}").get_data(as_text=True)
    assert f'value="{mine.id}" id="complete-{mine.id}" checked' in page
    resp = auth.post("/log", log_form([staffer], complete_assignments=str(mine.id)))
    assert resp.status_code == 302
    interaction = db.session.scalar(sa.select(Interaction))
    db.session.refresh(mine)
    assert (mine.status, mine.completed_interaction_id) == ("done", interaction.id)


def test_cannot_complete_someone_elses_assignment_by_logging(client, auth, as_member, db):
    person = PersonFactory()
    theirs = AssignmentFactory(person=person)
    resp = auth.post("/log", log_form([person], complete_assignments=str(theirs.id)))
    assert resp.status_code == 422
    assert "Only your own open assignments" in resp.get_data(as_text=True)
    db.session.refresh(theirs)
    assert theirs.status == "open"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Interaction)) == 0


def test_after_logging_the_contact_page_offers_to_complete_and_links_it(
    client, auth, as_member, db
):
    person = PersonFactory()
    mine = AssignmentFactory(assignee=as_member, person=person, title="Deliver the letter")
    resp = auth.post("/log", log_form([person]))
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "Does this contact finish your open work?" in page and "Deliver the letter" in page
    interaction = db.session.scalar(sa.select(Interaction))
    auth.post(
        f"/assignments/{mine.id}/complete",
        {
            "interaction_id": str(interaction.id),
            "version": mine.version,
            "next": resp.headers["Location"],
        },
    )
    db.session.refresh(mine)
    assert (mine.status, mine.completed_interaction_id) == ("done", interaction.id)
    assert "Does this contact finish" not in client.get(resp.headers["Location"]).get_data(True)


def test_the_picker_warns_about_another_members_recent_contact(client, as_member, db):
    person = PersonFactory(full_name="Rep. Gabriel Ortega")
    InteractionFactory(
        logged_by=UserFactory(name="Omar Haddad"),
        people=[person],
        occurred_at=utcnow() - timedelta(days=2),
    )
    AssignmentFactory(person=person, assignee=UserFactory(name="Grace Kim"))
    hint = client.get(f"/log/last-contact?people={person.id}").get_data(as_text=True)
    assert "someone else is on this office" in hint
    assert "Omar Haddad logged a contact with Rep. Gabriel Ortega" in hint
    assert "Grace Kim already has an open assignment for Rep. Gabriel Ortega" in hint


def test_coordinators_manage_follow_up_templates(client, auth, as_coordinator, db):
    resp = auth.post(
        "/assignments/follow-ups",
        {
            "label": "Schedule a district meeting",
            "due_in_days": "14",
            "position": "3",
            "active": "y",
        },
    )
    assert resp.status_code == 302
    t = db.session.scalar(sa.select(FollowUpTemplate))
    assert (t.label, t.due_in_days, t.active) == ("Schedule a district meeting", 14, True)
    resp = auth.post(
        f"/assignments/follow-ups/{t.id}",
        {
            f"t{t.id}-csrf_token": auth.token(),
            f"t{t.id}-label": "Schedule a district visit",
            f"t{t.id}-due_in_days": "10",
            f"t{t.id}-position": "0",
        },
    )
    db.session.refresh(t)
    assert (t.label, t.due_in_days, t.active) == ("Schedule a district visit", 10, False)
    dup = auth.post(
        "/assignments/follow-ups", {"label": "schedule a DISTRICT visit", "due_in_days": "1"}
    )
    assert "already a follow-up with this label" in dup.get_data(as_text=True)


def test_members_cannot_manage_follow_up_templates(client, as_member):
    assert client.get("/assignments/follow-ups").status_code == 403


def test_editing_a_contact_or_assigning_offers_no_completion(client, as_member):
    person = PersonFactory()
    AssignmentFactory(assignee=as_member, person=person, title="Deliver the letter")
    hint = client.get(f"/log/last-contact?people={person.id}&offer=0").get_data(as_text=True)
    assert "Deliver the letter" not in hint and "complete_assignments" not in hint
