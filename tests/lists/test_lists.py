"""Saved lists: a named directory filter (validated, one spelling), private to a member or shared
by a coordinator, opened in one click, exported as CSV, a campaign's targets; re-applied each
time (a filter, not a frozen set)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from crm.campaigns.services import saved_filter
from crm.errors import DomainError
from crm.lists import services
from crm.models import Campaign, SavedList
from tests.factories import PersonFactory, UserFactory

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def names(body: str) -> list[str]:
    return [r["Name"] for r in csv.DictReader(io.StringIO(body.lstrip("\ufeff")))]


def test_the_query_is_validated_and_kept_in_one_spelling(db, member, coordinator):
    saved = services.save_list(
        member, " Texas  reps ", "?state=tx&chamber=lower&page=3&bogus=1&tier=nope", False, NOW
    )
    assert (saved.name, saved.query) == ("Texas reps", "chamber=lower&state=TX")
    with pytest.raises(DomainError, match="at least one filter"):
        services.save_list(member, "All", "page=2&tier=nope", False, NOW)
    with pytest.raises(DomainError, match="Only coordinators share") as refused:
        services.save_list(member, "Everyone's", "state=TX", True, NOW)
    assert refused.value.field == "shared"
    shared = services.save_list(coordinator, "Texas", "state=TX", True, NOW)
    other = UserFactory()
    assert [s.id for s in services.lists_for(other)] == [shared.id]
    assert {s.id for s in services.lists_for(member)} == {saved.id, shared.id}
    with pytest.raises(LookupError):
        services.get_list(saved.id, other)  # a member's list is theirs alone
    with pytest.raises(LookupError):
        services.get_list(saved.id, coordinator)


def test_opened_in_one_click_and_exported_as_it_is_now(db, as_member, client, auth):
    PersonFactory(last_name="Texan", state="TX")
    PersonFactory(last_name="Floridian", state="FL")
    resp = auth.post("/lists/", {"name": "Texas", "query": "state=TX"})
    saved = db.session.scalars(sa.select(SavedList)).one()
    assert resp.headers["Location"] == f"/lists/{saved.id}"
    opened = client.get(f"/lists/{saved.id}", follow_redirects=True).get_data(as_text=True)
    assert "Saved list <strong>Texas</strong>" in opened
    assert "Texan" in opened and "Floridian" not in opened
    directory = client.get("/people/").get_data(as_text=True)
    assert f'href="/lists/{saved.id}"' in directory
    exported = names(client.get(f"/lists/{saved.id}/export.csv").get_data(as_text=True))
    assert len(exported) == 1 and exported[0].endswith("Texan")
    # A filter, not a frozen set: someone added later is on it.
    PersonFactory(first_name="Newly", last_name="Added", state="TX")
    exported = names(client.get(f"/lists/{saved.id}/export.csv").get_data(as_text=True))
    assert len(exported) == 2 and any("Added" in n for n in exported)


def test_a_refused_list_is_shown_again(db, as_member, client, auth):
    resp = auth.post("/lists/", {"name": "", "query": "state=TX"})
    assert resp.status_code == 422
    page = resp.get_data(as_text=True)
    assert "Name the list." in page and 'value="state=TX"' in page
    resp = auth.post("/lists/", {"name": "Everyone", "query": "sort=state"})
    assert resp.status_code == 422
    assert "Choose at least one filter" in resp.get_data(as_text=True)
    resp = auth.post("/lists/", {"name": "Mine", "query": "state=TX", "shared": "y"})
    assert resp.status_code == 422
    assert "Only coordinators share" in resp.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SavedList)) == 0


def test_who_may_delete_a_list(db, member, as_coordinator, client, auth):
    private = services.save_list(member, "Mine", "state=TX", False, NOW)
    assert client.get(f"/lists/{private.id}").status_code == 404
    assert client.get(f"/lists/{private.id}/export.csv").status_code == 404
    assert auth.post(f"/lists/{private.id}/delete").status_code == 404
    assert db.session.get(SavedList, private.id) is not None
    # A shared list: any coordinator may delete it; a member who did not make it may not.
    shared = services.save_list(UserFactory(role="coordinator"), "Ours", "state=TX", True, NOW)
    shared_id = shared.id
    assert auth.post(f"/lists/{shared_id}/delete").status_code == 302
    db.session.expire_all()
    assert db.session.get(SavedList, shared_id) is None


def test_a_campaign_follows_its_saved_list(db, coordinator, as_coordinator, client, auth):
    PersonFactory(last_name="Texan", state="TX")
    saved = services.save_list(coordinator, "Texas", "state=TX", True, NOW)
    page = client.get(f"/campaigns/new?list={saved.id}").get_data(as_text=True)
    assert "Targets from the saved list <strong>Texas</strong>" in page and "Texan" in page
    resp = auth.post(
        "/campaigns/new", {"name": "Texas push", "state": "TX", "saved_list": saved.id}
    )
    assert resp.status_code == 302
    campaign = db.session.scalars(sa.select(Campaign)).one()
    assert campaign.saved_list_id == saved.id
    # The list changes: the campaign's targets change with it.
    saved.query = "state=FL"
    db.session.commit()
    assert saved_filter(campaign).state == "FL"
    # Deleted, the campaign keeps the filter it was saved with.
    services.delete_list(coordinator, saved, NOW)
    db.session.expire_all()
    assert campaign.saved_list_id is None and saved_filter(campaign).state == "TX"
    # Filters changed after picking a list make them the campaign's own.
    other = services.save_list(coordinator, "Florida", "state=FL", False, NOW)
    auth.post("/campaigns/new", {"name": "Own", "state": "TX", "saved_list": other.id})
    own = db.session.scalar(sa.select(Campaign).where(Campaign.name == "Own"))
    assert own.saved_list_id is None and saved_filter(own).state == "TX"
