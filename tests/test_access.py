"""S1/S2: every route × method × role gets the expected status, and unsafe methods need CSRF.

The list of routes comes from the app's own url_map, so a new route without an entry in
EXPECTED fails `test_every_route_has_an_expected_role`.
"""

from __future__ import annotations

import re
from datetime import date

import pytest

from crm import create_app
from crm.api.tokens import create_token
from crm.clock import utcnow
from crm.models import (
    AdvocacyDay,
    ApiToken,
    Campaign,
    Committee,
    DayMeeting,
    DayTarget,
    DevMail,
    FollowUpTemplate,
    ImportRun,
    InboundMessage,
    IntakeUpload,
    Notification,
    Position,
    SavedList,
    StaffRole,
    Tag,
)
from tests.factories import (
    AssignmentFactory,
    BillFactory,
    InteractionFactory,
    IssueFactory,
    OrganizationFactory,
    PersonFactory,
    UserFactory,
)

_app = create_app("testing")
API_ENDPOINTS = sorted(
    {r.endpoint for r in _app.url_map.iter_rules() if r.endpoint.startswith("api.")}
)
# endpoint -> who may use it: "public", "member", "coordinator", "admin" or "token" (the API).
EXPECTED = {
    "main.dashboard": "member",
    "main.healthz": "public",
    "main.readyz": "public",
    "auth.login": "public",
    "auth.logout": "member",
    "auth.accept_invitation": "public",
    "auth.two_factor": "public",
    "auth.forgot_password": "public",
    "auth.reset_password": "public",
    "people.index": "member",
    "people.export": "member",
    "people.search": "member",
    "search.results": "member",
    "search.suggest": "member",
    "people.show": "member",
    "people.create": "coordinator",
    "people.edit": "coordinator",
    "people.delete": "coordinator",
    "people.restore": "coordinator",
    "duplicates.merge": "coordinator",
    "duplicates.not_duplicate": "coordinator",
    "briefs.show": "member",
    "briefs.pdf": "member",
    "organizations.index": "member",
    "organizations.show": "member",
    "organizations.create": "coordinator",
    "organizations.edit": "coordinator",
    "organizations.retire": "coordinator",
    "organizations.reinstate": "coordinator",
    "tags.index": "member",
    "tags.create": "coordinator",
    "tags.rename": "coordinator",
    "tags.retire": "coordinator",
    "tags.reinstate": "coordinator",
    "tags.person": "member",
    "tags.organization": "member",
    "tags.interaction": "member",
    "lists.create": "member",
    "lists.open": "member",
    "lists.export": "member",
    # The sample list is shared by the coordinator: a member deletes only their own lists
    # (tests/lists/test_lists.py).
    "lists.delete": "coordinator",
    "staff.add": "coordinator",
    "staff.end": "coordinator",
    "staff.move": "coordinator",
    "interactions.quick_log": "member",
    "interactions.last_contact": "member",
    "interactions.show": "member",
    # The sample interaction was logged by someone else: only coordinators may change it
    # (its author may too: see tests/interactions/test_interactions.py).
    "interactions.edit": "coordinator",
    "interactions.delete": "coordinator",
    "interactions.restore": "coordinator",
    "admin.users": "admin",
    "admin.change_role": "admin",
    "admin.deactivate": "admin",
    "admin.activate": "admin",
    "admin.send_password_reset": "admin",
    "admin.mailbox": "admin",
    "admin.mail": "admin",
    "admin.mail_html": "admin",
    "settings.profile": "member",
    "settings.regenerate_calendar": "member",
    "settings.change_password": "member",
    "settings.sessions": "member",
    "settings.end_other_sessions": "member",
    "settings.two_factor": "member",
    "settings.disable_two_factor": "member",
    "settings.new_recovery_codes": "member",
    # Outreach. The sample assignment belongs to the coordinator: a member's status, complete
    # and snooze posts are refused with a message (302), edits are 403.
    "work.my_work": "member",
    "work.touch": "member",
    "assignments.team": "coordinator",
    "assignments.create": "coordinator",
    "assignments.show": "member",
    "assignments.edit": "coordinator",
    "assignments.set_status": "member",
    "assignments.complete": "member",
    "assignments.snooze": "member",
    "assignments.reassign": "coordinator",
    "assignments.delete": "coordinator",
    "assignments.restore": "coordinator",
    "assignments.follow_ups": "coordinator",
    "assignments.update_follow_up": "coordinator",
    "assignments.calendar_feed": "public",
    "campaigns.index": "coordinator",
    "campaigns.create": "coordinator",
    "campaigns.edit": "coordinator",
    "campaigns.show": "coordinator",
    "campaigns.assign": "coordinator",
    "campaigns.delete": "coordinator",
    "imports.index": "admin",
    "imports.worker": "admin",
    "imports.show": "admin",
    "imports.status": "admin",
    "imports.retry": "admin",
    "policy.index": "member",
    "policy.issues_csv": "member",
    "policy.bills_csv": "member",
    "policy.edit_issue": "coordinator",
    "policy.edit_bill": "coordinator",
    "policy.issue_whip": "member",
    "policy.bill_whip": "member",
    "policy.issue_whip_csv": "member",
    "policy.bill_whip_csv": "member",
    "bills.show": "member",
    "bills.track": "coordinator",
    "conrad30.index": "member",
    "conrad30.export": "member",
    "conrad30.edit": "coordinator",
    "lobbying.index": "member",
    "lobbying.export_csv": "member",
    "lobbying.export_xlsx": "member",
    "inbound.queue": "coordinator",
    "inbound.review": "coordinator",
    "inbound.file": "coordinator",
    "inbound.link": "coordinator",
    "inbound.discard": "coordinator",
    "intake.upload": "coordinator",
    "intake.mapping": "coordinator",
    "intake.check": "coordinator",
    "intake.report": "coordinator",
    "intake.history_csv": "member",
    "events.index": "member",
    "events.edit": "coordinator",
    "events.show": "member",
    "events.add_targets": "coordinator",
    "events.remove_target": "coordinator",
    "events.propose": "coordinator",
    "events.add_meeting": "coordinator",
    "events.delete_meeting": "coordinator",
    "events.mine": "member",
    "events.mine_ics": "member",
    "events.briefs_pack": "member",
    # The sample meeting's attendee is the coordinator: a member's debrief post is refused.
    "events.debrief": "member",
    "policy.record_position": "member",
    "policy.mark_commitment": "coordinator",
    "reports.index": "member",
    "reports.coverage_csv": "member",
    "reports.activity_csv": "member",
    "reports.members": "coordinator",
    "reports.members_csv": "coordinator",
    "reports.not_contacted": "member",
    "reports.not_contacted_csv": "member",
    "admin.status": "admin",
    "admin.resend_notification": "admin",
    "admin.confirm_delivered": "admin",
    "digests.preview": "member",
    # Signed single-purpose links from emails: the token in the URL is the credential.
    "links.done": "public",
    "links.snooze": "public",
    "links.unsubscribe": "public",
    "history.person": "member",
    "history.interaction": "member",
    "history.assignment": "member",
    "history.audit": "admin",
    "history.trash": "coordinator",
    "history.restore": "coordinator",
    "settings.api_tokens_page": "member",
    "settings.revoke_api_token": "member",
    # The API's document and reference page are public; the API itself takes tokens only
    # (sessions get 401: test_api_routes_take_tokens_not_sessions).
    "api-docs.openapi_json": "public",
    "api_docs.docs": "public",
    **{endpoint: "token" for endpoint in API_ENDPOINTS},
}
RANK = {"anonymous": 0, "deactivated": 0, "member": 1, "coordinator": 2, "admin": 3}
NEEDED = {"public": 0, "member": 1, "coordinator": 2, "admin": 3}
ROLES = ["anonymous", "member", "coordinator", "admin", "deactivated"]

