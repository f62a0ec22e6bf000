"""Every email kind's plain-text part: one item per line, blank lines between sections, the
signed done/snooze links on every assignment, greetings by first name, links on CRM_BASE_URL."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from crm.assignments import services as assignments
from crm.assignments.services import AssignmentData
from crm.digests.services import dispatch_digests
from crm.models import DevMail, Notification
from crm.reminders.services import dispatch_due_reminders
from tests.factories import PersonFactory, UserFactory
from tests.jobs.conftest import at, make_assignment

NOW = at("2026-03-09T14:00:00")  # Monday 10:00 in New York
MONDAY_7_NY = at("2026-03-09T11:00:00")


def text_of(db, kind: str, to: str) -> str:
    row = db.session.scalars(
        sa.select(Notification)
        .where(Notification.kind == kind, Notification.to_email == to)
        .order_by(Notification.id.desc())
    ).first()
    assert row is not None, f"no {kind} email to {to}"
    return row.payload["text"]


def lines(text: str) -> list[str]:
    return text.split("\n")


def assert_laid_out(text: str) -> None:
    """No run-together lines: a due date, a link or a label always starts its own line."""
    for line in lines(text):
        assert not re.search(r"\S(Due |No due date|Open: |Mark done: |Snooze a week: )", line), line
        assert line.count("http") <= 1, line
    assert "\n\n\n" not in text


def test_assignment_notice_is_line_by_line_with_done_and_snooze(db, coordinator):
    nia = UserFactory(name="Dr. Nia Newcomer", email="nia@example.org")
    senator = PersonFactory(first_name="Kirsten", last_name="Gillibrand", state="NY")
    due = date(2026, 12, 2)
    data = AssignmentData(
        title="Ask for a cosponsor", assignee_id=nia.id, person_id=senator.id, due_on=due
    )
    a = assignments.create_assignment(coordinator, data, NOW)
    text = text_of(db, "assignment", nia.email)
    assert_laid_out(text)
    got = lines(text)
    assert got[0] == "Hello Nia,"
    i = got.index("Ask for a cosponsor")
    assert got[i - 1] == ""  # a blank line before each item
    assert got[i + 1] == "Kirsten Gillibrand (U.S. Senator, NY)"
    assert got[i + 2] == "Due Wed Dec 2, 2026"
    assert got[i + 3] == f"Open: http://crm.test/assignments/{a.id}"
    assert got[i + 4].startswith("Mark done: http://crm.test/links/done/")
    assert got[i + 5].startswith("Snooze a week: http://crm.test/links/snooze/")
    html = db.session.scalars(sa.select(Notification)).one().payload["html"]
    assert "/links/done/" in html and "/links/snooze/" in html and "Hello Nia," in html


def test_bulk_notice_lists_each_assignment_on_its_own_lines(db, coordinator, member):
    people = [PersonFactory() for _ in range(3)]
    data = AssignmentData(title="Drop off the letter", assignee_id=member.id)
    assignments.create_assignments(coordinator, data, [p.id for p in people], NOW)
    text = text_of(db, "assignment", member.email)
    assert_laid_out(text)
    assert text.count("\nDrop off the letter\n") == 3
    assert text.count("\nMark done: ") == 3 and text.count("\nSnooze a week: ") == 3
    assert text.count("\nNo due date\n") == 3


def test_reminders_and_escalations_are_line_by_line_with_links(db, member, coordinator):
    make_assignment(member, due_on=date(2026, 3, 11), title="Send the one-pager")
    make_assignment(member, due_on=date(2026, 3, 9), title="Call the office")
    make_assignment(
        member, due_on=date(2026, 3, 1), title="Overdue a week", created_by_id=coordinator.id
    )
    dispatch_due_reminders(NOW)
    text = text_of(db, "reminder", member.email)
    assert_laid_out(text)
    got = lines(text)
    for heading in ("OVERDUE (1)", "DUE TODAY (1)", "DUE SOON (1)"):
        assert got[got.index(heading) - 1] == ""
    i = got.index("Call the office")
    assert got[i + 1 : i + 2] == ["Due today"]
    assert got[i + 2].startswith("Open: http://crm.test/")
    assert got[i + 3].startswith("Mark done: ") and got[i + 4].startswith("Snooze a week: ")
    assert "Reminders go out between 08:00 and 20:00 your time." in got
    escalation = text_of(db, "reminder", coordinator.email)
    assert_laid_out(escalation)
    assert "OVERDUE ON YOUR TEAM (1)" in lines(escalation)
    assert "8 days overdue · assigned to Mia Member" in lines(escalation)
    assert "\nMark done: http://crm.test/links/done/" in escalation


def test_digest_is_line_by_line_with_links(db, member):
    make_assignment(member, due_on=MONDAY_7_NY.date() + timedelta(days=2), title="Due soon")
    make_assignment(member, due_on=MONDAY_7_NY.date() - timedelta(days=2), title="Late one")
    dispatch_digests(MONDAY_7_NY)
    text = text_of(db, "digest", member.email)
    assert_laid_out(text)
    got = lines(text)
    assert got[got.index("OVERDUE (1)") - 1] == "" and got[got.index("DUE THIS WEEK (1)") - 1] == ""
    i = got.index("Late one")
    assert got[i + 1] == "2 days overdue (due Mar 7)"
    assert got[i + 3].startswith("Mark done: ") and got[i + 4].startswith("Snooze a week: ")
    assert got[2] == "Hello Mia. Here is what needs you and what moved in the last seven days."


def test_invitation_and_test_email_text(db, admin, runner):
    from crm.auth.services import invite

    invite(
        admin,
        email="new@example.org",
        name="Prof. Ada Byron",
        role="member",
        home_state=None,
        now=NOW,
    )
    text = text_of(db, "invitation", "new@example.org")
    assert_laid_out(text)
    got = lines(text)
    assert got[0] == "Hello Ada,"
    link = next(x for x in got if x.startswith("http"))
    assert link.startswith("http://crm.test/")
    result = runner.invoke(args=["crm", "send-test-email", "ops@example.org"])
    assert result.exit_code == 0, result.output
    body = db.session.scalars(sa.select(DevMail).where(DevMail.to_email == "ops@example.org"))
    assert_laid_out(body.one().text_body)


def test_links_follow_the_configured_base_url_in_commands(db, app, member, runner, monkeypatch):
    """`crm send-reminders` run by hand links to CRM_BASE_URL (one source), not port 5000."""
    monkeypatch.setitem(app.config, "BASE_URL", "http://127.0.0.1:8123")
    make_assignment(member, due_on=date(2026, 3, 9), title="Call the office")
    result = runner.invoke(args=["crm", "send-reminders", "--now", "2026-03-09T14:00:00"])
    assert result.exit_code == 0, result.output
    text = text_of(db, "reminder", member.email)
    urls = re.findall(r"https?://[^\s]+", text)
    assert urls and all(u.startswith("http://127.0.0.1:8123/") for u in urls)


def test_development_links_follow_the_port_dev_serves_on(tmp_path, monkeypatch):
    """`.ci/dev` writes instance/base-url; every process of the install (a command in another
    shell too) reads it when CRM_BASE_URL is not set."""
    import config

    monkeypatch.delenv("CRM_BASE_URL", raising=False)
    monkeypatch.setattr(config, "INSTANCE", tmp_path)
    (tmp_path / "secret_key").write_text("x" * 64)
    monkeypatch.setattr(config, "dev_secret_key", lambda: "x" * 64)
    (tmp_path / "base-url").write_text("http://127.0.0.1:8123\n")
    assert config.DevelopmentConfig().BASE_URL == "http://127.0.0.1:8123"
    monkeypatch.setenv("CRM_BASE_URL", "https://crm.example.org/")
    assert config.DevelopmentConfig().BASE_URL == "https://crm.example.org"


def test_the_escalation_links_work_for_the_coordinator(db, member, coordinator):
    """An escalation's "mark done" is signed for the coordinator who receives it, and works;
    a member's link for work that is no longer theirs still does not."""
    from crm.assignments.email_links import complete_from_link, snooze_from_link
    from crm.errors import DomainError

    late = make_assignment(member, due_on=date(2026, 3, 1), created_by_id=coordinator.id)
    other = UserFactory(name="Omar Haddad")
    # Links carry the version of the assignment they were signed for (hardening).
    a, changed = snooze_from_link(late.id, coordinator, late.version, NOW)
    assert changed and a.snoozed_until > NOW.date()
    a, changed = complete_from_link(late.id, coordinator, a.version, NOW)
    assert changed and a.status == "done"
    mine = make_assignment(member, due_on=date(2026, 3, 1))
    with pytest.raises(DomainError, match="reassigned"):
        complete_from_link(mine.id, other, mine.version, NOW)
