"""Refreshing Congress from a derived snapshot: a member leaves, one arrives, one switches party
mid-term, one changes phone. Then the original snapshot again: the member who left comes back.

The module imports three times and then only reads, so it keeps every table between its tests.
"""

from __future__ import annotations

import copy
import re
from datetime import UTC, date, datetime
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from crm.extensions import db
from crm.imports import services
from crm.models import (
    Assignment,
    AuditEntry,
    CommitteeMembership,
    Interaction,
    Issue,
    Person,
    Position,
)
from tests.factories import PASSWORD, InteractionFactory, UserFactory
from tests.imports.conftest import (
    AS_OF,
    NOW,
    committee,
    count,
    load_congress,
    module_import,
    person,
    shared_data,
    write_congress,
)

# One xdist worker runs the whole module, so its module-scoped import runs once.
pytestmark = [
    pytest.mark.keep_tables(*(t.name for t in db.metadata.sorted_tables)),
    pytest.mark.xdist_group(__name__),
]

LEAVES = "C001056"  # John Cornyn: Senate Judiciary, including SSJU04
ARRIVES = "Z000023"  # a new member for the vacant TX-23 seat
SWITCHES = "V000133"  # Jeff Van Drew: Republican, becomes a Democrat mid-term
NEW_PHONE = "K000367"  # Amy Klobuchar
DERIVED_DATE = date(2026, 8, 1)
REFRESH_AT = datetime(2026, 8, 12, tzinfo=UTC)  # after NOW, the first import
BACK_AT = datetime(2026, 8, 16, tzinfo=UTC)


def derive(data: dict) -> dict:
    data = copy.deepcopy(data)
    people = data["legislators-current"]
    template = next(p for p in people if p["id"]["bioguide"] == "G000606")
    newcomer = copy.deepcopy(template)
    newcomer["id"] = {"bioguide": ARRIVES, "govtrack": 999023}
    newcomer["name"] = {"first": "Elena", "last": "Ruiz-Example", "official_full": "Elena Ruiz"}
    newcomer["terms"] = [
        {
            **template["terms"][-1],
            "state": "TX",
            "district": 23,
            "party": "Democrat",
            "start": "2026-07-20",
            "phone": "202-225-4511",
            "address": "1 Cannon House Office Building Washington DC 20515",
        }
    ]
    people = [p for p in people if p["id"]["bioguide"] != LEAVES] + [newcomer]
    for p in people:
        term = p["terms"][-1]
        if p["id"]["bioguide"] == SWITCHES:
            term["party"] = "Democrat"
            term["party_affiliations"] = [
                {"start": term["start"], "end": "2026-07-01", "party": "Republican"},
                {"start": "2026-07-02", "end": term["end"], "party": "Democrat"},
            ]
        if p["id"]["bioguide"] == NEW_PHONE:
            term["phone"] = "202-224-9999"
    data["legislators-current"] = people
    for stem in ("legislators-social-media", "legislators-district-offices"):
        data[stem] = [e for e in data[stem] if e["id"]["bioguide"] != LEAVES]
    membership = data["committee-membership-current"]
    for code, members in membership.items():
        membership[code] = [m for m in members if m["bioguide"] != LEAVES]
    membership["HSJU01"].append(
        {"name": "Elena Ruiz", "party": "minority", "rank": 9, "bioguide": ARRIVES}
    )
    return data


