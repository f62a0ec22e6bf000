"""Campaigns whose targets are organizations: every state's Conrad 30 program office, by kind,
jurisdiction or tag; plans by state, assignments with organization_id, progress and coverage."""

from collections import Counter
from datetime import timedelta

import pytest
import sqlalchemy as sa

from crm.campaigns import services
from crm.clock import utcnow
from crm.interactions.services import InteractionData, log_interaction
from crm.models import Assignment, Campaign, Organization, Tag, organization_tags
from crm.organizations.services import OrgFilter
from tests.factories import AssignmentFactory, OrganizationFactory, PersonFactory, UserFactory


@pytest.fixture
def programs(db):
    """The Conrad 30 program offices of three states, a retired one, and other kinds."""
    offices = [
        OrganizationFactory(
            name=f"{state} Conrad 30 Program", kind="state_program", jurisdiction=state
        )
        for state in ("FL", "TX", "WY")
    ]
    OrganizationFactory(
        name="Closed Program", kind="state_program", jurisdiction="NM", retired_at=utcnow()
    )
    OrganizationFactory(name="Texas Medical Board", kind="medical_board", jurisdiction="TX")
    OrganizationFactory(name="USCIS", kind="federal_agency")
    return offices


@pytest.fixture
def campaign(db, coordinator, programs):
    c = Campaign(
        name="Every Conrad 30 office",
        target_filter={"organizations": {"kind": "state_program"}},
        created_by_id=coordinator.id,
    )
    db.session.add(c)
    db.session.commit()
    return c


def test_builder_previews_and_saves_organization_targets(
    client, auth, as_coordinator, db, programs
):
    page = client.get("/campaigns/new?targets=organizations&kind=state_program").get_data(
        as_text=True
    )
    assert "3</strong> organizations match" in page
    assert "FL Conrad 30 Program" in page and "Closed Program" not in page
    assert "Texas Medical Board" not in page
    assert 'name="targets" value="organizations"' in page  # carried into the save form
    resp = auth.post(
        "/campaigns/new",
        {
            "name": "Conrad 30 offices",
            "status": "active",
            "targets": "organizations",
            "kind": "state_program",
        },
    )
    assert resp.status_code == 302
    campaign = db.session.scalar(sa.select(Campaign))
    assert campaign.target_filter == {"organizations": {"kind": "state_program"}}
    assert services.targets_organizations(campaign)
    shown = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "3 organizations match the target list today" in shown
    edit = client.get(f"/campaigns/{campaign.id}/edit").get_data(as_text=True)
    assert 'name="targets" value="organizations"' in edit and "3</strong> organizations" in edit


def test_an_organization_campaign_needs_a_filter(client, auth, as_coordinator, db):
    resp = auth.post(
        "/campaigns/new", {"name": "All of them", "status": "active", "targets": "organizations"}
    )
    assert resp.status_code == 422
    assert "Choose at least one filter" in resp.get_data(as_text=True)


def test_a_tag_selects_organizations_of_any_kind(db, coordinator, programs):
    tag = Tag(name="Waiver partners", name_key="waiver partners")
    db.session.add(tag)
    db.session.flush()
    board = db.session.scalar(sa.select(Organization).where(Organization.kind == "medical_board"))
    db.session.execute(sa.insert(organization_tags).values(organization_id=board.id, tag_id=tag.id))
    db.session.commit()
    flt = OrgFilter.from_dict({"tag": tag.id})
    assert [o.name for o in services.preview(flt, utcnow(), coordinator).organizations] == [
        "Texas Medical Board"
    ]
    assert OrgFilter.from_dict(flt.to_dict()) == flt


def test_plan_by_state_gives_each_office_to_a_member_from_its_state(db, coordinator, campaign):
    texan, floridian = UserFactory(home_state="TX"), UserFactory(home_state="FL")
    plan = services.plan(coordinator, campaign, "state", [texan.id, floridian.id], utcnow())
    by_name = {r.organization.name: r.assignee_id for r in plan.rows}
    assert by_name == {
        "FL Conrad 30 Program": floridian.id,
        "TX Conrad 30 Program": texan.id,
        "WY Conrad 30 Program": None,  # nobody from Wyoming
    }
    assert all(r.person is None for r in plan.rows)


