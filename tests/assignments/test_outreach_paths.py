"""Every path that creates or reassigns work notifies the assignee alike (through the ledger and
on to the mailbox after commit); the outreach pages run a fixed number of SQL statements."""

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from crm.assignments import services as assignments
from crm.assignments.followups import FollowUpRequest
from crm.assignments.services import AssignmentData
from crm.cadence.services import refresh_cadence
from crm.campaigns import services as campaigns
from crm.clock import local_today, utcnow
from crm.interactions.services import InteractionData, log_interaction
from crm.models import Campaign, DevMail, Notification
from tests.factories import AssignmentFactory, InteractionFactory, PersonFactory, UserFactory
from tests.helpers import QueryCounter

NOW = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)


def test_every_path_notifies_the_assignee(db, coordinator):
    member = UserFactory(name="Maria Santos")
    other = UserFactory(name="Omar Haddad")
    person = PersonFactory(state="TX")
    paths = {}

    def rows_since(before):
        return db.session.scalars(
            sa.select(Notification).where(Notification.id > before).order_by(Notification.id)
        ).all()

    def last_id():
        return db.session.scalar(sa.select(sa.func.coalesce(sa.func.max(Notification.id), 0)))

    start = last_id()
    a = assignments.create_assignment(
        coordinator,
        AssignmentData(title="Form path", assignee_id=member.id, person_id=person.id),
        NOW,
        acknowledge_collisions=True,
    )
    paths["form"] = rows_since(start)

    start = last_id()
    assignments.reassign(coordinator, a, other.id, a.version, NOW, acknowledge_collisions=True)
    paths["reassign"] = rows_since(start)

    start = last_id()
    campaign = Campaign(
        name="Bulk path", target_filter={"state": "TX"}, created_by_id=coordinator.id
    )
    db.session.add(campaign)
    db.session.commit()
    campaigns.bulk_assign(
        coordinator,
        campaign,
        [(PersonFactory(state="TX").id, member.id)],
        title="",
        due_on=None,
        priority="normal",
        now=NOW,
    )
    paths["bulk"] = rows_since(start)

    start = last_id()
    PersonFactory(holder_id=member.id, cadence_days=30)
    refresh_cadence(NOW)
    paths["cadence"] = rows_since(start)

    start = last_id()
    log_interaction(
        member,
        InteractionData(
            people=[PersonFactory().id],
            occurred_at=NOW - timedelta(hours=1),
            follow_ups=[FollowUpRequest(label="Thank-you note", due_in_days=1)],
        ),
        NOW,
    )
    paths["follow-up"] = rows_since(start)

    expected = {
        "form": member,
        "reassign": other,
        "bulk": member,
        "cadence": member,
        "follow-up": member,
    }
    for path, user in expected.items():
        assert [(r.kind, r.to_email) for r in paths[path]] == [("assignment", user.email)], path
    # Dispatched after each commit: the test config's mailbox holds one message per row.
    assert db.session.scalar(sa.select(sa.func.count()).select_from(DevMail)) == 5
    assert {r.status for path in paths.values() for r in path} == {"sent"}


# ---- query-count guards ----


def statements_for(client, db, url):
    client.get(url)  # warm up: first-request work is not the page's
    with QueryCounter(db.engine) as q:
        assert client.get(url).status_code == 200
    return q.count


def add_work(user, campaign, n, db):
    # The user's own day, as the pages count overdue: in the first hours of a UTC day it is
    # still yesterday in New York, and work due "yesterday" in UTC would not be late there.
    today = local_today(utcnow(), user.timezone)
    for k in range(n):
        person = PersonFactory(state="TX")
        InteractionFactory(people=[person], occurred_at=utcnow() - timedelta(days=k))
        AssignmentFactory(
            assignee=user,
            person=person,
            campaign=campaign,
            due_on=today + timedelta(days=k - n // 2),
            snoozed_until=today + timedelta(days=3) if k % 5 == 1 else None,
        )
    PersonFactory(holder_id=user.id, cadence_days=30)


@pytest.mark.parametrize(
    "url",
    [
        "/my-work",
        "/",
        "/assignments",
        "/assignments?overdue=1",
        "/campaigns/{campaign}",
        "/campaigns/{campaign}/assign",
        "/campaigns/",
    ],
)
def test_outreach_pages_run_a_fixed_number_of_statements(client, as_coordinator, db, url):
    other = UserFactory()
    campaign = Campaign(
        name="Guard", target_filter={"state": "TX"}, created_by_id=as_coordinator.id
    )
    db.session.add(campaign)
    db.session.commit()
    url = url.format(campaign=campaign.id)
    add_work(as_coordinator, campaign, 3, db)
    add_work(other, campaign, 2, db)
    small = statements_for(client, db, url)
    add_work(as_coordinator, campaign, 12, db)
    add_work(other, campaign, 8, db)
    for _ in range(5):
        PersonFactory(state="TX")  # unassigned targets for the plan
    assert statements_for(client, db, url) == small