@pytest.fixture(scope="module")
def refreshed(app, tmp_path_factory):
    original = str(shared_data() / "congress-legislators")
    derived = write_congress(derive(load_congress()), tmp_path_factory.mktemp("derived"))

    def steps():
        services.run_import("congress", original, actor=None, now=NOW, as_of=AS_OF)
        holder = UserFactory(email="holder@example.org", name="Hana Holder")
        cornyn, van_drew = person(LEAVES), person(SWITCHES)
        for p, tier in ((cornyn, "ally"), (van_drew, "target")):
            p.tier, p.holder_id, p.cadence_days, p.notes = tier, holder.id, 30, f"{tier} notes"
        issue = Issue(name="Conrad 30 reauthorization", slug="conrad-30")
        db.session.add(issue)
        db.session.flush()
        meeting = InteractionFactory(subject="Conrad 30 meeting", logged_by=holder)
        meeting.people.append(cornyn)
        db.session.add_all(
            [
                Position(
                    person_id=cornyn.id,
                    issue_id=issue.id,
                    stance="support",
                    recorded_at=NOW,
                    recorded_by_id=holder.id,
                ),
                Assignment(person_id=cornyn.id, assignee_id=holder.id, title="Thank-you note"),
            ]
        )
        db.session.commit()
        ids = {
            "cornyn": cornyn.id,
            "van_drew": van_drew.id,
            "holder": holder.id,
            "meeting": meeting.id,
        }
        before = {
            "cornyn_committees": count(
                CommitteeMembership, CommitteeMembership.person_id == cornyn.id
            )
        }
        refresh, refresh_run = services.run_import(
            "congress", str(derived), actor=None, now=REFRESH_AT, as_of=DERIVED_DATE
        )
        after_refresh = {
            "cornyn": snapshot(person(LEAVES)),
            "newcomer": snapshot(person(ARRIVES)),
            "van_drew": snapshot(person(SWITCHES)),
            "klobuchar": snapshot(person(NEW_PHONE)),
            "cornyn_committees": count(
                CommitteeMembership, CommitteeMembership.person_id == ids["cornyn"]
            ),
            "ssju04": sorted(m.person.bioguide_id for m in committee("SSJU04").memberships),
            "audit": audit_rows(),
        }
        back, _ = services.run_import(
            "congress", original, actor=None, now=BACK_AT, as_of=date(2026, 8, 15)
        )
        run = SimpleNamespace(status=refresh_run.status, source_date=refresh_run.source_date)
        return SimpleNamespace(
            refresh=refresh,
            refresh_run=run,
            back=back,
            ids=ids,
            before=before,
            after_refresh=after_refresh,
        )

    yield from module_import(app, steps)


def snapshot(p: Person) -> dict:
    return {
        f: getattr(p, f)
        for f in (
            "id",
            "in_office",
            "party",
            "party_label",
            "caucus",
            "phone",
            "tier",
            "holder_id",
            "cadence_days",
            "notes",
            "district",
            "version",
        )
    }


def audit_rows() -> dict[str, list[AuditEntry]]:
    rows = db.session.scalars(
        sa.select(AuditEntry).where(
            AuditEntry.entity_type == "people",
            AuditEntry.action.like("import_%"),
            AuditEntry.at >= REFRESH_AT,
        )
    ).all()
    out: dict[str, list] = {}
    for row in rows:
        out.setdefault(row.action, []).append(
            {"id": row.entity_id, "before": row.before, "after": row.after}
        )
    return out


def test_refresh_counts(refreshed):
    people = refreshed.refresh.counts["people"]
    assert people == {"created": 1, "updated": 2, "retired": 1, "unchanged": 534}
    assert refreshed.refresh.counts["memberships"]["created"] == 1
    assert (
        refreshed.refresh.counts["memberships"]["retired"]
        == refreshed.before["cornyn_committees"]
        > 0
    )
    assert refreshed.refresh_run.status == "done"
    assert refreshed.refresh_run.source_date == DERIVED_DATE