def test_bulk_assign_over_http_creates_organization_assignments(
    client, auth, as_coordinator, db, campaign, programs
):
    a, b = UserFactory(), UserFactory()
    page = client.get(
        f"/campaigns/{campaign.id}/assign?strategy=round_robin&members={a.id}&members={b.id}"
    ).get_data(as_text=True)
    assert "3 of 3 targets have a member proposed" in page
    assert f'href="/organizations/{programs[0].id}"' in page
    plan = services.plan(as_coordinator, campaign, "round_robin", [a.id, b.id], utcnow())
    form = {f"assignee-{r.target_id}": str(r.assignee_id) for r in plan.rows}
    resp = auth.post(
        f"/campaigns/{campaign.id}/assign",
        {**form, "strategy": "round_robin", "priority": "normal", "title": "Ask for slots"},
    )
    assert resp.status_code == 302
    made = list(db.session.scalars(sa.select(Assignment)))
    assert {x.organization_id for x in made} == {o.id for o in programs}
    assert {(x.person_id, x.campaign_id, x.source) for x in made} == {
        (None, campaign.id, "campaign")
    }
    assert Counter(x.assignee_id for x in made) == {a.id: 2, b.id: 1}
    # Again: nothing more, every office is taken.
    auth.post(f"/campaigns/{campaign.id}/assign", {**form, "priority": "normal"})
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Assignment)) == 3
    assert "Every target of this campaign already has a member" in client.get(
        f"/campaigns/{campaign.id}/assign"
    ).get_data(as_text=True)


def test_progress_counts_contacts_with_the_organizations_since_assigned(
    client, as_coordinator, db, campaign, programs
):
    fl, tx, wy = programs
    omar = UserFactory(name="Omar Haddad")
    created = utcnow() - timedelta(days=10)
    for office in (fl, tx):
        AssignmentFactory(
            campaign=campaign, person=None, organization_id=office.id, assignee=omar,
            created_at=created,
        )  # fmt: skip
    campaign.starts_on = (utcnow() - timedelta(days=30)).date()
    db.session.commit()
    before = services.progress(campaign, utcnow(), "UTC", as_coordinator)
    assert (before.assigned, before.contacted, before.targets_contacted) == (2, 0, 0)
    assert (before.targets, before.unassigned) == (3, 1)
    # A contact logged against Florida's office itself, and one with a person at Wyoming's.
    log_interaction(
        omar,
        InteractionData(people=[], organization_id=fl.id, occurred_at=utcnow() - timedelta(days=1)),
        utcnow(),
    )
    official = PersonFactory(kind="official", level=None, chamber=None, organization=wy)
    log_interaction(
        omar,
        InteractionData(people=[official.id], occurred_at=utcnow() - timedelta(days=2)),
        utcnow(),
    )
    # A contact with Texas's office from before the assignment counts for neither.
    log_interaction(
        omar,
        InteractionData(
            people=[], organization_id=tx.id, occurred_at=utcnow() - timedelta(days=40)
        ),
        utcnow(),
    )
    after = services.progress(campaign, utcnow(), "UTC", as_coordinator)
    assert (after.assigned, after.contacted, after.targets_contacted) == (2, 1, 2)
    assert [(m.name, m.assigned, m.contacted) for m in after.members] == [("Omar Haddad", 2, 1)]
    page = client.get(f"/campaigns/{campaign.id}").get_data(as_text=True)
    assert "2 of 3 (67%)" in page and "1 target nobody has been given yet" in page


def test_person_campaigns_are_unchanged_by_organizations(db, coordinator, programs):
    person_campaign = Campaign(
        name="Texas", target_filter={"state": "TX"}, created_by_id=coordinator.id
    )
    db.session.add(person_campaign)
    db.session.commit()
    texan = PersonFactory(state="TX")
    assert not services.targets_organizations(person_campaign)
    rows = services.plan(coordinator, person_campaign, "hand", [], utcnow()).rows
    assert [(r.person.id, r.organization) for r in rows] == [(texan.id, None)]