ROUTES = sorted(
    (rule.endpoint, rule.rule, method)
    for rule in _app.url_map.iter_rules()
    if rule.endpoint != "static"
    for method in sorted(rule.methods - {"HEAD", "OPTIONS"})
)


def test_every_route_has_an_expected_role():
    endpoints = {endpoint for endpoint, _, _ in ROUTES}
    missing = endpoints - set(EXPECTED)
    assert not missing, f"routes missing from the access matrix: {sorted(missing)}"
    assert not set(EXPECTED) - endpoints, "stale entries in the access matrix"


def sample_url(rule: str, ids: dict) -> str:
    url = rule
    for name, value in ids.items():
        url = re.sub(rf"<(?:\w+:)?{name}>", str(value), url)
    return url


@pytest.fixture
def sample(db, coordinator):
    """One record of each kind the routes address by id."""
    # Built for every one of ~1,250 tests: the records are not reloaded after each commit (only
    # their ids are used; every request of the test expires them anyway).
    session = db.session()
    session.expire_on_commit = False
    try:
        return make_sample(db, coordinator)
    finally:
        session.expire_on_commit = True
        session.expire_all()


def make_sample(db, coordinator) -> dict:
    victim = UserFactory(email="victim@example.org", name="Victim")
    organization = OrganizationFactory()
    person = PersonFactory(organization=organization)
    interaction = InteractionFactory(logged_by=coordinator, people=[person])
    mail = DevMail(
        to_email="x@example.org",
        subject="Hello",
        text_body="Hi",
        html_body="<p>Hi</p>",
        headers={},
        created_at=utcnow(),
    )
    run = ImportRun(kind="congress", source="sample", status="failed", created_at=utcnow())
    campaign = Campaign(name="Sample", target_filter={"state": "TX"}, created_by_id=coordinator.id)
    template = FollowUpTemplate(label="Thank-you note", due_in_days=1)
    db.session.add_all([mail, run, campaign, template])
    db.session.commit()
    assignment = AssignmentFactory(assignee=coordinator, created_by=coordinator, person=person)
    issue, bill = IssueFactory(), BillFactory()
    position = Position(
        person_id=person.id,
        issue_id=issue.id,
        stance="support",
        commitment="Will cosponsor",
        commitment_status="pending",
        recorded_by_id=coordinator.id,
        recorded_at=utcnow(),
    )
    notification = Notification(
        to_email="x@example.org",
        kind="test",
        subject_key="test",
        occurrence="1",
        status="failed",
        created_at=utcnow(),
        payload={"subject": "Hi", "text": "Hi"},
    )
    db.session.add_all([position, notification])
    db.session.commit()
    day = AdvocacyDay(name="Hill day", day=date(2027, 3, 10), members=[coordinator])
    day.targets.append(DayTarget(person_id=person.id))
    day.meetings.append(
        DayMeeting(
            person_id=person.id,
            starts_at=utcnow(),
            ends_at=utcnow(),
            members=[coordinator],
            lead_id=coordinator.id,
        )
    )
    db.session.add(day)
    upload = IntakeUpload(
        kind="people",
        filename="people.csv",
        data=b"Name,State\nAda Lovelace,TX\n",
        mapping={"0": "full_name", "1": "state"},
        created_by_id=coordinator.id,
    )
    db.session.add(upload)
    waiting = InboundMessage(
        message_id="<waiting@example.org>",
        status="review",
        reason="The sender is not a member of the coalition.",
        sender="stranger@example.org",
        subject="Hello",
        raw=b"From: stranger@example.org\r\nSubject: Hello\r\n\r\nHi\r\n",
        received_at=utcnow(),
    )
    db.session.add(waiting)
    committee = Committee(name="Judiciary", level="federal", jurisdiction="US", chamber="upper")
    db.session.add(committee)
    tag = Tag(name="Champion", name_key="champion")
    saved = SavedList(name="Texas", query="state=TX", owner_id=coordinator.id, shared=True)
    staffer = PersonFactory(kind="staff")
    db.session.add_all([tag, saved])
    db.session.flush()
    role = StaffRole(staff_id=staffer.id, organization_id=organization.id, title="Health LA")
    db.session.add(role)
    db.session.commit()
    create_token(coordinator, "sample", ["read"], 30, utcnow())
    return {
        "item_id": waiting.id,
        "role_id": role.id,
        "list_id": saved.id,
        "tag_id": tag.id,
        "person_id": person.id,
        "org_id": organization.id,
        "interaction_id": interaction.id,
        "user_id": victim.id,
        "mail_id": mail.id,
        "run_id": run.id,
        "token": "not-a-valid-token",
        "assignment_id": assignment.id,
        "campaign_id": campaign.id,
        "template_id": template.id,
        "issue_id": issue.id,
        "bill_id": bill.id,
        "position_id": position.id,
        "notification_id": notification.id,
        "day_id": day.id,
        "upload_id": upload.id,
        "meeting_id": day.meetings[0].id,
        "token_id": ApiToken.query.first().id,
        "committee_id": committee.id,
    }


