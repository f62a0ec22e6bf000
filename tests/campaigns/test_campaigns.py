"""Campaigns: the target list (directory filters, position on an issue), the bulk strategies,
bulk assignment and the progress page."""

import random
from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import MultiDict

from crm.campaigns import services
from crm.campaigns.services import Member, Target, propose
from crm.clock import local_today, utcnow
from crm.errors import DomainError
from crm.models import Assignment, Campaign, CommitteeMembership, Issue, Notification, Position
from crm.people.filters import DirectoryFilter, filter_from_dict
from tests.factories import (
    AssignmentFactory,
    CommitteeFactory,
    InteractionFactory,
    PersonFactory,
    UserFactory,
)

NOW = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)


# ---- strategies: deterministic and balanced ----


def test_round_robin_spreads_100_targets_over_7_members_15_15_14_14_14_14_14():
    targets = [Target(i) for i in range(1, 101)]
    members = [Member(m) for m in (70, 10, 40, 20, 60, 30, 50)]
    plan = propose("round_robin", targets, members)
    counts = Counter(plan.values())
    assert [counts[m] for m in (10, 20, 30, 40, 50, 60, 70)] == [15, 15, 14, 14, 14, 14, 14]
    shuffled = members[:]
    random.Random(4).shuffle(shuffled)
    assert propose("round_robin", targets, shuffled) == plan  # same input, same answer


def test_round_robin_needs_members():
    with pytest.raises(DomainError):
        propose("round_robin", [Target(1)], [])


def test_state_strategy_deals_each_state_among_its_members():
    targets = (
        [Target(i, "TX") for i in range(1, 8)]
        + [Target(i, "FL") for i in range(8, 11)]
        + [Target(11, "WY"), Target(12, None)]
    )
    members = [Member(3, "TX"), Member(1, "TX"), Member(2, "FL"), Member(4, None)]
    plan = propose("state", targets, members)
    assert Counter(plan[i] for i in range(1, 8)) == {1: 4, 3: 3}
    assert {plan[i] for i in range(8, 11)} == {2}
    assert plan[11] is None and plan[12] is None  # nobody from WY; no state
    assert propose("state", targets, list(reversed(members))) == plan


def test_holder_strategy_keeps_holders_among_the_members():
    targets = [Target(1, holder_id=5), Target(2, holder_id=6), Target(3)]
    assert propose("holder", targets, [Member(5), Member(7)]) == {1: 5, 2: None, 3: None}


def test_by_hand_proposes_nobody():
    assert propose("hand", [Target(1), Target(2)], [Member(1)]) == {1: None, 2: None}


# ---- the target list ----


@pytest.fixture
def conrad(db):
    issue = Issue(name="Conrad 30 reauthorization", slug="conrad-30")
    db.session.add(issue)
    db.session.commit()
    return issue


def stance(db, person, issue, value, days_ago):
    db.session.add(
        Position(
            person_id=person.id,
            issue_id=issue.id,
            stance=value,
            recorded_at=NOW - timedelta(days=days_ago),
        )
    )
    db.session.commit()


def test_position_filter_uses_the_latest_position_and_counts_no_position_as_unknown(
    db, conrad, coordinator
):
    judiciary = CommitteeFactory(code="SSJU04")
    moved = PersonFactory(full_name="Moved To Support")
    undecided = PersonFactory(full_name="Still Undecided")
    silent = PersonFactory(full_name="Never Asked")
    unknown = PersonFactory(full_name="Said Unknown")
    outside = PersonFactory(full_name="Not On Committee")
    for p in (moved, undecided, silent, unknown):
        db.session.add(CommitteeMembership(committee_id=judiciary.id, person_id=p.id))
    db.session.commit()
    stance(db, moved, conrad, "undecided", 30)
    stance(db, moved, conrad, "support", 2)
    stance(db, undecided, conrad, "support", 30)
    stance(db, undecided, conrad, "undecided", 2)
    stance(db, unknown, conrad, "unknown", 5)
    other = Issue(name="H-1B cap", slug="h1b")
    db.session.add(other)
    db.session.commit()
    stance(db, silent, other, "oppose", 1)  # a position on another issue changes nothing here
    flt = DirectoryFilter.from_args(
        MultiDict(
            [
                ("committee", str(judiciary.id)),
                ("position_issue", str(conrad.id)),
                ("position_stance", "undecided"),
                ("position_stance", "unknown"),
            ]
        )
    )
    names = {p.full_name for p in services.preview(flt, NOW, coordinator).people}
    assert names == {"Still Undecided", "Never Asked", "Said Unknown"}
    assert outside.id and services.preview(flt, NOW, coordinator).total == 3


