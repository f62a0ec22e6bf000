"""Every form of the app submitted through the browser, on the app served by gunicorn.

SUBMITTED_BY says which test submits each POST endpoint of the url_map; a POST endpoint missing
from it fails `test_every_form_is_submitted_in_a_browser`, so a new form cannot go untried. Each
submission checks in the served app's access log that the POST reached its endpoint and was
accepted (no 400 for a missing token, no 422, no 500).
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from tests.served.conftest import EMAILS, seed_world
from tests.serving import endpoint_of, sign_in_state
from tests.test_access import EXPECTED, ROUTES

pytestmark = pytest.mark.browser

SUBMITTED_BY = {
    "auth.login": "test_account_forms",
    "auth.logout": "test_account_forms",
    "settings.profile": "test_account_forms",
    "settings.regenerate_calendar": "test_account_forms",
    "admin.users": "test_account_forms",
    "auth.accept_invitation": "test_account_forms",
    "admin.change_role": "test_admin_forms",
    "admin.deactivate": "test_admin_forms",
    "admin.activate": "test_admin_forms",
    "admin.resend_notification": "test_admin_forms",
    "admin.confirm_delivered": "test_admin_forms",
    "imports.index": "test_admin_forms",
    "imports.retry": "test_import_retry_form",
    "people.create": "test_directory_forms",
    "people.edit": "test_directory_forms",
    "people.delete": "test_directory_forms",
    "people.restore": "test_directory_forms",
    "policy.record_position": "test_directory_forms",
    "interactions.quick_log": "test_contact_forms",
    "interactions.edit": "test_contact_forms",
    "interactions.delete": "test_contact_forms",
    "interactions.restore": "test_contact_forms",
    "assignments.create": "test_assignment_forms",
    "assignments.edit": "test_assignment_forms",
    "assignments.set_status": "test_assignment_forms",
    "assignments.snooze": "test_assignment_forms",
    "assignments.reassign": "test_assignment_forms",
    "assignments.complete": "test_assignment_forms",
    "assignments.delete": "test_assignment_forms",
    "assignments.restore": "test_assignment_forms",
    "assignments.follow_ups": "test_assignment_forms",
    "assignments.update_follow_up": "test_assignment_forms",
    "campaigns.create": "test_campaign_forms",
    "campaigns.edit": "test_campaign_forms",
    "campaigns.assign": "test_campaign_forms",
    "campaigns.delete": "test_campaign_forms",
    "policy.edit_issue": "test_policy_forms",
    "policy.edit_bill": "test_policy_forms",
    "policy.mark_commitment": "test_policy_forms",
    "links.done": "test_link_forms",
    "links.snooze": "test_link_forms",
    "links.unsubscribe": "test_link_forms",
    "bills.track": "test_bill_and_conrad30_forms",
    "conrad30.edit": "test_bill_and_conrad30_forms",
    "events.edit": "test_advocacy_day_forms",
    "events.add_targets": "test_advocacy_day_forms",
    "events.remove_target": "test_advocacy_day_forms",
    "events.propose": "test_advocacy_day_forms",
    "events.add_meeting": "test_advocacy_day_forms",
    "events.delete_meeting": "test_advocacy_day_forms",
    # Logged from a member's schedule on a phone, in test_served_advocacy_day.py.
    "events.debrief": "test_debrief_from_the_schedule_on_a_phone",
    "organizations.create": "test_organization_forms",
    "organizations.edit": "test_organization_forms",
    "organizations.retire": "test_organization_forms",
    "organizations.reinstate": "test_organization_forms",
    "duplicates.merge": "test_duplicate_forms",
    "duplicates.not_duplicate": "test_duplicate_forms",
    "inbound.file": "test_inbound_review_forms",
    "inbound.link": "test_inbound_review_forms",
    "inbound.discard": "test_inbound_review_forms",
    "tags.create": "test_tag_forms",
    "tags.rename": "test_tag_forms",
    "tags.retire": "test_tag_forms",
    "tags.reinstate": "test_tag_forms",
    "tags.person": "test_tag_forms",
    "tags.organization": "test_tag_forms",
    "tags.interaction": "test_tag_forms",
    "lists.create": "test_list_forms",
    "lists.delete": "test_list_forms",
    "staff.add": "test_staff_forms",
    "staff.end": "test_staff_forms",
    "staff.move": "test_staff_forms",
    "intake.upload": "test_intake_forms",
    "intake.mapping": "test_intake_forms",
    "intake.check": "test_intake_forms",
    # Submitted in a browser by the accounts and history tests (tests/auth/, tests/history/).
    "auth.forgot_password": "test_reset_a_forgotten_password_from_the_email",
    "auth.reset_password": "test_reset_a_forgotten_password_from_the_email",
    "settings.change_password": "test_change_my_password_signs_out_my_other_browser",
    "settings.two_factor": "test_set_up_two_factor_and_sign_in_with_it",
    "auth.two_factor": "test_set_up_two_factor_and_sign_in_with_it",
    "history.restore": "test_restore_from_the_trash_in_the_browser",
    "settings.api_tokens_page": "test_api_token_forms",
    "admin.send_password_reset": "test_an_admin_sends_a_reset_link",
    "settings.disable_two_factor": "test_new_recovery_codes_then_two_factor_off",
    "settings.new_recovery_codes": "test_new_recovery_codes_then_two_factor_off",
    "settings.end_other_sessions": "test_sign_out_everywhere_else",
    "settings.revoke_api_token": "test_api_token_forms",
}


# POST endpoints no browser test submits yet, listed so the gap stays visible (a stale entry
# fails the registry test). Empty: every form of the app is submitted in a browser.
NOT_YET_SUBMITTED: set[str] = set()


def test_every_form_is_submitted_in_a_browser():
    # The API's POSTs take JSON with a token, not forms (tests/served/test_served_api.py).
    posts = {e for e, _, method in ROUTES if method == "POST" and EXPECTED[e] != "token"}
    assert not NOT_YET_SUBMITTED & set(SUBMITTED_BY), "submitted now: drop it from the gap list"
    assert NOT_YET_SUBMITTED <= posts, "stale entries in NOT_YET_SUBMITTED"
    missing = posts - set(SUBMITTED_BY) - NOT_YET_SUBMITTED
    assert not missing, f"POST endpoints no browser test submits: {sorted(missing)}"
    assert not set(SUBMITTED_BY) - posts, "stale entries in SUBMITTED_BY"
    from tests.auth import test_accounts_browser
    from tests.history import test_history_browser
    from tests.served import test_served_advocacy_day as day

    tests = {**vars(day), **vars(test_accounts_browser), **vars(test_history_browser), **globals()}
    assert all(callable(tests.get(name)) for name in SUBMITTED_BY.values())


class Driver:
    """A signed-in page on the served app that submits forms and checks they were accepted."""

    def __init__(self, app, served_app, page):
        self.app, self.served, self.page = app, served_app, page
        self.submitted: set[str] = set()

    def go(self, path: str) -> None:
        response = self.page.goto(self.served.url(path))
        assert response.status < 400, (path, response.status)

    def form(self, action: str | None = None):
        if action is None:
            return self.page.locator("main form[method=post]:not([action])").first
        return self.page.locator(f'form[action="{action}"]').first

    def submit(self, endpoint: str, form=None, button: str | None = None) -> None:
        """Click the form's submit button; the POST must reach `endpoint` and be accepted."""
        form = form if form is not None else self.form()
        target = (
            form.get_by_role("button", name=button, exact=True)
            if button
            else form.locator("button[type=submit], button:not([type]), input[type=submit]").first
        )
        mark = self.served.mark()
        with self.page.expect_response(lambda r: r.request.method == "POST"):
            target.click()
        self.page.wait_for_load_state("load")
        posts = [
            status
            for _, _, status in self.served.requests_until(
                mark,
                lambda method, path, _: (
                    method == "POST" and endpoint_of(self.app, method, path) == endpoint
                ),
                f"a POST to {endpoint}",
            )
        ]
        assert posts, f"no POST reached {endpoint}: {self.served.requests(mark)}"
        problems = self.page.locator(".invalid-feedback, .alert-danger").all_inner_texts()
        assert posts[-1] in (200, 302, 303), f"{endpoint} answered {posts[-1]}: {problems}"
        assert "Something went wrong" not in self.page.content()
        self.submitted.add(endpoint)

    def flash(self) -> str:
        return " ".join(self.page.locator(".alert").all_inner_texts())

    def done(self, test_name: str) -> None:
        """Every endpoint the registry gives this test was submitted."""
        mine = {e for e, t in SUBMITTED_BY.items() if t == test_name}
        assert mine <= self.submitted, f"not submitted: {sorted(mine - self.submitted)}"


