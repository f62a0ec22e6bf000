"""Contacts logged against an organization (an agency's office, a state program), with or
without people there named: the quick log, the contact's page and edit, the API."""

import re

import pytest
import sqlalchemy as sa

from crm.clock import utcnow
from crm.errors import DomainError
from crm.interactions.services import InteractionData, log_interaction
from crm.models import AuditEntry, Interaction
from tests.factories import AssignmentFactory, OrganizationFactory, PersonFactory, UserFactory
from tests.interactions.test_interactions import log_form


@pytest.fixture
def program(db):
    return OrganizationFactory(
        name="Texas Conrad 30 Program Office", kind="state_program", jurisdiction="TX"
    )


def test_quick_log_offers_listed_organizations_and_prefills_from_its_page(
    db, client, as_member, program
):
    retired = OrganizationFactory(name="Closed Field Office", retired_at=utcnow())
    office = OrganizationFactory(name="Office of Sen. Somebody", kind="legislative_office")
    page = client.get(f"/log?organization={program.id}").get_data(as_text=True)
    assert re.search(rf'<option selected value="{program.id}">Texas Conrad 30 Program', page)
    assert retired.name not in page and office.name not in page
    org_page = client.get(f"/organizations/{program.id}").get_data(as_text=True)
    assert f"/log?organization={program.id}" in org_page


def test_log_a_contact_with_an_organization_alone(db, client, auth, as_member, program):
    resp = auth.post(
        "/log",
        log_form(auth, organization_id=str(program.id), subject="Asked about waiver slots"),
    )
    assert resp.status_code == 302
    interaction = db.session.scalars(sa.select(Interaction)).one()
    assert (interaction.organization_id, interaction.people) == (program.id, [])
    shown = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "with Texas Conrad 30 Program Office" in shown  # the confirmation
    assert f'href="/organizations/{program.id}"' in shown
    timeline = client.get(f"/organizations/{program.id}").get_data(as_text=True)
    assert "Asked about waiver slots" in timeline
    entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "create")).one()
    assert entry.after["organization_id"] == program.id


def test_log_a_contact_with_people_and_their_organization(db, auth, as_member, program):
    person = PersonFactory(first_name="Dana", last_name="Director", kind="official")
    auth.post("/log", log_form(auth, people=str(person.id), organization_id=str(program.id)))
    interaction = db.session.scalars(sa.select(Interaction)).one()
    assert (interaction.organization_id, interaction.people) == (program.id, [person])
    db.session.expire_all()
    assert person.last_contacted_at == interaction.occurred_at


def test_nobody_and_no_organization_keeps_the_input(db, auth, as_member, program):
    resp = auth.post("/log", log_form(auth, subject="Kept subject", notes="Kept notes"))
    page = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert "Choose at least one person you contacted, or an organization." in page
    assert "Kept subject" in page and "Kept notes" in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Interaction)) == 0


def test_an_organization_deleted_meanwhile_is_a_form_error(db, auth, as_member, program):
    data = log_form(auth, organization_id=str(program.id), subject="Too late")
    program.deleted_at = utcnow()
    db.session.commit()
    resp = auth.post("/log", data)
    assert resp.status_code == 422
    assert "That organization no longer exists." in resp.get_data(as_text=True)
    assert "Too late" in resp.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Interaction)) == 0


def test_service_refuses_a_contact_with_nobody_and_no_organization(db, member):
    with pytest.raises(DomainError) as caught:
        log_interaction(member, InteractionData(people=[], occurred_at=utcnow()), utcnow())
    assert caught.value.field == "people"


