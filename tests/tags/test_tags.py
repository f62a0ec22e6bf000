"""Tags: coordinators keep the list; members tag people, organizations and the contacts they may
see; the directory, the organizations list, the campaign builder and the CSV export read them;
a merge moves them; a private contact's tags count only for its audience."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from crm.duplicates.services import merge_people
from crm.errors import DomainError, NotAllowed
from crm.models import AuditEntry, Tag, interaction_tags, person_tags
from crm.tags import services
from tests.factories import InteractionFactory, OrganizationFactory, PersonFactory, UserFactory

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def tag_ids(db, table, column, record_id) -> set[int]:
    return set(db.session.scalars(sa.select(table.c.tag_id).where(column == record_id)))


def test_coordinators_keep_the_list(db, coordinator, member):
    tag = services.create_tag(coordinator, "  Conrad 30   champion ", NOW)
    assert tag.name == "Conrad 30 champion"
    with pytest.raises(DomainError, match="already"):
        services.create_tag(coordinator, "conrad 30 CHAMPION", NOW)  # one tag, whatever case
    with pytest.raises(NotAllowed):
        services.create_tag(member, "Hill day", NOW)
    services.rename_tag(coordinator, tag, "Conrad 30 champions", NOW)
    services.retire_tag(coordinator, tag, NOW)
    assert services.tag_choices() == []
    with pytest.raises(DomainError, match="retired"):
        services.create_tag(coordinator, "Conrad 30 Champions", NOW)
    services.reinstate_tag(coordinator, tag, NOW)
    assert services.tag_choices() == [(tag.id, "Conrad 30 champions")]
    actions = db.session.scalars(
        sa.select(AuditEntry.action).where(AuditEntry.entity_type == "tags").order_by(AuditEntry.id)
    ).all()
    assert actions == ["create", "update", "retire", "reinstate"]


def test_directory_and_organization_filters(db, coordinator, member, as_member, client, auth):
    champion = services.create_tag(coordinator, "Champion", NOW)
    tagged = PersonFactory(last_name="Marsh", state="TX")
    other = PersonFactory(last_name="Villareal", state="TX")
    office = OrganizationFactory(name="Texas DSHS", kind="state_agency", jurisdiction="TX")
    OrganizationFactory(name="Texas Medical Board", kind="medical_board", jurisdiction="TX")
    auth.post(f"/people/{tagged.id}/tags", {"tag_id": champion.id, "action": "add"})
    resp = auth.post(f"/organizations/{office.id}/tags", {"tag_id": champion.id, "action": "add"})
    assert resp.status_code == 302
    page = client.get(f"/people/?tag={champion.id}").get_data(as_text=True)
    assert "Marsh" in page and other.last_name not in page
    orgs = client.get(f"/organizations/?tag={champion.id}").get_data(as_text=True)
    assert "Texas DSHS" in orgs and "Texas Medical Board" not in orgs
    # The person page shows it, linked to the filter, with a remove button.
    shown = client.get(f"/people/{tagged.id}").get_data(as_text=True)
    assert f"/people/?tag={champion.id}" in shown
    assert "Remove the tag Champion" in shown
    # The CSV export carries the tags and filters by them.
    body = client.get(f"/people/export.csv?tag={champion.id}").get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(body.lstrip("\ufeff"))))
    assert [(r["Name"], r["Tags"]) for r in rows] == [(tagged.full_name, "Champion")]
    history = client.get(f"/people/{tagged.id}/history").get_data(as_text=True)
    assert "tagged" in history and "Champion" in history
    # Taking it off.
    auth.post(f"/people/{tagged.id}/tags", {"tag_id": champion.id, "action": "remove"})
    assert tag_ids(db, person_tags, person_tags.c.person_id, tagged.id) == set()
    assert (
        db.session.scalar(
            sa.select(sa.func.count()).where(
                AuditEntry.entity_type == "people", AuditEntry.action.in_(["tag", "untag"])
            )
        )
        == 2
    )


def test_a_refused_choice_is_shown_again(db, coordinator, as_member, auth):
    services.create_tag(coordinator, "Champion", NOW)
    person = PersonFactory()
    retired = services.create_tag(coordinator, "Old", NOW)
    services.retire_tag(coordinator, retired, NOW)
    for data in ({"tag_id": "", "action": "add"}, {"tag_id": retired.id, "action": "add"}):
        resp = auth.post(f"/people/{person.id}/tags", data)
        assert resp.status_code == 422
        assert "Choose a tag from the list." in resp.get_data(as_text=True)
    assert auth.post(f"/people/{person.id}/tags", {"tag_id": "x"}).status_code == 422


def test_campaign_builder_filters_by_tag(db, coordinator, as_coordinator, client):
    tag = services.create_tag(coordinator, "Hill day 2027", NOW)
    person = PersonFactory(last_name="Tagged")
    PersonFactory(last_name="Untagged")
    services.set_tag(coordinator, "person", person, tag.id, True, NOW)
    page = client.get(f"/campaigns/new?tag={tag.id}").get_data(as_text=True)
    assert "Tagged" in page and "Untagged" not in page
    assert f'<option value="{tag.id}" selected>Hill day 2027</option>' in page


def test_a_private_contacts_tags_reach_only_its_audience(db, coordinator, client, auth):
    author = UserFactory(name="Avery Author")
    outsider = UserFactory(name="Oscar Outsider")
    tag = services.create_tag(coordinator, "Sensitive", NOW)
    person = PersonFactory()
    private = InteractionFactory(logged_by=author, people=[person], private=True)
    public = InteractionFactory(logged_by=author, people=[person])
    auth.login(author.email)
    assert auth.post(f"/interactions/{private.id}/tags", {"tag_id": tag.id}).status_code == 302
    page = client.get(f"/interactions/{private.id}").get_data(as_text=True)
    assert "Remove the tag Sensitive" in page
    counts = {u.name: services.list_tags(u)[0].interactions for u in (author, outsider)}
    assert counts == {"Avery Author": 1, "Oscar Outsider": 0}
    auth.logout()
    auth.login(outsider.email)
    assert '<span class="tag-contacts">0 contacts</span>' in client.get("/tags/").get_data(
        as_text=True
    )
    # Outside the audience the contact does not exist, to tag or untag.
    resp = auth.post(f"/interactions/{private.id}/tags", {"tag_id": tag.id, "action": "remove"})
    assert resp.status_code == 404
    assert tag_ids(db, interaction_tags, interaction_tags.c.interaction_id, private.id) == {tag.id}
    # A contact they may see, they may tag.
    assert auth.post(f"/interactions/{public.id}/tags", {"tag_id": tag.id}).status_code == 302


def test_a_merge_moves_tags(db, coordinator):
    keep, merged = PersonFactory(), PersonFactory()
    both = services.create_tag(coordinator, "Both", NOW)
    only = services.create_tag(coordinator, "Merged only", NOW)
    for person, tag in ((keep, both), (merged, both), (merged, only)):
        services.set_tag(coordinator, "person", person, tag.id, True, NOW)
    merge_people(coordinator, keep, merged, {}, NOW)
    assert tag_ids(db, person_tags, person_tags.c.person_id, keep.id) == {both.id, only.id}
    assert tag_ids(db, person_tags, person_tags.c.person_id, merged.id) == set()


def test_tags_page_as_a_member(db, coordinator, as_member, client, auth):
    tag = services.create_tag(coordinator, "Champion", NOW)
    page = client.get("/tags/").get_data(as_text=True)
    assert "Champion" in page and "Add the tag" not in page
    assert auth.post("/tags/new", {"name": "Mine"}).status_code == 403
    assert auth.post(f"/tags/{tag.id}/retire").status_code == 403


def test_tags_page_as_a_coordinator(db, as_coordinator, client, auth):
    resp = auth.post("/tags/new", {"name": ""})
    assert resp.status_code == 422 and "Name the tag." in resp.get_data(as_text=True)
    assert auth.post("/tags/new", {"name": "Champion"}).status_code == 302
    assert auth.post("/tags/new", {"name": "Ally"}).status_code == 302
    ally = db.session.scalar(sa.select(Tag).where(Tag.name == "Ally"))
    resp = auth.post(f"/tags/{ally.id}/rename", {"name": "champion"})
    assert resp.status_code == 422
    page = resp.get_data(as_text=True)
    assert "There is a tag “Champion” already." in page and 'value="champion"' in page
    assert auth.post(f"/tags/{ally.id}/rename", {"name": "Allies"}).status_code == 302
    db.session.expire_all()
    assert ally.name == "Allies"
