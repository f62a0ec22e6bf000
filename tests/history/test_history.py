"""See what happened: history tabs in words, the admin audit log, the trash."""

from __future__ import annotations

import html as markup
import re
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from crm.assignments import services as work
from crm.assignments.services import AssignmentData
from crm.campaigns import services as campaigns
from crm.errors import NotAllowed
from crm.history import services
from crm.history.words import describe
from crm.interactions import services as contacts
from crm.interactions.services import InteractionData
from crm.models import Assignment, AuditEntry, Campaign, Interaction, Person
from crm.people import services as people
from crm.policy.positions import PositionInput, Subject
from tests.factories import BillFactory, IssueFactory, PersonFactory, UserFactory

NOW = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)
# A raw id in words: "→ 4", "assignee_id", "person → 13".
RAW = re.compile(r"(→\s*\d+\b)|(_id\b)|(\b(assignee|person|issue|bill|campaign) → )")


def text(resp) -> str:
    """The page's visible words (tags removed, whitespace folded)."""
    html = resp.get_data(as_text=True)
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return markup.unescape(" ".join(re.sub(r"<[^>]+>", " ", html).split()))


def history_of(html: str) -> str:
    start = html.index('class="list-group mb-3 history-list"') if "history-list" in html else 0
    return html[start:]


def give(coordinator, member, person, **extra) -> Assignment:
    data = AssignmentData(
        title="Ask for a Conrad 30 cosponsorship",
        assignee_id=member.id,
        person_id=person.id,
        due_on=date(2026, 12, 4),
        **extra,
    )
    return work.create_assignment(coordinator, data, NOW, acknowledge_collisions=True)


# ---- entries in words ----


def test_assignment_history_names_people_not_ids(db, client, auth, coordinator, member):
    """issue 10: assignment history showed "assignee → 4, person → 13"."""
    person = PersonFactory(first_name="Elena", last_name="Marsh")
    issue = IssueFactory(name="Conrad 30 reauthorization")
    a = give(coordinator, member, person, issue_id=issue.id, priority="high")
    work.set_status(member, a, "in_progress", NOW + timedelta(hours=1))
    work.reassign(coordinator, a, coordinator.id, None, NOW + timedelta(hours=2))
    work.snooze(coordinator, a, date(2026, 12, 1), NOW + timedelta(hours=3))
    auth.login(coordinator.email)
    page = text(client.get(f"/assignments/{a.id}/history"))
    assert "Assignee: Mia Member → Cora Coordinator" in page
    assert "Status: Open → In progress" in page
    assert "Snoozed until: — → Dec 1, 2026" in page
    assert "Cora Coordinator reassigned the assignment Ask for a Conrad 30 cosponsorship" in page
    # The creation lists what was asked, in words.
    assert "Person: Elena Marsh" in page and "Issue: Conrad 30 reauthorization" in page
    assert "Priority: High" in page and "Due: Dec 4, 2026" in page
    assert not RAW.search(history_of(page)), RAW.search(history_of(page))
    # Newest first.
    assert page.index("snoozed") < page.index("reassigned") < page.index("added the assignment")


def test_assignment_page_links_to_its_history_tab(db, client, auth, coordinator, member):
    a = give(coordinator, member, PersonFactory())
    auth.login(coordinator.email)
    html = client.get(f"/assignments/{a.id}").get_data(as_text=True)
    assert f'href="/assignments/{a.id}/history"' in html
    assert "assignee →" not in html  # the old inline list of raw ids is gone