def test_member_who_left_is_out_of_office_with_history_attached(refreshed):
    cornyn = refreshed.after_refresh["cornyn"]
    assert cornyn["id"] == refreshed.ids["cornyn"] and cornyn["in_office"] is False
    assert refreshed.after_refresh["cornyn_committees"] == 0
    assert LEAVES not in refreshed.after_refresh["ssju04"]
    (retired,) = refreshed.after_refresh["audit"]["import_retire"]
    assert retired["id"] == refreshed.ids["cornyn"]
    assert retired["before"]["in_office"] is True and retired["after"]["in_office"] is False
    assert retired["after"]["source_date"] == "2026-08-01"
    label = "committee Border Security and Immigration (SSJU04)"
    assert retired["before"][label] == "chair #1" and retired["after"][label] is None
    # The interaction, position and assignment are still his.
    meeting = db.session.get(Interaction, refreshed.ids["meeting"])
    assert [p.id for p in meeting.people] == [refreshed.ids["cornyn"]]
    assert count(Position, Position.person_id == refreshed.ids["cornyn"]) == 1
    assert count(Assignment, Assignment.person_id == refreshed.ids["cornyn"]) == 1


def test_new_member_is_created(refreshed):
    newcomer = refreshed.after_refresh["newcomer"]
    assert (
        newcomer["in_office"]
        and newcomer["district"] == "23"
        and newcomer["phone"] == ("+12022254511")
    )
    assert newcomer["party"] == "Democratic"
    (created,) = [
        r for r in refreshed.after_refresh["audit"]["import_create"] if r["id"] == newcomer["id"]
    ]
    assert created["after"]["full_name"] == "Elena Ruiz"


def test_party_switch_mid_term_updates_party_and_keeps_our_fields(refreshed):
    van_drew = refreshed.after_refresh["van_drew"]
    assert (van_drew["party"], van_drew["caucus"]) == ("Democratic", "Democratic")
    assert van_drew["tier"] == "target" and van_drew["notes"] == "target notes"
    assert van_drew["holder_id"] == refreshed.ids["holder"] and van_drew["cadence_days"] == 30
    (update,) = [
        r
        for r in refreshed.after_refresh["audit"]["import_update"]
        if r["id"] == refreshed.ids["van_drew"]
    ]
    assert update["before"]["party"] == "Republican" and update["after"]["party"] == "Democratic"
    assert update["after"]["source"] == "congress-legislators"
    assert update["after"]["source_date"] == "2026-08-01"
    assert "tier" not in update["after"] and "notes" not in update["after"]


def test_phone_change_is_an_update_of_that_field(refreshed):
    assert refreshed.after_refresh["klobuchar"]["phone"] == "+12022249999"
    change = next(c for c in refreshed.refresh.changes if c.key == NEW_PHONE)
    assert change.action == "update"
    assert change.fields["phone"] == ["+12022243244", "+12022249999"]
    assert set(change.fields) == {"phone", "offices"}  # the Capitol office phone too


def test_returning_member_is_the_same_person(refreshed):
    back = refreshed.back.counts["people"]
    assert back["created"] == 0 and back["retired"] == 1  # the newcomer's seat is vacant again
    cornyn = person(LEAVES)
    assert cornyn.id == refreshed.ids["cornyn"] and cornyn.in_office
    assert cornyn.tier == "ally" and cornyn.notes == "ally notes"
    assert count(Person, Person.bioguide_id == LEAVES) == 1
    assert LEAVES in [m.person.bioguide_id for m in committee("SSJU04").memberships]
    assert not person(ARRIVES).in_office
    assert person(SWITCHES).party == "Republican"


def test_person_page_shows_the_history_of_an_out_of_office_member(refreshed, client, auth):
    auth.login("holder@example.org", PASSWORD)
    html = client.get(f"/people/{refreshed.ids['cornyn']}").get_data(as_text=True)
    assert "Conrad 30 meeting" in html
    assert re.search(r"Timeline.*\(1 contact\)", html, re.S)


def test_source_history_lists_what_imports_changed_on_a_person(refreshed):
    history = services.source_history(refreshed.ids["van_drew"])
    assert [h.action for h in history] == ["import_update", "import_update", "import_create"]
    back, switch, created = history
    assert switch.after["party"] == "Democratic" and switch.after["source_date"] == "2026-08-01"
    assert back.after["party"] == "Republican" and back.after["source_date"] == "2026-08-15"
    assert created.after["source_date"] == "2026-06-15"