@pytest.fixture
def driver(app, browser, served_app):
    """driver(role) -> a Driver on a fresh world, signed in as that role."""
    world = seed_world()
    contexts = []

    def make(role: str = "coordinator") -> Driver:
        state = sign_in_state(browser, served_app, EMAILS[role]) if role != "anonymous" else None
        context = browser.new_context(storage_state=state, viewport={"width": 1280, "height": 900})
        context.set_default_timeout(10000)
        contexts.append(context)
        d = Driver(app, served_app, context.new_page())
        d.world = world
        return d

    yield make
    for context in contexts:
        context.close()


def test_directory_forms(driver):
    d = driver("coordinator")
    d.go("/people/new")
    d.page.fill("#first_name", "Alex")
    d.page.fill("#last_name", "Padilla")
    d.page.select_option("#state", "CA")
    d.submit("people.create")
    person_path = d.page.url.removeprefix(d.served.base)
    assert re.fullmatch(r"/people/\d+", person_path), person_path
    d.page.get_by_role("link", name="Edit", exact=True).click()
    d.page.fill("#title", "Senator")
    d.submit("people.edit")
    assert "Saved" in d.flash()
    # A legislator entered without chamber or district read "CA House District None".
    assert "District None" not in d.page.inner_text("main")
    d.page.get_by_text("Record a position").click()
    form = d.form(f"{person_path}/positions")
    form.locator("select[name=subject]").select_option(index=1)
    form.locator("select[name=stance]").select_option("support")
    d.submit("policy.record_position", form)
    d.go(f"{person_path}/edit")
    d.submit("people.delete", d.form(f"{person_path}/delete"))
    d.go(person_path)
    d.submit("people.restore", d.form(f"{person_path}/restore"))
    d.done("test_directory_forms")


