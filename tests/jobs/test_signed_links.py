"""One-click links from emails: mark done, snooze a week, unsubscribe (RFC 8058)."""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa

from crm.clock import local_today, utcnow
from crm.links.services import link_url, unsubscribe_url
from crm.models import Assignment, AuditEntry, User
from tests.conftest import CSRF_RE
from tests.factories import UserFactory
from tests.jobs.conftest import make_assignment


def path(url: str, app) -> str:
    return url.replace(app.config["BASE_URL"], "")


def audits(db, action: str) -> int:
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(AuditEntry).where(AuditEntry.action == action)
    )


def click(client, url: str):
    """Open the link (GET), then press its button (POST with the page's CSRF token)."""
    page = client.get(url)
    token = CSRF_RE.search(page.get_data(as_text=True)).group(1)
    return page, client.post(url, data={"csrf_token": token})


def test_mark_done_link_completes_the_assignment_once(app, client, db, member):
    a = make_assignment(member, due_on=date(2026, 3, 9), title="Send the one-pager")
    url = path(link_url("done", a=a.id, v=a.version, u=member.id), app)

    page, done = click(client, url)

    assert page.status_code == 200 and "Send the one-pager" in page.get_data(as_text=True)
    assert done.status_code == 200 and "Marked as done" in done.get_data(as_text=True)
    db.session.refresh(a)
    assert a.status == "done" and a.completed_at is not None
    assert audits(db, "complete") == 1

    page, again = click(client, url)  # the same link, clicked again
    assert "already done" in page.get_data(as_text=True)
    assert again.status_code == 200 and "already done" in again.get_data(as_text=True)
    assert audits(db, "complete") == 1


def test_opening_a_link_changes_nothing(app, client, db, member):
    """Mail scanners follow links: only the button (a POST) acts."""
    a = make_assignment(member, due_on=date(2026, 3, 9))
    assert (
        client.get(path(link_url("done", a=a.id, v=a.version, u=member.id), app)).status_code == 200
    )
    assert (
        client.get(path(link_url("snooze", a=a.id, v=a.version, u=member.id), app)).status_code
        == 200
    )
    db.session.refresh(a)
    assert (a.status, a.snoozed_until) == ("open", None)


def test_expired_and_tampered_links_are_refused(app, client, db, member, monkeypatch):
    a = make_assignment(member, due_on=date(2026, 3, 9))
    url = path(link_url("done", a=a.id, v=a.version, u=member.id), app)
    prefix, token = url.rsplit("/", 1)
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    assert client.get(f"{prefix}/{forged}").status_code == 400
    other = path(link_url("snooze", a=a.id, v=a.version, u=member.id), app).rsplit("/", 1)[1]
    wrong_purpose = client.get(f"{prefix}/{other}")  # a snooze token cannot mark anything done
    assert wrong_purpose.status_code == 400
    assert "not valid" in wrong_purpose.get_data(as_text=True)

    monkeypatch.setitem(app.config, "LINK_MAX_AGE", -1)  # every link is now too old
    expired = client.get(url)
    assert expired.status_code == 410 and "expired" in expired.get_data(as_text=True)
    token_page = client.get("/login").get_data(as_text=True)
    csrf = CSRF_RE.search(token_page).group(1)
    assert client.post(url, data={"csrf_token": csrf}).status_code == 410
    db.session.refresh(a)
    assert a.status == "open"


def test_a_link_for_a_reassigned_or_deleted_assignment_is_refused(app, client, db, member):
    a = make_assignment(member, due_on=date(2026, 3, 9))
    url = path(link_url("done", a=a.id, v=a.version, u=member.id), app)
    a.assignee_id = UserFactory().id
    db.session.commit()
    assert "reassigned" in client.get(url).get_data(as_text=True)
    b = make_assignment(member, due_on=date(2026, 3, 9), deleted_at=utcnow())
    assert (
        client.get(path(link_url("done", a=b.id, v=b.version, u=member.id), app)).status_code == 400
    )