def route_url(endpoint: str, rule: str, sample: dict) -> str:
    table = "targets" if endpoint.startswith("policy.") else "state"
    return sample_url(rule, {**sample, "table": table, "state": "TX", "fy": "2027"})


def sign_in_as(role, auth, member, coordinator, admin) -> str:
    """Sign in as the role; returns a CSRF token valid for the session the client now has."""
    if role == "anonymous":
        return auth.csrf()
    users = {"member": member, "coordinator": coordinator, "admin": admin}
    user = users.get(role) or UserFactory(email="deactivated@example.org", role="admin")
    auth.login(user.email)
    token = auth.token()
    if role == "deactivated":
        from crm.auth.services import set_active

        set_active(admin, user, False, utcnow())  # the session it had must stop working
    return token


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint,rule,method", ROUTES)
def test_route_role_matrix(
    endpoint, rule, method, role, client, auth, sample, member, coordinator, admin
):
    token = sign_in_as(role, auth, member, coordinator, admin)
    url = route_url(endpoint, rule, sample)
    if method == "GET":
        resp = client.get(url)
    else:
        resp = client.open(url, method=method, data={"csrf_token": token})
    if EXPECTED[endpoint] == "token":  # a session, whatever its role, does not sign in here
        assert resp.status_code == 401, resp.status_code
        return
    needed = NEEDED[EXPECTED[endpoint]]
    have = RANK[role]
    if needed == 0:
        assert resp.status_code < 500
    elif have == 0:
        assert resp.status_code in (302, 401), resp.status_code
        if resp.status_code == 302:
            assert resp.headers["Location"].startswith("/login")
    elif have < needed:
        assert resp.status_code == 403
    else:
        assert resp.status_code in (200, 302, 400, 409, 422), resp.status_code
        if resp.status_code == 302 and endpoint != "auth.logout":
            assert not resp.headers["Location"].startswith("/login")