def test_saved_filter_round_trips(conrad):
    flt = DirectoryFilter(
        committee=3,
        position_issue=conrad.id,
        position_stance=("undecided", "unknown"),
        not_contacted_days=60,
        never_contacted=False,
        state="TX",
    )
    saved = flt.to_dict()
    import json

    assert filter_from_dict(json.loads(json.dumps(saved))) == flt


def test_builder_previews_and_saves_the_campaign(client, auth, as_coordinator, db, conrad):
    PersonFactory(full_name="Tex One", state="TX")
    PersonFactory(full_name="Tex Two", state="TX", last_contacted_at=utcnow() - timedelta(days=5))
    PersonFactory(full_name="Flo One", state="FL")
    page = client.get("/campaigns/new?state=TX&not_contacted_days=60").get_data(as_text=True)
    assert "1</strong> person matches" in page and "Tex One" in page and "Tex Two" not in page
    assert "Save campaign with 1 target<" in page
    resp = auth.post(
        "/campaigns/new",
        {
            "name": "Texas before markup",
            "issue_id": str(conrad.id),
            "status": "active",
            "state": "TX",
            "not_contacted_days": "60",
        },
    )
    assert resp.status_code == 302
    campaign = db.session.scalar(sa.select(Campaign))
    assert campaign.target_filter == {"state": "TX", "not_contacted_days": 60}
    assert campaign.issue_id == conrad.id and campaign.created_by_id == as_coordinator.id


def test_a_campaign_needs_a_filter(client, auth, as_coordinator, db):
    resp = auth.post("/campaigns/new", {"name": "Everyone", "status": "active"})
    assert resp.status_code == 422
    assert "Choose at least one filter" in resp.get_data(as_text=True)


def test_campaigns_are_for_coordinators(client, as_member):
    for url in ("/campaigns/", "/campaigns/new"):
        assert client.get(url).status_code == 403


# ---- bulk assignment ----


@pytest.fixture
def campaign(db, coordinator):
    c = Campaign(
        name="Texas delegation", target_filter={"state": "TX"}, created_by_id=coordinator.id
    )
    db.session.add(c)
    db.session.commit()
    return c


def test_bulk_assign_by_round_robin_over_http(client, auth, as_coordinator, db, campaign):
    people = [PersonFactory(state="TX") for _ in range(10)]
    PersonFactory(state="FL")
    a, b, c = (UserFactory(home_state="TX") for _ in range(3))
    query = f"strategy=round_robin&members={a.id}&members={b.id}&members={c.id}"
    page = client.get(f"/campaigns/{campaign.id}/assign?{query}").get_data(as_text=True)
    assert "10 of 10 targets have a member proposed" in page
    plan = services.plan(as_coordinator, campaign, "round_robin", [a.id, b.id, c.id], NOW)
    form = MultiDict(
        [
            ("title", "Ask for a cosponsor"),
            ("due_on", "2026-12-05"),
            ("priority", "high"),
            ("strategy", "round_robin"),
        ]
    )
    for row in plan.rows:
        form.add(f"assignee-{row.person.id}", str(row.assignee_id))
    form.add(f"assignee-{people[0].id}", "")  # duplicate key ignored: the first value wins
    resp = auth.post(f"/campaigns/{campaign.id}/assign", form)
    assert resp.status_code == 302
    made = list(db.session.scalars(sa.select(Assignment)))
    assert len(made) == 10
    assert Counter(x.assignee_id for x in made) == {a.id: 4, b.id: 3, c.id: 3}
    assert {(x.campaign_id, x.due_on, x.priority, x.source, x.title) for x in made} == {
        (campaign.id, date(2026, 12, 5), "high", "campaign", "Ask for a cosponsor")
    }
    rows = list(
        db.session.scalars(sa.select(Notification).where(Notification.kind == "assignment"))
    )
    assert sorted(r.to_email for r in rows) == sorted(u.email for u in (a, b, c))
    assert "4 new assignments for Texas delegation" in {r.payload["subject"] for r in rows}
    # Submitting again adds nothing: those targets are taken.
    auth.post(f"/campaigns/{campaign.id}/assign", form)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Assignment)) == 10
    assert "Every target of this campaign already has a member" in client.get(
        f"/campaigns/{campaign.id}/assign"
    ).get_data(as_text=True)


def test_by_hand_table_assigns_only_the_rows_chosen(client, auth, as_coordinator, db, campaign):
    first, second = PersonFactory(state="TX"), PersonFactory(state="TX")
    member = UserFactory()
    resp = auth.post(
        f"/campaigns/{campaign.id}/assign",
        {
            "strategy": "hand",
            f"assignee-{first.id}": str(member.id),
            f"assignee-{second.id}": "",
            "priority": "normal",
        },
    )
    assert resp.status_code == 302
    [made] = db.session.scalars(sa.select(Assignment))
    assert (made.person_id, made.assignee_id, made.title) == (first.id, member.id, campaign.name)