def test_snooze_link_quiets_the_assignment_for_a_week(app, client, db, member):
    a = make_assignment(member, due_on=date(2026, 3, 9))
    _, resp = click(client, path(link_url("snooze", a=a.id, v=a.version, u=member.id), app))
    assert resp.status_code == 200 and "Snoozed until" in resp.get_data(as_text=True)
    db.session.refresh(a)
    assert a.snoozed_until == local_today(utcnow(), member.timezone) + timedelta(days=7)
    assert audits(db, "snooze") == 1


def test_one_click_unsubscribe_without_signing_in_or_csrf(app, client, db, member):
    url = path(unsubscribe_url(member, "digest"), app)
    page = client.get(url)
    assert page.status_code == 200 and "Stop the weekly digest" in page.get_data(as_text=True)
    assert db.session.get(User, member.id).digest_enabled  # opening it changed nothing

    # RFC 8058: the mail client POSTs this body to the List-Unsubscribe URL, nothing else.
    resp = client.post(
        url, data="List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert resp.status_code == 200
    db.session.expire_all()
    user = db.session.get(User, member.id)
    assert user.digest_enabled is False and user.reminders_enabled is True
    assert audits(db, "unsubscribe") == 1
    assert client.post(url).status_code == 200 and audits(db, "unsubscribe") == 1

    reminders = path(unsubscribe_url(member, "reminders"), app)
    client.post(reminders)
    db.session.expire_all()
    assert db.session.get(User, member.id).reminders_enabled is False


def test_unsubscribe_links_are_signed(client, member):
    assert client.post("/unsubscribe/eyJ1IjoxLCJsIjoiZGlnZXN0In0.forged.sig").status_code == 400


def test_done_link_works_for_the_assignee_only(app, client, db, member):
    a = make_assignment(member, due_on=date(2026, 3, 9))
    intruder = UserFactory()
    url = path(
        link_url("done", a=a.id, v=a.version, u=intruder.id), app
    )  # a genuine token for someone else
    assert "reassigned" in client.get(url).get_data(as_text=True)
    assert db.session.get(Assignment, a.id).status == "open"


def test_a_done_link_used_again_after_a_coordinator_reopened_the_work_is_refused(
    app, client, db, member
):
    from crm.assignments import services as assignments

    coordinator = UserFactory(role="coordinator")
    a = make_assignment(member, due_on=date(2026, 3, 9), title="Send the one-pager")
    url = path(link_url("done", a=a.id, v=a.version, u=member.id), app)
    click(client, url)
    db.session.refresh(a)
    assert a.status == "done"
    assignments.set_status(coordinator, a, "open", utcnow())  # "not done after all"

    page = client.get(url)
    assert page.status_code == 409
    text = page.get_data(as_text=True)
    assert "This link cannot be used" in text and "has changed since this email was sent" in text
    csrf = CSRF_RE.search(client.get("/login").get_data(as_text=True)).group(1)
    again = client.post(url, data={"csrf_token": csrf})
    assert again.status_code == 409
    db.session.refresh(a)
    assert a.status == "open" and audits(db, "complete") == 1


def test_a_link_stops_acting_once_the_assignment_changed(app, client, db, member):
    """Changed after the email was written (here: snoozed from it), the done link is refused;
    the snooze link of the same email still answers "already snoozed" on a second click."""
    a = make_assignment(member, due_on=date(2026, 3, 9))
    done = path(link_url("done", a=a.id, v=a.version, u=member.id), app)
    snooze = path(link_url("snooze", a=a.id, v=a.version, u=member.id), app)
    old_style = path(link_url("done", a=a.id, u=member.id), app)  # no state: never acts
    assert client.get(old_style).status_code == 409
    click(client, snooze)
    _, again = click(client, snooze)
    assert again.status_code == 200 and "Already snoozed" in again.get_data(as_text=True)
    assert client.get(done).status_code == 409
    db.session.refresh(a)
    assert a.status == "open" and a.snoozed_until is not None