def test_edit_keeps_and_changes_the_organization(db, client, auth, as_member, program):
    other = OrganizationFactory(name="Texas Medical Board", kind="medical_board")
    interaction = log_interaction(
        as_member,
        InteractionData(people=[], occurred_at=utcnow(), organization_id=program.id),
        utcnow(),
    )
    url = f"/interactions/{interaction.id}/edit"
    page = client.get(url).get_data(as_text=True)
    assert re.search(rf'<option selected value="{program.id}">', page)
    version = re.search(r'id="version"[^>]*value="(\d+)"', page).group(1)
    when = re.search(r'id="occurred_at"[^>]*value="([^"]+)"', page).group(1)
    form = {"occurred_at": when, "kind": "call", "version": version}
    resp = auth.post(url, {**form, "organization_id": str(other.id)})
    assert resp.status_code == 302
    db.session.expire_all()
    assert db.session.get(Interaction, interaction.id).organization_id == other.id
    # Clearing the organization with nobody named is refused.
    resp = auth.post(url, {**form, "version": str(int(version) + 1), "organization_id": ""})
    assert resp.status_code == 422
    assert "or an organization" in resp.get_data(as_text=True)


def test_open_work_for_the_organization_is_completed_by_its_contact(
    db, client, auth, as_member, program
):
    work = AssignmentFactory(
        person=None, organization_id=program.id, assignee=as_member, title="Ask about slots"
    )
    page = client.get(f"/log?organization={program.id}&assignment={work.id}").get_data(as_text=True)
    assert re.search(rf'name="complete_assignments" value="{work.id}"[^>]*checked', page)
    resp = auth.post(
        "/log",
        log_form(auth, organization_id=str(program.id), complete_assignments=str(work.id)),
    )
    assert resp.status_code == 302
    db.session.expire_all()
    assert work.status == "done" and work.completed_interaction_id is not None
    # Someone else's work for the organization is not mine to complete.
    theirs = AssignmentFactory(person=None, organization_id=program.id, assignee=UserFactory())
    resp = auth.post(
        "/log",
        log_form(auth, organization_id=str(program.id), complete_assignments=str(theirs.id)),
    )
    assert resp.status_code == 422


def test_api_reads_writes_and_filters_the_organization(db, client, member, program):
    from tests.api.test_api import make_token

    _token, headers = make_token(member, scopes=("read", "write"))
    resp = client.post(
        "/api/v1/interactions",
        json={"organization_id": program.id, "subject": "By API"},
        headers=headers,
    )
    assert resp.status_code == 201, resp.get_json()
    assert resp.get_json()["organization_id"] == program.id
    assert resp.get_json()["people"] == []
    listed = client.get(
        f"/api/v1/interactions?organization_id={program.id}", headers=headers
    ).get_json()
    assert [i["subject"] for i in listed["items"]] == ["By API"]
    refused = client.post("/api/v1/interactions", json={"subject": "Nobody"}, headers=headers)
    assert refused.status_code == 422


def test_search_finds_a_contact_with_an_organization_and_names_it(db, client, as_member, program):
    log_interaction(
        as_member,
        InteractionData(
            people=[], organization_id=program.id, occurred_at=utcnow(), subject="Slotcount ask"
        ),
        utcnow(),
    )
    page = client.get("/search?q=slotcount").get_data(as_text=True)
    assert "Slotcount ask" in page and "Texas Conrad 30 Program Office" in page
    [group] = client.get("/search/suggest?q=slotcount").get_json()["groups"]
    assert "Texas Conrad 30 Program Office" in group["items"][0]["detail"]


def test_a_stale_edit_names_both_organizations(db, client, auth, as_member, program):
    board = OrganizationFactory(name="Texas Medical Board", kind="medical_board")
    interaction = log_interaction(
        as_member,
        InteractionData(people=[], occurred_at=utcnow(), organization_id=program.id),
        utcnow(),
    )
    url = f"/interactions/{interaction.id}/edit"
    page = client.get(url).get_data(as_text=True)
    when = re.search(r'id="occurred_at"[^>]*value="([^"]+)"', page).group(1)
    interaction.subject = "Saved by someone else first"
    interaction.organization_id = board.id
    db.session.commit()  # the version moves on
    resp = auth.post(
        url,
        {"occurred_at": when, "kind": "meeting", "version": "1", "organization_id": program.id},
    )
    conflict = resp.get_data(as_text=True)
    assert resp.status_code == 409
    row = re.search(r"<th scope=\"row\">Organization contacted</th>(.*?)</tr>", conflict).group(1)
    assert '<td class="theirs">Texas Medical Board (US)</td>' in row
    assert '<td class="mine">Texas Conrad 30 Program Office (TX)</td>' in row