# One-click links in emails (RFC 8058 unsubscribe, mark done, snooze) are posted by mail clients
# that cannot carry a CSRF token; a signed, single-purpose, expiring token protects them instead.
CSRF_EXEMPT = {"links.done", "links.snooze", "links.unsubscribe"}
UNSAFE = [
    (e, r, m)
    for e, r, m in ROUTES
    if m != "GET" and e not in CSRF_EXEMPT and EXPECTED[e] != "token"
]


@pytest.mark.parametrize("endpoint,rule,method", UNSAFE)
def test_unsafe_methods_need_a_csrf_token(endpoint, rule, method, client, auth, sample, admin):
    """S2: a forged post (no token, or a token from elsewhere) is refused and changes nothing."""
    auth.login(admin.email)
    url = route_url(endpoint, rule, sample)
    for data in ({}, {"csrf_token": "forged"}):
        resp = client.post(url, data=data)
        assert resp.status_code == 400, (url, data)


def test_get_never_changes_data(db, client, auth, sample, admin):
    """S2: GET on every route leaves the audit log as it was."""
    from crm.models import AuditEntry

    auth.login(admin.email)
    before = db.session.query(AuditEntry).count()
    for endpoint, rule, method in ROUTES:
        if method == "GET":
            client.get(route_url(endpoint, rule, sample))
    assert db.session.query(AuditEntry).count() == before


API_ROUTES = [(e, r, m) for e, r, m in ROUTES if EXPECTED[e] == "token"]


def api_headers(user, scopes, *, expired=False, revoked=False) -> dict:
    token, secret = create_token(user, "matrix", scopes, 7, utcnow())
    if expired:
        token.expires_at = utcnow().replace(year=2000)
    if revoked:
        token.revoked_at = utcnow()
    from crm.extensions import db

    db.session.commit()
    return {"Authorization": f"Bearer {secret}"}


@pytest.mark.parametrize("endpoint,rule,method", API_ROUTES)
def test_api_routes_take_tokens_not_sessions(
    endpoint, rule, method, client, auth, sample, admin, coordinator
):
    """S1 for the API: no token, an expired or revoked one, or only a session (even an admin's)
    is 401; a read token cannot write (403); a write token of a coordinator gets through to
    the resource (a success or a request error, never 401/403/5xx). CSRF never applies."""
    url = route_url(endpoint, rule, sample)
    body = {} if method != "GET" else None

    def call(headers):
        return client.open(url, method=method, json=body, headers=headers)

    assert call({}).status_code == 401
    auth.login(admin.email)
    assert call({}).status_code == 401  # the admin's session cookie is sent, and refused
    auth.logout()
    assert call(api_headers(coordinator, ["read"], expired=True)).status_code == 401
    assert call(api_headers(coordinator, ["read"], revoked=True)).status_code == 401
    assert call({"Authorization": "Bearer crm_pat_forged"}).status_code == 401
    read = call(api_headers(coordinator, ["read"]))
    if method == "GET":
        assert read.status_code == 200, read.get_json()
    else:
        assert read.status_code == 403
        write = call(api_headers(coordinator, ["read", "write"]))
        # Empty bodies: a validation error (422) or a missing If-Match (428), never 400 CSRF.
        assert write.status_code in (422, 428), (write.status_code, write.get_json())