def test_describe_turns_every_kind_of_value_into_words(db, coordinator):
    holder = UserFactory(name="Hal Holder")
    person = PersonFactory(first_name="Ana", last_name="Ortiz")
    issue, bill = IssueFactory(name="Visa caps"), BillFactory(number="H.R. 1585", session="119")
    person_row = AuditEntry(
        actor_id=coordinator.id,
        action="update",
        entity_type="people",
        entity_id=person.id,
        before={"tier": "unknown", "holder_id": None, "cadence_days": None, "in_office": True},
        after={"tier": "champion", "holder_id": holder.id, "cadence_days": 30, "in_office": False},
        at=NOW,
    )
    contact_row = AuditEntry(
        actor_id=coordinator.id,
        action="update",
        entity_type="interactions",
        entity_id=None,
        # 15:00 UTC is 7:00 in Los Angeles (standard time in November).
        before={"occurred_at": "2026-11-20T15:00:00+00:00", "kind": "call", "notes": "x" * 300},
        after={"occurred_at": "2026-11-21T15:00:00+00:00", "kind": "meeting", "notes": "short"},
        at=NOW,
    )
    bill_row = AuditEntry(
        actor_id=None,
        action="update",
        entity_type="bills",
        entity_id=bill.id,
        before={"issues": []},
        after={"issues": [issue.id]},
        at=NOW,
    )
    db.session.add_all([person_row, contact_row, bill_row])
    db.session.commit()
    p, c, b = describe([person_row, contact_row, bill_row], tz="America/Los_Angeles")
    assert p.sentence == "Cora Coordinator changed Ana Ortiz"
    assert {(x.label, x.old, x.new) for x in p.changes} == {
        ("Tier", "Unknown", "Champion"),
        ("Relationship holder", "—", "Hal Holder"),
        ("Keep in touch", "—", "30 days"),
        ("In office", "Yes", "No"),
    }
    by_label = {x.label: x for x in c.changes}
    assert by_label["When"].old == "Nov 20, 2026 7:00 AM"
    assert by_label["Kind"].old == "Call" and by_label["Kind"].new == "Meeting"
    assert len(by_label["Notes"].old) == 80 and by_label["Notes"].old.endswith("…")
    assert b.actor == "The CRM" and b.label == "H.R. 1585 (119)"
    assert [(x.label, x.new) for x in b.changes] == [("Issues", "Visa caps")]


# ---- a fixed number of statements, however long the history ----


def busy_assignment(coordinator, n: int) -> Assignment:
    members = [UserFactory(name=f"Member {k}") for k in range(n)]
    a = give(coordinator, members[0], PersonFactory())
    for k, m in enumerate(members[1:], 1):
        work.reassign(coordinator, a, m.id, None, NOW + timedelta(minutes=k))
    return a


def test_history_pages_run_the_same_statements_however_long(
    db, client, auth, coordinator, count_queries
):
    quiet, busy = busy_assignment(coordinator, 2), busy_assignment(coordinator, 25)
    auth.login(coordinator.email)
    counts = []
    for a in (quiet, busy):
        with count_queries() as q:
            resp = client.get(f"/assignments/{a.id}/history")
        assert resp.status_code == 200
        counts.append(q)
    assert counts[0].count == counts[1].count, f"{counts[0]!r}\n{counts[1]!r}"
    for a in (quiet, busy):
        with count_queries() as q:
            client.get(f"/people/{a.person_id}/history")
        counts.append(q)
    assert counts[2].count == counts[3].count, f"{counts[2]!r}\n{counts[3]!r}"
    with count_queries() as q:
        client.get(f"/people/{busy.person_id}")
    assert "audit_log" not in " ".join(q.statements)  # the overview never reads the history


# ---- privacy ----


def private_contact(db, author, present, person, issue):
    data = InteractionData(
        people=[person.id],
        occurred_at=NOW - timedelta(hours=2),
        subject="Confidential: the senator's waiver plans",
        notes="She said in confidence she will cosponsor",
        outcome="Off the record",
        private=True,
        members=[present.id],
        issues=[issue.id],
        positions=[
            PositionInput(person.id, Subject("issue", issue.id), "support", "will cosponsor")
        ],
    )
    i = contacts.log_interaction(author, data, NOW)
    data.subject = "Confidential: revised"
    contacts.update_interaction(author, i, data, i.version, NOW + timedelta(minutes=5))
    return i


SECRETS = ("Confidential", "in confidence", "Off the record", "will cosponsor", "Support")