def test_contact_forms(driver):
    d = driver("coordinator")
    d.go("/log")
    d.page.get_by_label("Who did you contact?").fill("cornyn")
    d.page.get_by_role("option", name=re.compile("John Cornyn")).click()
    d.page.get_by_label("Subject").fill("Conrad 30 follow-up")
    d.submit("interactions.quick_log", d.form())
    assert "Logged" in d.flash()
    interaction_id = d.world.ids["interaction_id"]
    d.go(f"/interactions/{interaction_id}/edit")
    d.page.get_by_label("Subject").fill("Conrad 30 meeting (edited)")
    d.submit("interactions.edit", d.form())
    d.go(f"/interactions/{interaction_id}")
    d.submit("interactions.delete", d.form(f"/interactions/{interaction_id}/delete"))
    d.go(f"/interactions/{interaction_id}")
    d.submit("interactions.restore", d.form(f"/interactions/{interaction_id}/restore"))
    d.done("test_contact_forms")


def test_assignment_forms(driver):
    d = driver("coordinator")
    d.go("/assignments/new")
    d.page.locator("#people-search").fill("cantwell")
    d.page.get_by_role("option", name=re.compile("Maria Cantwell")).click()
    d.page.fill("#title", "Ask about the Conrad 30 letter")
    d.page.select_option("#assignee_id", label="Mia Member")
    form = d.form()
    d.submit("assignments.create", form)
    if d.page.get_by_label("Assign anyway").count():  # the collision guard asks first
        d.page.get_by_label("Assign anyway").check()
        d.submit("assignments.create", d.form())
    path = d.page.url.removeprefix(d.served.base).split("?")[0]
    assert re.fullmatch(r"/assignments/\d+", path), path
    d.go(f"{path}/edit")
    d.page.fill("#title", "Ask about the Conrad 30 letter (edited)")
    d.submit("assignments.edit", d.form())
    d.go(path)
    d.submit("assignments.set_status", d.form(f"{path}/status"), button=None)
    d.submit("assignments.snooze", d.form(f"{path}/snooze"))
    form = d.form(f"{path}/reassign")
    form.locator("select").select_option(label="Cora Coordinator")
    d.submit("assignments.reassign", form)
    if d.page.get_by_label("Reassign anyway").count():
        d.page.get_by_label("Reassign anyway").check()
        d.submit("assignments.reassign", d.form(f"{path}/reassign"))
    d.submit("assignments.complete", d.form(f"{path}/complete"))
    d.submit("assignments.delete", d.form(f"{path}/delete"))
    d.go(path)
    d.submit("assignments.restore", d.form(f"{path}/restore"))
    d.go("/assignments/follow-ups")
    d.page.fill("#label", "Send the one-pager")
    d.submit("assignments.follow_ups", d.form())
    template_id = d.world.ids["template_id"]
    form = d.form(f"/assignments/follow-ups/{template_id}")
    form.locator(f"#t{template_id}-label").fill("Thank-you note (edited)")
    d.submit("assignments.update_follow_up", form)
    assert "Saved" in d.flash()
    d.done("test_assignment_forms")


def test_campaign_forms(driver):
    d = driver("coordinator")
    d.go("/campaigns/new")
    d.page.fill("#state", "FL")
    d.page.get_by_role("button", name="Preview").click()
    d.page.wait_for_url("**state=FL**")
    d.page.fill("#name", "Florida delegation")
    d.submit("campaigns.create", d.form())
    path = d.page.url.removeprefix(d.served.base).split("?")[0]
    assert re.fullmatch(r"/campaigns/\d+", path), path
    d.go(f"{path}/edit")
    d.page.fill("#name", "Florida delegation, spring")
    d.submit("campaigns.edit", d.form())
    d.go(f"{path}/assign")
    d.submit("campaigns.assign", d.page.locator("main form[method=post]").first)
    assert "assign" in d.flash().lower()
    d.go(path)
    d.submit("campaigns.delete", d.form(f"{path}/delete"))
    d.done("test_campaign_forms")


def test_policy_forms(driver):
    d = driver("coordinator")
    d.go("/issues/new")
    d.page.fill("#name", "H-1B portability")
    d.submit("policy.edit_issue", d.form())
    d.go("/bills/new")
    d.page.fill("#session", "119")
    d.page.fill("#number", "S. 1234")
    d.page.fill("#title", "Doctors for Underserved Areas Act")
    d.submit("policy.edit_bill", d.form())
    # F2: the whip board's Mark form rendered without its CSRF token and answered 400.
    d.go(f"/issues/{d.world.ids['issue_id']}/whip")
    form = d.page.locator("#whip-commitments form.commitment-form").first
    form.locator("select").select_option("kept")
    d.submit("policy.mark_commitment", form)
    assert "Commitment marked kept" in d.flash()
    d.done("test_policy_forms")


