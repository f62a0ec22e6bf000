"""Long choice lists rendered once per process (crm.options) follow every change to their rows."""

from __future__ import annotations

import re

from crm.options import checkboxes, option_tags
from tests.factories import CommitteeFactory, UserFactory


def options_of(client, select_id: str, url: str = "/people/") -> list[str]:
    """The labels of a <select>'s options on a page, as the browser would list them."""
    html = client.get(url).get_data(as_text=True)
    block = re.search(rf'<select[^>]* id="{select_id}"[^>]*>(.*?)</select>', html, re.S)
    assert block, f"no select {select_id} on {url}"
    return re.findall(r"<option[^>]*>([^<]*)</option>", block.group(1))


def test_the_holder_filter_follows_the_members(db, client, as_member):
    hal = UserFactory(name="Hal Holder")
    assert "Hal Holder" in options_of(client, "holder")
    assert options_of(client, "holder") == options_of(client, "holder")  # served again, same
    hal.name = "Hal Renamed"
    db.session.commit()
    shown = options_of(client, "holder")
    assert "Hal Renamed" in shown and "Hal Holder" not in shown
    UserFactory(name="Nia Newcomer")
    assert "Nia Newcomer" in options_of(client, "holder")
    hal.is_active = False
    db.session.commit()
    assert "Hal Renamed" not in options_of(client, "holder")
    assert "Nia Newcomer" in options_of(client, "holder")


def test_the_committee_filter_follows_the_committees(db, client, as_member):
    finance = CommitteeFactory(name="Finance", code="SSFI")
    CommitteeFactory(name="State Affairs", level="state", jurisdiction="TX", code=None)
    assert "US Senate: Finance (SSFI)" in options_of(client, "committee")
    assert not any("State Affairs" in o for o in options_of(client, "committee"))
    assert "TX Senate: State Affairs" in options_of(client, "committee", "/people/?state=TX")
    finance.name = "Finance and Health"
    db.session.commit()
    shown = options_of(client, "committee")
    assert "US Senate: Finance and Health (SSFI)" in shown
    assert "US Senate: Finance (SSFI)" not in shown
    html = client.get(f"/people/?committee={finance.id}").get_data(as_text=True)
    assert f'<option value="{finance.id}" selected>US Senate: Finance and Health' in html
    finance.active = False
    db.session.commit()
    assert not any("Finance" in o for o in options_of(client, "committee"))


def test_the_chosen_holder_is_selected(db, client, as_member):
    hal = UserFactory(name="Hal Holder")
    html = client.get(f"/people/?holder={hal.id}").get_data(as_text=True)
    assert f'<option value="{hal.id}" selected>Hal Holder</option>' in html
    html = client.get("/people/").get_data(as_text=True)
    assert f'<option value="{hal.id}">Hal Holder</option>' in html


def test_choices_escape_and_mark_only_what_is_chosen():
    choices = option_tags([(1, "A <b>"), (2, "B & C"), (3, "D")])
    assert choices.html([2, 99]) == (
        '<option value="1">A &lt;b&gt;</option><option value="2" selected>B &amp; C</option>'
        '<option value="3">D</option>'
    )
    assert choices.html() == choices.html([None])
    boxes = checkboxes([(7, "Ana")], "members", "m")
    assert boxes.html([7]) == (
        '<div class="form-check"><input class="form-check-input" type="checkbox" name="members" '
        'value="7" id="m7" checked><label class="form-check-label" for="m7">Ana</label></div>'
    )