def test_private_contact_history_reaches_only_its_audience(
    db, client, auth, member, coordinator, admin
):
    author, present = member, UserFactory(name="Pia Present")
    outsider = UserFactory(email="out@example.org", name="Otto Outsider")
    person = PersonFactory(first_name="Dana", last_name="Senator")
    issue = IssueFactory(name="Conrad 30")
    i = private_contact(db, author, present, person, issue)
    done = give(coordinator, author, person)
    work.complete(author, done, NOW + timedelta(hours=1), interaction_id=i.id)

    auth.login(outsider.email)
    person_page = text(client.get(f"/people/{person.id}/history"))
    assert "Cora Coordinator added the assignment" in person_page  # the rest is there
    for secret in SECRETS:
        assert secret not in person_page, secret
    assert client.get(f"/interactions/{i.id}/history").status_code == 404
    work_page = text(client.get(f"/assignments/{done.id}/history"))
    assert "Status: Open → Done" in work_page and "Confidential" not in work_page
    assert "Done with the contact" not in work_page
    assert client.get("/admin/audit").status_code == 403

    for viewer in (author, present, coordinator, admin):
        auth.logout()
        auth.login(viewer.email)
        page = text(client.get(f"/people/{person.id}/history"))
        assert "Confidential: the senator's waiver plans → Confidential: revised" in page, viewer
        assert "Stance: Support" in page and "Commitment: will cosponsor" in page
        assert "Done with the contact: — → Confidential: revised" in text(
            client.get(f"/assignments/{done.id}/history")
        )
        assert "Confidential: revised" in text(client.get(f"/interactions/{i.id}/history"))
    auth.logout()
    auth.login(admin.email)
    assert "Confidential: revised" in text(client.get("/admin/audit?kind=interactions"))


# ---- the admin audit log ----


@pytest.fixture
def audit_rows(db, coordinator, member):
    person = PersonFactory(first_name="Ana", last_name="Ortiz")
    rows = [
        AuditEntry(
            actor_id=coordinator.id,
            action="update",
            entity_type="people",
            entity_id=person.id,
            before={"tier": "unknown"},
            after={"tier": "ally"},
            at=datetime(2026, 11, 2, 16, 0, tzinfo=UTC),
        ),
        AuditEntry(
            actor_id=member.id,
            action="delete",
            entity_type="people",
            entity_id=person.id,
            at=datetime(2026, 11, 10, 16, 0, tzinfo=UTC),
        ),
        AuditEntry(
            actor_id=None,
            action="import_update",
            entity_type="people",
            entity_id=person.id,
            before={"district": "1"},
            after={"district": "2"},
            at=datetime(2026, 11, 1, 16, 0, tzinfo=UTC),
        ),
        # 02:00 UTC on Nov 21 is still Nov 20 in New York.
        AuditEntry(
            actor_id=member.id,
            action="restore",
            entity_type="people",
            entity_id=person.id,
            at=datetime(2026, 11, 21, 2, 0, tzinfo=UTC),
        ),
    ]
    db.session.add_all(rows)
    db.session.commit()
    return person


@pytest.mark.parametrize(
    "query,shown,hidden",
    [
        ("", ["Tier: Unknown → Ally", "deleted", "restored"], []),
        ("actor={member}", ["deleted", "restored"], ["Tier:"]),
        ("actor=0", ["The directory import updated Ana Ortiz", "District: 1 → 2"], ["Tier:"]),
        ("action=update", ["Tier: Unknown → Ally"], ["deleted", "restored"]),
        ("kind=people&record={person}", ["Tier:", "deleted"], []),
        ("kind=campaigns", [], ["Tier:", "deleted"]),
        ("start=2026-11-03&end=2026-11-20", ["deleted", "restored"], ["Tier:"]),
        ("end=2026-11-19", ["Tier:", "deleted"], ["restored"]),
    ],
)
def test_admin_audit_filters(client, auth, admin, member, audit_rows, query, shown, hidden):
    auth.login(admin.email)
    url = "/admin/audit?" + query.format(member=member.id, person=audit_rows.id)
    resp = client.get(url)
    assert resp.status_code == 200
    page = text(resp).split("Clear", 1)[1]  # the rows, after the filter form
    for words in shown:
        assert words in page, (url, words)
    for words in hidden:
        assert words not in page, (url, words)
    if "Ana Ortiz" in page:
        html = resp.get_data(as_text=True)
        assert f'href="/people/{audit_rows.id}"' in html
        assert f'href="/admin/audit?kind=people&amp;record={audit_rows.id}"' in html