def test_admin_forms(driver, tmp_path):
    d = driver("admin")
    other = d.world.ids["user_id"]
    d.go("/admin/users")
    form = d.form(f"/admin/users/{other}/role")
    form.locator("select").select_option("coordinator")
    d.submit("admin.change_role", form)
    d.submit("admin.deactivate", d.form(f"/admin/users/{other}/deactivate"))
    d.submit("admin.activate", d.form(f"/admin/users/{other}/activate"))
    d.go("/admin/status")
    n = d.world.ids["notification_id"]
    d.submit("admin.resend_notification", d.form(f"/admin/status/notifications/{n}/resend"))
    d.go("/admin/status")
    n = d.world.ids["unknown_notification_id"]
    d.submit("admin.confirm_delivered", d.form(f"/admin/status/notifications/{n}/delivered"))
    d.go("/admin/imports/")
    upload = tmp_path / "legislators-current.yaml"
    upload.write_text("- id: {bioguide: X000001}\n  name: {first: Test, last: Person}\n")
    d.page.get_by_label("Files").set_input_files(str(upload))
    d.page.check("#dry_run")
    d.submit("imports.index", d.form())
    d.done("test_admin_forms")


def test_account_forms(app, driver, browser, served_app):
    from crm.models import DevMail

    d = driver("admin")
    d.go("/settings/")
    d.page.fill("#organization", "Taskforce HQ")
    d.submit("settings.profile", d.form())
    d.submit("settings.regenerate_calendar", d.form("/settings/calendar#calendar"))
    d.go("/admin/users")
    d.page.fill("#email", "newcomer@example.org")
    d.page.fill("#name", "Nia Newcomer")
    d.submit("admin.users", d.form())
    from crm.extensions import db

    mail = db.session.scalars(
        db.select(DevMail).where(DevMail.to_email == "newcomer@example.org")
    ).one()
    link = re.search(r"https?://\S+/invitation/\S+", mail.text_body).group(0)
    path = "/invitation/" + link.split("/invitation/", 1)[1].rstrip(".,)")
    # Sign out through the menu, then accept the invitation as the newcomer.
    d.page.get_by_role("button", name="Ada Admin", exact=True).click()
    d.submit("auth.logout", d.form("/logout"))
    d.go(path)
    d.page.fill("#password", "a long enough passphrase 42")
    d.page.fill("#confirm", "a long enough passphrase 42")
    d.submit("auth.accept_invitation", d.form())
    if "/login" in d.page.url:
        d.page.get_by_label("Email").fill("newcomer@example.org")
        d.page.get_by_label("Password").fill("a long enough passphrase 42")
        d.submit("auth.login", d.form())
    else:  # signed in by the invitation: sign out and in again through the form
        d.page.get_by_role("button", name=re.compile("Nia Newcomer")).click()
        d.submit("auth.logout", d.form("/logout"))
        d.go("/login")
        d.page.get_by_label("Email").fill("newcomer@example.org")
        d.page.get_by_label("Password").fill("a long enough passphrase 42")
        d.submit("auth.login", d.form())
    assert d.page.url.rstrip("/") == served_app.base
    d.done("test_account_forms")


def test_link_forms(app, driver, served_app, monkeypatch):
    """The one-click links of a reminder email, opened from the dev mailbox and confirmed."""
    from crm.clock import utcnow
    from crm.extensions import db
    from crm.models import Assignment, DevMail
    from crm.reminders.services import dispatch_due_reminders

    d = driver("member")
    monkeypatch.setitem(app.config, "BASE_URL", served_app.base)
    monkeypatch.setitem(app.config, "REMINDER_HOURS", "0-24")
    dispatch_due_reminders(utcnow() + timedelta(minutes=1))
    mail = db.session.scalars(
        db.select(DevMail).where(DevMail.to_email == EMAILS["member"]).order_by(DevMail.id.desc())
    ).first()
    assert mail is not None, "no reminder in the dev mailbox"
    links = re.findall(re.escape(served_app.base) + r"/\S+", mail.text_body)
    snooze = next(u for u in links if "/links/snooze/" in u)
    unsubscribe = next(
        (u for u in links if "/unsubscribe/" in u),
        None,
    ) or next(iter(re.findall(r"<(http[^>]+/unsubscribe/[^>]+)>", str(mail.headers))), None)
    assert unsubscribe, "the reminder has no unsubscribe link"
    d.page.goto(snooze)
    d.submit("links.snooze", d.page.locator("main form[method=post]").first)
    # A link is bound to its assignment's state, so the snooze made this mail's Done link stale:
    # mark it done from the reminder sent once the snooze is over.
    dispatch_due_reminders(utcnow() + timedelta(days=8))
    mail = db.session.scalars(
        db.select(DevMail).where(DevMail.to_email == EMAILS["member"]).order_by(DevMail.id.desc())
    ).first()
    done = next(
        u
        for u in re.findall(re.escape(served_app.base) + r"/\S+", mail.text_body)
        if "/links/done/" in u
    )
    d.page.goto(done)
    d.submit("links.done", d.page.locator("main form[method=post]").first)
    d.page.goto(unsubscribe)
    d.submit("links.unsubscribe", d.page.locator("main form[method=post]").first)
    db.session.expire_all()
    assert db.session.scalars(db.select(Assignment).where(Assignment.status == "done")).first()
    d.done("test_link_forms")


