"""Reminders: the right stages at the right local time, batched per recipient, each once."""

from __future__ import annotations

import threading
from datetime import date, timedelta

import sqlalchemy as sa

from crm.models import DevMail, Notification, ReminderLog
from crm.reminders.services import dispatch_due_reminders
from tests.factories import PersonFactory, UserFactory
from tests.jobs.conftest import at, bulk_users, make_assignment

NOW = at("2026-03-09T14:00:00")  # Monday, 10:00 in New York (EDT since March 8)


def mails(db, to: str | None = None) -> list[DevMail]:
    stmt = sa.select(DevMail).order_by(DevMail.id)
    if to:
        stmt = stmt.where(DevMail.to_email == to)
    return list(db.session.scalars(stmt))


def test_due_soon_today_and_overdue_arrive_in_one_email_once(db, member):
    make_assignment(member, due_on=date(2026, 3, 11), title="Send the one-pager")  # in 2 days
    make_assignment(member, due_on=date(2026, 3, 9), title="Call Senator Lee's office")
    make_assignment(member, due_on=date(2026, 3, 8), title="Thank-you note to Rep. Diaz")
    make_assignment(member, due_on=date(2026, 3, 13), title="Not yet")  # 4 days: too early

    summary = dispatch_due_reminders(NOW)

    assert summary.queued == 1
    [mail] = mails(db)
    assert mail.to_email == member.email
    assert mail.subject == "Reminder: 3 follow-ups (1 overdue, 1 due today, 1 due soon)"
    for title in ("Send the one-pager", "Call Senator Lee's office", "Thank-you note to Rep. Diaz"):
        assert title in mail.text_body and title in mail.html_body
    assert "Not yet" not in mail.text_body
    assert "1 day overdue" in mail.text_body

    again = dispatch_due_reminders(NOW + timedelta(minutes=5))
    later = dispatch_due_reminders(NOW + timedelta(hours=6))
    assert again.queued == later.queued == 0 and again.skipped == 3
    assert len(mails(db)) == 1


def test_overdue_repeats_every_few_days_and_escalates_once_to_the_coordinator(
    db, member, coordinator
):
    make_assignment(
        member, due_on=date(2026, 3, 1), title="Follow up with HRSA", created_by_id=coordinator.id
    )
    days = {member.email: [], coordinator.email: []}
    for offset in range(1, 13):
        day = at("2026-03-01T15:00:00") + timedelta(days=offset)
        before = {m.id for m in mails(db)}
        dispatch_due_reminders(day)
        for m in mails(db):
            if m.id not in before:
                days[m.to_email].append(offset)
    # Overdue on day 1, then every 3 days; the coordinator hears once, after a week.
    assert days[member.email] == [1, 4, 7, 10]
    assert days[coordinator.email] == [7]
    escalation = mails(db, coordinator.email)[0]
    assert "Overdue on your team" in escalation.html_body and "Mia Member" in escalation.text_body
    # The coordinator can close or snooze it from the escalation too (signed for them).
    assert "Mark done: http://crm.test/links/done/" in escalation.text_body
    assert "Snooze a week: http://crm.test/links/snooze/" in escalation.text_body


def test_never_for_closed_snoozed_deleted_inactive_or_opted_out(db, member):
    due = date(2026, 3, 9)
    make_assignment(member, due_on=due, title="Done already", status="done")
    make_assignment(member, due_on=due, title="Cancelled", status="cancelled")
    make_assignment(member, due_on=due, title="Snoozed", snoozed_until=date(2026, 3, 12))
    make_assignment(member, due_on=due, title="Deleted", deleted_at=NOW)
    gone = PersonFactory(deleted_at=NOW)
    make_assignment(member, due_on=due, title="About a deleted person", person_id=gone.id)
    inactive = UserFactory(is_active=False)
    make_assignment(inactive, due_on=due, title="Inactive user")
    opted_out = UserFactory(reminders_enabled=False)
    make_assignment(opted_out, due_on=due, title="Opted out")
    control = UserFactory(email="control@example.org")
    make_assignment(control, due_on=due, title="Control")

    dispatch_due_reminders(NOW)

    assert [(m.to_email, "Control" in m.text_body) for m in mails(db)] == [
        ("control@example.org", True)
    ]


def test_snooze_ends_on_its_date(db, member):
    make_assignment(member, due_on=date(2026, 3, 9), snoozed_until=date(2026, 3, 10))
    assert dispatch_due_reminders(NOW).queued == 0
    assert dispatch_due_reminders(at("2026-03-10T14:00:00")).queued == 1


def test_sent_in_the_recipients_own_daytime_and_calendar(db, app, monkeypatch):
    la = UserFactory(email="la@example.org", timezone="America/Los_Angeles")
    make_assignment(la, due_on=date(2026, 3, 9), title="LA item")
    assert dispatch_due_reminders(NOW).queued == 0  # 07:00 in Los Angeles: too early
    assert dispatch_due_reminders(at("2026-03-09T16:00:00")).queued == 1  # 09:00 there

    # Which day is "today" is the recipient's own: at 03:30 UTC on March 10 it is still the 9th
    # in New York and Los Angeles (due tomorrow: "due soon") but the 10th in Kolkata ("today").
    monkeypatch.setitem(app.config, "REMINDER_HOURS", "0-24")
    ny = UserFactory(email="ny@example.org", timezone="America/New_York")
    kolkata = UserFactory(email="in@example.org", timezone="Asia/Kolkata")
    for user in (ny, kolkata):
        make_assignment(user, due_on=date(2026, 3, 10), title=f"Item for {user.email}")
    dispatch_due_reminders(at("2026-03-10T03:30:00"))
    stages = {log.recipient_id: log.stage for log in db.session.scalars(sa.select(ReminderLog))}
    assert stages[ny.id] == "due_soon" and stages[kolkata.id] == "due_today"


def test_one_email_per_recipient_lists_own_items_and_escalations(db, member, coordinator):
    make_assignment(coordinator, due_on=date(2026, 3, 9), title="Coordinator's own call")
    make_assignment(
        member, due_on=date(2026, 2, 20), title="Long overdue", created_by_id=coordinator.id
    )
    dispatch_due_reminders(NOW)
    [mail] = mails(db, coordinator.email)
    assert "Coordinator's own call" in mail.text_body and "Long overdue" in mail.text_body
    assert mail.subject == "Reminder: 2 follow-ups (1 overdue on your team, 1 due today)"
    assert len(mails(db, member.email)) == 1


def test_two_dispatchers_at_once_queue_each_reminder_once(app, db):
    ids = bulk_users(30, prefix="race")
    from crm.models import User

    for user in db.session.scalars(sa.select(User).where(User.id.in_(ids))):
        make_assignment(user, due_on=date(2026, 3, 9))
    results, errors = [], []

    def run():
        with app.app_context():
            try:
                results.append(dispatch_due_reminders(NOW, deliver=False).queued)
            except Exception as exc:  # pragma: no cover - reported below
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    assert sum(results) == 30
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Notification)) == 30
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ReminderLog)) == 30