def test_admin_audit_is_newest_first_and_paginated(db, client, auth, admin):
    person = PersonFactory()
    db.session.add_all(
        AuditEntry(
            actor_id=admin.id,
            action="update",
            entity_type="people",
            entity_id=person.id,
            before={"district": str(k)},
            after={"district": str(k + 1)},
            at=NOW + timedelta(minutes=k),
        )
        for k in range(60)
    )
    db.session.commit()
    auth.login(admin.email)
    first = text(client.get("/admin/audit?action=update"))
    assert "District: 59 → 60" in first and "District: 10 → 11" in first
    assert "District: 9 → 10" not in first and "Older" in first
    second = text(client.get("/admin/audit?action=update&page=2"))
    assert "District: 9 → 10" in second and "District: 0 → 1" in second


@pytest.mark.parametrize(
    "query,message,kept",
    [
        ("start=yesterday", "Give a date like 2026-11-30.", 'value="yesterday"'),
        ("actor=abc", "Give a whole number.", None),
        ("actor=99999999999999999999", "Give a whole number.", None),
        ("start=0001-01-01", "Give a date between 1990 and 2100.", 'value="0001-01-01"'),
        ("end=9999-12-31", "Give a date between 1990 and 2100.", 'value="9999-12-31"'),
        ("kind=secrets", "Choose a kind of record from the list.", None),
        ("record=12", "Choose the kind of record too.", 'value="12"'),
        (
            "start=2026-11-20&end=2026-11-01",
            "The end date is before the start date.",
            'value="2026-11-01"',
        ),
    ],
)
def test_admin_audit_refuses_bad_filters_with_the_input_kept(
    client, auth, admin, query, message, kept
):
    auth.login(admin.email)
    resp = client.get("/admin/audit?" + query)
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert "is-invalid" in html and message in html
    if kept:
        assert kept in html


# ---- the trash ----


def test_trash_lists_deleted_records_and_restores_them(db, client, auth, coordinator, member):
    person = PersonFactory(first_name="Gone", last_name="Person")
    contact = contacts.log_interaction(
        member, InteractionData(people=[person.id], occurred_at=NOW, subject="Lost lunch"), NOW
    )
    a = give(coordinator, member, PersonFactory())
    campaign = Campaign(name="Old push", target_filter={}, created_by_id=coordinator.id)
    db.session.add(campaign)
    db.session.commit()
    people.delete_person(coordinator, person, NOW)
    contacts.delete_interaction(member, contact, NOW + timedelta(minutes=1))
    work.delete_assignment(coordinator, a, NOW + timedelta(minutes=2))
    campaigns.delete_campaign(coordinator, campaign, NOW + timedelta(minutes=3))

    auth.login(coordinator.email)
    page = text(client.get("/trash"))
    for name in ("Gone Person", "Lost lunch", "Ask for a Conrad 30 cosponsorship", "Old push"):
        assert name in page
    assert "by Mia Member" in page and "by Cora Coordinator" in page

    records = [("people", person), ("interactions", contact), ("assignments", a)]
    records.append(("campaigns", campaign))
    for kind, record in records:
        resp = auth.post("/trash/restore", {"kind": kind, "id": str(record.id)})
        assert resp.status_code == 302 and resp.headers["Location"].endswith("/trash")
        db.session.refresh(record)
        assert record.deleted_at is None, kind
        assert (
            db.session.scalar(
                sa.select(AuditEntry.actor_id).where(
                    AuditEntry.entity_type == kind,
                    AuditEntry.entity_id == record.id,
                    AuditEntry.action == "restore",
                )
            )
            == coordinator.id
        )
    page = text(client.get("/trash"))
    assert "“Old push” was restored." in page  # the flash after the last restore
    for title in ("People", "Contacts", "Assignments", "Campaigns"):
        assert f"{title} (0) None." in page
    # Restoring again (a second tab) says so; an unknown kind or id is no server error.
    for data in ({"kind": "people", "id": str(person.id)}, {"kind": "users", "id": "1"}, {}):
        resp = auth.post("/trash/restore", data, follow_redirects=True)
        assert resp.status_code == 200 and "not in the trash" in text(resp)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Person)) == 2
    assert db.session.get(Interaction, contact.id).deleted_at is None


