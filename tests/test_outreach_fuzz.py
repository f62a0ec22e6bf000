"""B1 for the outreach forms: arbitrary input never produces a server error (on both engines)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crm.models import Campaign, FollowUpTemplate
from tests.factories import AssignmentFactory, PersonFactory
from tests.test_fuzz import TEXT

# url (with {assignment}/{campaign}/{template} placeholders), role, fields
FORMS = [
    (
        "/assignments/new",
        "coordinator",
        [
            "people",
            "organization_id",
            "title",
            "assignee_id",
            "due_on",
            "priority",
            "issue_id",
            "bill_id",
            "campaign_id",
            "notes",
            "acknowledge",
        ],
    ),
    (
        "/assignments/{assignment}/edit",
        "coordinator",
        ["people", "title", "assignee_id", "due_on", "priority", "version", "acknowledge"],
    ),
    ("/assignments/{assignment}/status", "member", ["status", "version", "next"]),
    ("/assignments/{assignment}/snooze", "member", ["until", "days", "version", "next"]),
    ("/assignments/{assignment}/complete", "member", ["interaction_id", "version", "next"]),
    (
        "/assignments/{assignment}/reassign",
        "coordinator",
        ["assignee_id", "version", "acknowledge", "next"],
    ),
    ("/assignments/follow-ups", "coordinator", ["label", "due_in_days", "position", "active"]),
    (
        "/assignments/follow-ups/{template}",
        "coordinator",
        ["t{template}-label", "t{template}-due_in_days", "t{template}-position"],
    ),
    (
        "/log",
        "member",
        [
            "people",
            "occurred_at",
            "follow_ups",
            "custom_follow_up",
            "custom_due_in_days",
            "complete_assignments",
        ],
    ),
    (
        "/campaigns/new",
        "coordinator",
        [
            "name",
            "goal",
            "issue_id",
            "bill_id",
            "starts_on",
            "ends_on",
            "status",
            "state",
            "committee",
            "position_stance",
            "position_issue",
            "not_contacted_days",
        ],
    ),
    (
        "/campaigns/{campaign}/assign",
        "coordinator",
        ["title", "due_on", "priority", "strategy", "members", "assignee-{person}"],
    ),
]


@pytest.mark.parametrize("url,role,fields", FORMS, ids=[f[0] for f in FORMS])
def test_outreach_forms_never_error(url, role, fields, client, auth, db, member, coordinator):
    user = {"member": member, "coordinator": coordinator}[role]
    person = PersonFactory(state="TX")
    assignment = AssignmentFactory(assignee=user, person=person)
    campaign = Campaign(name="Fuzz", target_filter={"state": "TX"}, created_by_id=coordinator.id)
    template = FollowUpTemplate(label="Thank-you note", due_in_days=1)
    db.session.add_all([campaign, template])
    db.session.commit()
    ids = {
        "assignment": assignment.id,
        "campaign": campaign.id,
        "template": template.id,
        "person": person.id,
    }
    auth.login(user.email)
    token = auth.token()
    target = url.format(**ids)
    names = [f.format(**ids) for f in fields]
    csrf = f"t{template.id}-csrf_token" if "{template}" in url else "csrf_token"

    @settings(
        max_examples=20,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(st.fixed_dictionaries({f: TEXT for f in names}))
    def post(values):
        resp = client.post(target, data={**values, csrf: token})
        assert resp.status_code < 500, (target, values)

    post()