def test_import_retry_form(app, browser, tmp_path):
    """An import no worker picked up offers "Send it to the queue again": that needs the app
    served with a real job queue (Redis) and no worker, so it gets a gunicorn of its own."""
    import os

    import redis

    from crm.clock import utcnow
    from crm.extensions import db
    from crm.models import ImportRun
    from tests.jobs.conftest import service_missing
    from tests.serving import ServedApp

    redis_url = os.environ.get("CRM_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    try:
        redis.Redis.from_url(redis_url, socket_connect_timeout=2).ping()
    except Exception as exc:
        service_missing(f"Redis is not reachable at {redis_url}: {exc}")
    world = seed_world()
    queued = ImportRun(kind="congress", source="missing.yaml", status="queued", created_at=utcnow())
    db.session.add(queued)
    db.session.commit()
    served = ServedApp(
        app.config["SQLALCHEMY_DATABASE_URI"],
        tmp_path,
        workers=1,
        jobs_mode="celery",
        CRM_REDIS_URL=redis_url,
    ).start()
    context = browser.new_context(storage_state=sign_in_state(browser, served, EMAILS["admin"]))
    context.set_default_timeout(15000)
    try:
        d = Driver(app, served, context.new_page())
        d.world = world
        d.go(f"/admin/imports/{queued.id}")
        form = d.form(f"/admin/imports/{queued.id}/retry")
        form.wait_for()  # the status poll asks the queue whether a worker listens
        d.submit("imports.retry", form)
        assert "Sent to the job queue again" in d.flash()
        d.done("test_import_retry_form")
    finally:
        context.close()
        served.stop()
        redis.Redis.from_url(redis_url).delete("celery")


def test_bill_and_conrad30_forms(driver):
    from crm.extensions import db
    from crm.models import Bill, Conrad30Year

    d = driver("coordinator")
    bill_id = d.world.ids["bill_id"]
    d.go(f"/bills/{bill_id}")
    d.page.get_by_role("button", name="Track this bill").click()
    d.page.wait_for_load_state("load")
    assert "tracked" in d.flash()
    d.submit("bills.track", d.form(f"/bills/{bill_id}/track"))  # and stop tracking it
    assert "no longer tracked" in d.flash()
    db.session.expire_all()
    assert db.session.get(Bill, bill_id).tracked is False
    d.go("/conrad30/TX/2027")
    d.page.get_by_label("Slots used (of 30)").fill("12")
    d.page.get_by_label("Flex slots used (of 10)").fill("3")
    d.submit("conrad30.edit", d.form())
    assert "Saved Texas, FY2027" in d.flash()
    year = db.session.scalars(
        db.select(Conrad30Year).where(Conrad30Year.state == "TX", Conrad30Year.fiscal_year == 2027)
    ).one()
    assert (year.slots_used, year.flex_used) == (12, 3)
    d.done("test_bill_and_conrad30_forms")


def test_advocacy_day_forms(driver):
    from crm.clock import utcnow
    from crm.extensions import db
    from crm.models import AdvocacyDay, DayMeeting, DayTarget

    d = driver("coordinator")
    d.go("/days/new")
    d.page.get_by_label("Name").fill("Texas fly-in")
    d.page.get_by_label("Date").fill((utcnow().date() + timedelta(days=40)).isoformat())
    d.page.get_by_label("Members attending").select_option(label=["Mia Member", "Cora Coordinator"])
    d.submit("events.edit", d.form())
    path = d.page.url.removeprefix(d.served.base)
    assert re.fullmatch(r"/days/\d+", path), path
    day_id = int(path.rsplit("/", 1)[1])
    day = lambda: db.session.get(AdvocacyDay, day_id)  # noqa: E731
    assert day().name == "Texas fly-in" and len(day().members) == 2
    form = d.form(f"{path}/targets")
    form.get_by_label("Members of Congress from (state codes)").fill("TX")
    form.get_by_label("Chamber").select_option(label="Senate")
    d.submit("events.add_targets", form)
    assert "2 offices added" in d.flash()
    form = d.form(f"{path}/targets")
    form.get_by_label("Or one office (person id)").fill(str(d.world.people["Fletcher"]))
    d.submit("events.add_targets", form)
    cruz = d.world.people["Cruz"]
    d.submit("events.remove_target", d.form(f"{path}/targets/{cruz}/remove"))
    db.session.expire_all()
    targets = set(
        db.session.scalars(db.select(DayTarget.person_id).where(DayTarget.day_id == day_id))
    )
    assert targets == {d.world.people["Cornyn"], d.world.people["Fletcher"]}
    d.submit("events.propose", d.form(f"{path}/propose"))
    assert "Scheduled 2 meetings" in d.flash()
    meeting_id, office = db.session.execute(
        db.select(DayMeeting.id, DayMeeting.person_id).where(DayMeeting.day_id == day_id)
    ).first()
    d.submit("events.delete_meeting", d.form(f"/days/meetings/{meeting_id}/delete"))
    db.session.expire_all()
    assert db.session.get(DayMeeting, meeting_id) is None
    form = d.form(f"{path}/meetings")
    form.get_by_label("Office").select_option(str(office))
    form.get_by_label("Time").fill("15:30")
    form.get_by_label("Attending").select_option(label="Mia Member")
    d.submit("events.add_meeting", form)
    assert "Meeting added" in d.flash()
    db.session.expire_all()
    added = db.session.scalars(
        db.select(DayMeeting).where(DayMeeting.day_id == day_id, DayMeeting.person_id == office)
    ).one()
    assert [u.name for u in added.members] == ["Mia Member"]
    d.done("test_advocacy_day_forms")


def test_organization_forms(driver):
    from crm.extensions import db
    from crm.models import Organization

    d = driver("coordinator")
    d.go("/organizations/new")
    d.page.get_by_label("Name").fill("Texas Medical Board")
    d.page.get_by_label("Jurisdiction").select_option("TX")
    d.submit("organizations.create", d.form())
    path = d.page.url.removeprefix(d.served.base)
    assert re.fullmatch(r"/organizations/\d+", path), path
    org_id = int(path.rsplit("/", 1)[1])
    d.go(f"{path}/edit")
    d.page.get_by_label("Phone").fill("512-305-7010")
    d.submit("organizations.edit", d.form())
    assert "Saved" in d.flash()
    d.submit("organizations.retire", d.form(f"{path}/retire"))
    db.session.expire_all()
    assert db.session.get(Organization, org_id).retired_at is not None
    d.submit("organizations.reinstate", d.form(f"{path}/reinstate"))
    db.session.expire_all()
    org = db.session.get(Organization, org_id)
    assert (org.name, org.phone, org.retired_at) == ("Texas Medical Board", "+15123057010", None)
    d.done("test_organization_forms")


def test_duplicate_forms(driver):
    from crm.clock import utcnow
    from crm.extensions import db
    from crm.models import ImportRun, NotDuplicate, Person
    from tests.factories import PersonFactory

    d = driver("coordinator")
    keep = PersonFactory(first_name="Jon", last_name="Cornyn", state="TX", email=None)
    merged = PersonFactory(
        first_name="John", last_name="Cornyn", state="TX", email="jc@example.org"
    )
    imported = PersonFactory(first_name="Ted", last_name="Cruz", state="TX", bioguide_id="C001098")
    run = ImportRun(
        kind="congress",
        source="legislators-current.yaml",
        status="done",
        created_at=utcnow(),
        finished_at=utcnow(),
        changes=[
            {
                "action": "review",
                "entity": "person",
                "key": "C001098",
                "name": "Ted Cruz",
                "other_id": d.world.people["Cruz"],
                "message": "Ted Cruz (C001098) may be the same as Ted Cruz",
            }
        ],
    )
    db.session.add(run)
    db.session.commit()
    d.go(f"/people/{keep.id}/merge?with={merged.id}")
    d.page.get_by_role("radio", name="John", exact=True).check()
    d.submit("duplicates.merge", d.form())
    assert "Merged" in d.flash()
    db.session.expire_all()
    assert db.session.get(Person, merged.id).merged_into_id == keep.id
    assert (db.session.get(Person, keep.id).first_name, keep.email) == ("John", "jc@example.org")
    merged_by, d = d, driver("admin")  # an import's report is the admins' page
    d.go(f"/admin/imports/{run.id}")
    form = d.form(f"/people/{d.world.people['Cruz']}/not-duplicate")
    d.submit("duplicates.not_duplicate", form)
    assert "is not" in d.flash()
    assert d.page.url.removeprefix(d.served.base) == f"/admin/imports/{run.id}"
    assert (
        db.session.scalars(
            db.select(NotDuplicate).where(NotDuplicate.person_id == d.world.people["Cruz"])
        )
        .one()
        .other_key
        == "C001098"
    )
    assert imported.id
    d.submitted |= merged_by.submitted
    d.done("test_duplicate_forms")


def test_intake_forms(driver, tmp_path):
    from crm.extensions import db
    from crm.models import Person

    d = driver("coordinator")
    upload = tmp_path / "contacts.csv"
    upload.write_text("Contact,Where,Mail\nGrace Hopper,TX,grace@example.org\n")
    d.go("/intake/")
    d.page.get_by_label("CSV or Excel file").set_input_files(str(upload))
    d.page.get_by_label("It holds").select_option("people")
    d.submit("intake.upload", d.form())
    path = d.page.url.removeprefix(d.served.base)
    assert re.fullmatch(r"/intake/\d+", path), path
    d.page.get_by_label("Where").select_option("state")
    d.page.get_by_label("Mail").select_option("email")
    d.page.get_by_label("Contact", exact=True).select_option("full_name")
    d.submit("intake.mapping", d.form())
    assert d.page.url.removeprefix(d.served.base) == f"{path}/check"
    d.submit("intake.check", d.form())
    assert "Imported: 1 created" in d.flash()
    person = db.session.scalars(db.select(Person).where(Person.email == "grace@example.org")).one()
    assert (person.full_name, person.state) == ("Grace Hopper", "TX")
    d.done("test_intake_forms")


def test_inbound_review_forms(driver):
    """A coordinator works through the review queue: files one email (a member and the people
    chosen with the picker), links one to a contact already logged, discards one."""
    from crm.clock import utcnow
    from crm.extensions import db
    from crm.inbound.services import ingest_message
    from crm.models import InboundMessage, Interaction
    from tests.inbound.messages import message

    d = driver("coordinator")
    more = [
        ingest_message(
            bytes(message(sender=f"someone{n}@elsewhere.example", to="nobody@elsewhere.example")),
            utcnow(),
        ).inbound_id
        for n in range(2)
    ]
    first = d.world.ids["item_id"]
    d.go("/inbound/")
    d.page.get_by_role("link", name="Conrad 30 reauthorization").first.click()
    assert d.page.url.removeprefix(d.served.base) == f"/inbound/{first}"
    d.page.get_by_label("Member who had the contact").select_option(label="Mia Member")
    # The directory's match is chosen already; add another person with the picker.
    assert d.page.locator("#chips").inner_text().strip() == "John Cornyn"
    d.page.locator("#people-search").fill("cantwell")
    d.page.get_by_role("option", name=re.compile("Maria Cantwell")).click()
    d.submit("inbound.file", d.form(f"/inbound/{first}/file"))
    contact_path = d.page.url.removeprefix(d.served.base)
    assert re.fullmatch(r"/interactions/\d+", contact_path), contact_path
    contact = db.session.get(Interaction, int(contact_path.rsplit("/", 1)[1]))
    assert contact.kind == "email" and contact.logged_by.name == "Mia Member"
    assert sorted(p.last_name for p in contact.people) == ["Cantwell", "Cornyn"]

    d.go(f"/inbound/{more[0]}")
    d.page.get_by_label("Contact number").fill(str(d.world.ids["interaction_id"]))
    d.submit("inbound.link", d.form(f"/inbound/{more[0]}/link"))
    assert "Linked" in d.flash()
    d.go(f"/inbound/{more[1]}")
    d.submit("inbound.discard", d.form(f"/inbound/{more[1]}/discard"))
    assert "Discarded" in d.flash()
    assert "Nothing is waiting" in d.page.inner_text("main")
    db.session.expire_all()
    assert [db.session.get(InboundMessage, i).status for i in (first, *more)] == [
        "filed",
        "linked",
        "discarded",
    ]
    d.done("test_inbound_review_forms")


def test_api_token_forms(driver):
    """Make a token in settings, copy it from the page, call the served API with it, revoke it:
    the same call is refused from then on."""
    import json
    import urllib.error
    import urllib.request

    d = driver("member")
    d.go("/settings/api-tokens")
    d.page.fill("#name", "Sign-up form sync")
    d.submit("settings.api_tokens_page", d.form())
    secret = d.page.locator("#new-token").input_value()
    assert secret.startswith("crm_pat_")

    def call() -> int:
        request = urllib.request.Request(
            d.served.url("/api/v1/issues"), headers={"Authorization": f"Bearer {secret}"}
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                json.load(response)
                return response.status
        except urllib.error.HTTPError as e:
            return e.code

    assert call() == 200
    d.go("/settings/api-tokens")  # shown once: a reload no longer has it
    assert d.page.locator("#new-token").count() == 0
    d.submit("settings.revoke_api_token", d.page.locator("form[action$='/revoke']").first)
    assert "revoked" in d.flash()
    assert call() == 401
    d.done("test_api_token_forms")


def test_tag_forms(driver):
    from crm.extensions import db
    from crm.models import Person, Tag, User, interaction_tags, organization_tags, person_tags
    from tests.factories import InteractionFactory, OrganizationFactory

    d = driver("coordinator")
    d.go("/tags/")
    d.page.get_by_label("Tag name").fill("Hill day 2027")
    d.submit("tags.create", d.form("/tags/new"))
    assert "Added the tag" in d.flash()
    tag = db.session.scalars(db.select(Tag).where(Tag.name == "Hill day 2027")).one()
    d.page.get_by_label("New name for Hill day 2027").fill("Hill day 2027 offices")
    d.submit("tags.rename", d.form(f"/tags/{tag.id}/rename"))
    d.submit("tags.retire", d.form(f"/tags/{tag.id}/retire"))
    d.submit("tags.reinstate", d.form(f"/tags/{tag.id}/reinstate"))
    db.session.expire_all()
    assert (tag.name, tag.retired_at) == ("Hill day 2027 offices", None)
    # A member tags a person, an organization and a contact from their pages.
    m = driver("member")
    person_id = m.world.people["Cruz"]
    org = OrganizationFactory(name="USCIS")
    contact = InteractionFactory(
        logged_by=db.session.get(User, m.world.users["member"]),
        people=[db.session.get(Person, person_id)],
    )
    for path, endpoint, table, column, record in (
        (f"/people/{person_id}", "tags.person", person_tags, "person_id", person_id),
        (
            f"/organizations/{org.id}",
            "tags.organization",
            organization_tags,
            "organization_id",
            org.id,
        ),
        (
            f"/interactions/{contact.id}",
            "tags.interaction",
            interaction_tags,
            "interaction_id",
            contact.id,
        ),
    ):
        m.go(path)
        m.page.get_by_label("Add a tag").select_option(label="Hill day 2027 offices")
        m.submit(endpoint, m.form(f"{path}/tags"))
        assert "Tagged" in m.flash()
        assert db.session.execute(db.select(table).where(table.c[column] == record)).all() == [
            (record, tag.id)
        ]
    m.page.get_by_role("button", name="Remove the tag Hill day 2027 offices").click()
    m.page.wait_for_load_state("load")
    assert "Took off" in m.flash()
    d.submitted |= m.submitted
    d.done("test_tag_forms")


def test_list_forms(driver):
    from crm.extensions import db
    from crm.models import Campaign, SavedList

    d = driver("coordinator")
    d.go("/people/?state=TX&chamber=upper")
    d.page.get_by_label("Name of the list").fill("TX senate pair")
    d.page.get_by_label("Share with everyone").check()
    d.submit("lists.create", d.form("/lists/"))
    assert "Saved the list" in d.flash()
    saved = db.session.scalars(db.select(SavedList).where(SavedList.name == "TX senate pair")).one()
    assert (saved.query, saved.shared) == ("chamber=upper&state=TX", True)
    # Opened in one click from the directory: its filters, as the directory is today.
    d.go("/people/")
    d.page.get_by_role("link", name="TX senate pair shared", exact=True).click()
    d.page.wait_for_load_state("load")
    rows = d.page.locator("table.directory tbody tr").all_inner_texts()
    assert sorted(r.split()[1] for r in rows) == ["Cornyn", "Cruz"], rows
    # A campaign from it follows it.
    d.page.get_by_role("link", name="Campaign for this list").click()
    d.page.get_by_label("Campaign name").fill("Texas senators push")
    d.page.get_by_role("button", name=re.compile("Save campaign")).click()
    d.page.wait_for_load_state("load")
    campaign = db.session.scalars(db.select(Campaign).where(Campaign.name == "Texas senators push"))
    assert campaign.one().saved_list_id == saved.id
    d.go("/people/")
    d.submit("lists.delete", d.form(f"/lists/{saved.id}/delete"))
    assert "Deleted the list" in d.flash()
    d.done("test_list_forms")


def test_staff_forms(driver):
    from crm.extensions import db
    from crm.models import StaffRole
    from tests.factories import OrganizationFactory, PersonFactory

    d = driver("coordinator")
    hrsa = OrganizationFactory(name="HHS HRSA")
    uscis = OrganizationFactory(name="USCIS")
    staffer = PersonFactory(kind="official", first_name="Ada", last_name="Okafor", state=None)
    # From the office's page: add a staffer.
    d.go(f"/organizations/{hrsa.id}")
    d.page.get_by_role("link", name="Add a staffer").click()
    d.page.get_by_label("Staffer").select_option(label="Ada Okafor")
    d.page.get_by_label("Portfolio").fill("workforce, Conrad 30")
    d.page.get_by_label("Started").fill("2025-09-01")
    d.submit("staff.add", d.form())
    assert d.page.url.removeprefix(d.served.base) == f"/organizations/{hrsa.id}"
    role = db.session.scalars(db.select(StaffRole).where(StaffRole.staff_id == staffer.id)).one()
    # From the person's page: move them, then end the new role.
    d.go(f"/people/{staffer.id}")
    d.page.get_by_role("link", name="Move").click()
    d.page.get_by_label("Office").select_option(label="USCIS (US)")
    d.page.get_by_label("Moved on").fill("2026-03-02")
    d.submit("staff.move", d.form())
    assert d.page.url.removeprefix(d.served.base) == f"/people/{staffer.id}"
    d.page.get_by_role("link", name="End").click()
    d.page.get_by_label("Left on").fill("2026-11-30")
    d.submit("staff.end", d.form())
    db.session.expire_all()
    rows = db.session.execute(
        db.select(StaffRole.organization_id, StaffRole.start_date, StaffRole.end_date)
        .where(StaffRole.staff_id == staffer.id)
        .order_by(StaffRole.id)
    ).all()
    assert [(o, str(s), str(e)) for o, s, e in rows] == [
        (hrsa.id, "2025-09-01", "2026-03-02"),
        (uscis.id, "2026-03-02", "2026-11-30"),
    ]
    assert role.id
    d.done("test_staff_forms")