def test_trash_is_for_coordinators(client, auth, member, coordinator):
    with pytest.raises(NotAllowed):
        services.trash(member)
    auth.login(member.email)
    assert client.get("/trash").status_code == 403
    html = client.get("/").get_data(as_text=True)
    assert 'href="/trash"' not in html
    auth.logout()
    auth.login(coordinator.email)
    assert 'href="/trash"' in client.get("/").get_data(as_text=True)


def test_trash_statements_do_not_grow_with_its_size(db, client, auth, coordinator, count_queries):
    def throw_away(n: int) -> None:
        for k in range(n):
            person = PersonFactory()
            contact = contacts.log_interaction(
                coordinator,
                InteractionData(people=[person.id], occurred_at=NOW, subject=f"Chat {k}"),
                NOW,
            )
            contacts.delete_interaction(coordinator, contact, NOW)
            work.delete_assignment(coordinator, give(coordinator, UserFactory(), person), NOW)
            people.delete_person(coordinator, person, NOW)

    auth.login(coordinator.email)
    throw_away(1)
    with count_queries() as few:
        client.get("/trash")
    throw_away(8)
    with count_queries() as many:
        page = text(client.get("/trash"))
    assert "People (9)" in page and "Contacts (9)" in page and "Assignments (9)" in page
    assert "Chat 7" in page and "with Pat" in page
    assert few.count == many.count, f"{few!r}\n{many!r}"


def test_contact_history_names_who_was_there(db, client, auth, member, coordinator):
    dana, sam = (
        PersonFactory(first_name="Dana", last_name="Lee"),
        PersonFactory(first_name="Sam", last_name="Staffer"),
    )
    issue = IssueFactory(name="Visa caps")
    data = InteractionData(people=[dana.id], occurred_at=NOW, subject="Call")
    i = contacts.log_interaction(member, data, NOW)
    data.people, data.members, data.issues = [dana.id, sam.id], [coordinator.id], [issue.id]
    contacts.update_interaction(member, i, data, i.version, NOW + timedelta(minutes=1))
    auth.login(member.email)
    page = text(client.get(f"/interactions/{i.id}/history"))
    assert "Contacted: Dana Lee" in page  # as logged
    assert "Contacted: Dana Lee → Dana Lee, Sam Staffer" in page
    assert "Members present: — → Cora Coordinator" in page and "Issues: — → Visa caps" in page
    assert not RAW.search(history_of(page))


def test_every_id_an_audited_record_holds_is_named():
    """A new foreign key on an audited table must say what it points at, or its history would
    show a number."""
    from crm.extensions import db as ext
    from crm.history.words import NOUNS, reference

    missing = []
    for table in ext.metadata.sorted_tables:
        if table.name not in NOUNS:
            continue
        for column in table.columns:
            for fk in column.foreign_keys:
                if reference(table.name, column.name) != fk.column.table.name:
                    missing.append(f"{table.name}.{column.name} -> {fk.column.table.name}")
    assert not missing, missing


def test_a_merged_duplicate_is_history_not_trash(db, client, auth, coordinator):
    from crm.duplicates.services import merge_people

    keep = PersonFactory(first_name="Pat", last_name="Kept")
    dup = PersonFactory(first_name="Pat", last_name="Twin")
    merge_people(coordinator, keep, dup, {}, NOW)
    auth.login(coordinator.email)
    assert "People (0)" in text(client.get("/trash"))
    resp = auth.post("/trash/restore", {"kind": "people", "id": str(dup.id)}, follow_redirects=True)
    assert "not in the trash" in text(resp)
    db.session.refresh(dup)
    assert dup.deleted_at is not None
    page = text(client.get(f"/people/{keep.id}/history"))
    assert "Cora Coordinator merged a duplicate into Pat Kept" in page
    assert "Duplicate: Pat Twin" in page and not RAW.search(history_of(page))