def test_bulk_assign_with_nobody_chosen_is_refused(client, auth, as_coordinator, campaign):
    PersonFactory(state="TX")
    resp = auth.post(f"/campaigns/{campaign.id}/assign", {"strategy": "hand", "priority": "normal"})
    assert resp.status_code == 422
    assert "Choose a member for at least one target" in resp.get_data(as_text=True)


def test_plan_marks_collisions_with_other_members(db, coordinator, campaign):
    target = PersonFactory(state="TX")
    lena = UserFactory(name="Lena Fischer")
    InteractionFactory(logged_by=lena, occurred_at=NOW - timedelta(days=1), people=[target])
    plan = services.plan(coordinator, campaign, "hand", [], NOW)
    [row] = plan.rows
    assert [c.message for c in row.collisions] == [
        f"Lena Fischer logged a contact with {target.full_name} on Nov 23."
    ]


def test_bulk_assign_from_the_service_is_for_coordinators(db, member, campaign):
    with pytest.raises(DomainError):
        services.bulk_assign(
            member,
            campaign,
            [(PersonFactory(state="TX").id, member.id)],
            title="",
            due_on=None,
            priority="normal",
            now=NOW,
        )


# ---- progress ----


def test_progress_counts_assigned_contacted_done_overdue_and_coverage(
    client, as_coordinator, db, campaign
):
    today = local_today(utcnow(), as_coordinator.timezone)
    omar, maria = UserFactory(name="Omar Haddad"), UserFactory(name="Maria Santos")
    p1, p2, p3, p4 = (PersonFactory(state="TX") for _ in range(4))
    PersonFactory(state="TX")  # a fifth target, unassigned
    created = utcnow() - timedelta(days=10)
    AssignmentFactory(
        campaign=campaign, person=p1, assignee=omar, status="done", created_at=created
    )
    AssignmentFactory(
        campaign=campaign,
        person=p2,
        assignee=omar,
        due_on=today - timedelta(days=2),
        created_at=created,
    )
    AssignmentFactory(
        campaign=campaign,
        person=p3,
        assignee=maria,
        created_at=created,
        due_on=today + timedelta(days=3),
    )
    AssignmentFactory(
        campaign=campaign, person=p4, assignee=maria, status="cancelled", created_at=created
    )
    p1.last_contacted_at = utcnow() - timedelta(days=1)  # since assigned
    p3.last_contacted_at = utcnow() - timedelta(days=20)  # before: not counted
    campaign.starts_on = today - timedelta(days=30)
    db.session.commit()
    progress = services.progress(campaign, utcnow(), as_coordinator.timezone, as_coordinator)
    assert (
        progress.assigned,
        progress.contacted,
        progress.done,
        progress.overdue,
        progress.cancelled,
    ) == (3, 1, 1, 1, 1)
    assert (progress.targets, progress.targets_contacted, progress.unassigned) == (5, 2, 2)
    assert [(m.name, m.assigned, m.done, m.overdue) for m in progress.members] == [
        ("Maria Santos", 1, 0, 0),
        ("Omar Haddad", 2, 1, 1),
    ]
    page = client.get(f"/campaigns/{campaign.id}").get_data(as_text=True)
    assert "2 of 5 (40%)" in page and "2 targets nobody has been given yet" in page
    assert "Texas delegation" in client.get("/campaigns/").get_data(as_text=True)


def test_deleted_assignments_do_not_count(db, campaign, coordinator):
    AssignmentFactory(campaign=campaign, person=PersonFactory(state="TX"), deleted_at=NOW)
    assert services.progress(campaign, NOW, "UTC", coordinator).assigned == 0
    assert services.list_campaigns()[0].assigned == 0


def test_plan_rows_offer_a_shortlist_in_a_large_coalition(db, coordinator, campaign):
    texan, floridian = PersonFactory(state="TX"), PersonFactory(state="FL")
    campaign.target_filter = {"level": "federal"}
    db.session.commit()
    holder = UserFactory(home_state="NY", name="Holder")
    floridian.holder_id = holder.id
    db.session.commit()
    for _ in range(services.ALL_MEMBERS_UP_TO):
        UserFactory(home_state="CA")
    plan = services.plan(coordinator, campaign, "hand", [], NOW)
    rows = {r.person.id: r for r in plan.rows}
    # The coordinator is from Texas (the factory's default); Florida's row offers its holder.
    assert [m.id for m in plan.options(rows[texan.id])] == [coordinator.id]
    assert [m.name for m in plan.options(rows[floridian.id])] == ["Holder"]
    chosen = services.plan(coordinator, campaign, "hand", [holder.id], NOW)
    assert [m.name for m in chosen.options(chosen.rows[0])] == ["Holder"]
