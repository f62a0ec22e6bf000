"""Positions: the current-position rule, history, the quick log, the person page, commitments,
and the directory's "position on an issue" filter."""

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from crm.clock import utcnow
from crm.interactions.services import (
    InteractionData,
    delete_interaction,
    log_interaction,
    restore_interaction,
)
from crm.models import AuditEntry, Person, Position
from crm.people.filters import DirectoryFilter, filter_from_dict
from crm.policy.positions import (
    PositionInput,
    Subject,
    current_positions,
    mark_commitment,
    person_positions,
    record_position,
)
from tests.factories import BillFactory, IssueFactory, PersonFactory, UserFactory

NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)


def current(db, subject):
    cp = current_positions(subject, viewer=None)
    rows = db.session.execute(sa.select(cp.c.person_id, cp.c.stance))
    return {pid: stance for pid, stance in rows}


def said(user, person, subject, stance, when, **kw):
    return record_position(user, PositionInput(person.id, subject, stance, **kw), when)


def log_with_positions(user, people, issue, stances, when, bills=()):
    data = InteractionData(
        people=[p.id for p in people],
        occurred_at=when,
        issues=[issue.id],
        bills=[b.id for b in bills],
        members=[user.id],
        positions=[
            PositionInput(p.id, Subject("issue", issue.id), s)
            for p, s in zip(people, stances, strict=True)
        ],
    )
    return log_interaction(user, data, when + timedelta(minutes=5))


def test_latest_recording_wins_and_history_is_kept(db, member):
    issue, senator = IssueFactory(), PersonFactory()
    subject = Subject("issue", issue.id)
    said(member, senator, subject, "undecided", NOW - timedelta(days=30))
    said(member, senator, subject, "lean_support", NOW - timedelta(days=10))
    assert current(db, subject) == {senator.id: "lean_support"}
    said(member, senator, subject, "support", NOW)
    assert current(db, subject) == {senator.id: "support"}
    [history] = person_positions(senator.id, None)
    assert [p.stance for p in history.rows] == ["support", "lean_support", "undecided"]
    assert history.current.stance == "support"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Position)) == 3


def test_same_moment_the_later_row_wins(db, member):
    issue, senator = IssueFactory(), PersonFactory()
    subject = Subject("issue", issue.id)
    said(member, senator, subject, "oppose", NOW)
    said(member, senator, subject, "undecided", NOW)
    assert current(db, subject) == {senator.id: "undecided"}


def test_a_meeting_logged_late_does_not_override_a_newer_position(db, member):
    issue, senator = IssueFactory(), PersonFactory()
    subject = Subject("issue", issue.id)
    said(member, senator, subject, "support", NOW - timedelta(days=2))
    log_with_positions(member, [senator], issue, ["oppose"], NOW - timedelta(days=20))
    assert current(db, subject) == {senator.id: "support"}


def test_issue_and_bill_positions_are_separate(db, member):
    issue, bill, senator = IssueFactory(), BillFactory(), PersonFactory()
    said(member, senator, Subject("issue", issue.id), "support", NOW)
    said(member, senator, Subject("bill", bill.id), "undecided", NOW)
    assert current(db, Subject("issue", issue.id)) == {senator.id: "support"}
    assert current(db, Subject("bill", bill.id)) == {senator.id: "undecided"}


def test_a_deleted_interactions_position_no_longer_counts(db, member, coordinator):
    issue, senator = IssueFactory(), PersonFactory()
    subject = Subject("issue", issue.id)
    said(member, senator, subject, "undecided", NOW - timedelta(days=30))
    meeting = log_with_positions(member, [senator], issue, ["support"], NOW - timedelta(days=3))
    assert current(db, subject) == {senator.id: "support"}

    delete_interaction(member, meeting, NOW)
    assert current(db, subject) == {senator.id: "undecided"}
    assert [p.stance for p in person_positions(senator.id, None)[0].rows] == ["undecided"]

    restore_interaction(coordinator, meeting, NOW)
    assert current(db, subject) == {senator.id: "support"}


def test_only_position_from_a_deleted_contact_leaves_unknown(db, member):
    issue, senator = IssueFactory(), PersonFactory()
    meeting = log_with_positions(member, [senator], issue, ["oppose"], NOW - timedelta(days=3))
    delete_interaction(member, meeting, NOW)
    assert current(db, Subject("issue", issue.id)) == {}
    flt = DirectoryFilter(position_issue=issue.id, position_stance=("unknown",))
    assert [p.id for p in db.session.scalars(flt.apply(sa.select(Person), NOW, viewer=None))] == [
        senator.id
    ]


# ---- the quick log ----


def quick_log_form(people, issues=(), bills=(), **extra):
    return {
        "people": [str(p.id) for p in people],
        "occurred_at": "2026-11-20T09:30",
        "kind": "meeting",
        "issues": [str(i.id) for i in issues],
        "bills": [str(b.id) for b in bills],
        "members": [],
        "submission_key": "k-" + "-".join(str(p.id) for p in people),
        **extra,
    }


def test_quick_log_records_positions_per_person_and_subject(db, auth, as_member):
    issue, bill = IssueFactory(name="Conrad 30 reauthorization"), BillFactory(number="H.R. 1585")
    a, b = PersonFactory(), PersonFactory()
    resp = auth.post(
        "/log",
        quick_log_form(
            [a, b],
            [issue],
            [bill],
            **{
                f"position-{a.id}-i{issue.id}": "support",
                f"commitment-{a.id}-i{issue.id}": "Will cosponsor",
                f"position-{b.id}-b{bill.id}": "lean_oppose",
                f"position-{b.id}-i{issue.id}": "",
            },
        ),
    )  # not stated: nothing recorded
    assert resp.status_code == 302
    rows = db.session.scalars(sa.select(Position).order_by(Position.id)).all()
    assert [(r.person_id, r.issue_id, r.bill_id, r.stance) for r in rows] == [
        (a.id, issue.id, None, "support"),
        (b.id, None, bill.id, "lean_oppose"),
    ]
    interaction_id = int(resp.headers["Location"].rsplit("/", 1)[1])
    assert {r.interaction_id for r in rows} == {interaction_id}
    assert rows[0].commitment == "Will cosponsor" and rows[0].commitment_status == "pending"
    assert rows[0].recorded_by_id == as_member.id
    # dated when the meeting happened (09:30 New York time), not when it was logged
    assert rows[0].recorded_at == datetime(2026, 11, 20, 14, 30, tzinfo=UTC)
    page = auth.client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "Positions stated" in page and "Lean oppose" in page


def test_quick_log_positions_are_optional_and_collapsed(db, auth, as_member):
    issue, person = IssueFactory(), PersonFactory()
    page = auth.client.get(f"/log?person={person.id}").get_data(as_text=True)
    assert '<details class="mb-3 positions-block" id="positions-block">' in page  # closed
    resp = auth.post("/log", quick_log_form([person], [issue]))
    assert resp.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Position)) == 0


def test_quick_log_refuses_a_position_on_something_not_discussed(db, auth, as_member):
    discussed, other, person = IssueFactory(), IssueFactory(), PersonFactory()
    resp = auth.post(
        "/log",
        quick_log_form([person], [discussed], **{f"position-{person.id}-i{other.id}": "support"}),
    )
    assert resp.status_code == 422
    assert "Tick the issue or bill as discussed" in resp.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Position)) == 0
    assert db.session.scalar(sa.text("select count(*) from interactions")) == 0


def test_quick_log_refuses_a_commitment_without_a_position(db, auth, as_member):
    issue, person = IssueFactory(), PersonFactory()
    resp = auth.post(
        "/log",
        quick_log_form(
            [person], [issue], **{f"commitment-{person.id}-i{issue.id}": "Will cosponsor"}
        ),
    )
    assert resp.status_code == 422
    page = resp.get_data(as_text=True)
    assert "Choose the position that goes with the commitment" in page
    assert 'value="Will cosponsor"' in page  # what was typed comes back in the grid
    assert db.session.scalar(sa.text("select count(*) from interactions")) == 0


def test_quick_log_refuses_an_unknown_stance(db, auth, as_member):
    issue, person = IssueFactory(), PersonFactory()
    resp = auth.post(
        "/log", quick_log_form([person], [issue], **{f"position-{person.id}-i{issue.id}": "maybe"})
    )
    assert resp.status_code == 422
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Position)) == 0


# ---- the person page ----


def test_person_page_shows_current_positions_and_history(db, auth, as_member):
    issue = IssueFactory(name="Conrad 30 reauthorization")
    senator, recorder = PersonFactory(), UserFactory(name="Rahul Recorder")
    subject = Subject("issue", issue.id)
    said(recorder, senator, subject, "undecided", utcnow() - timedelta(days=40))
    said(
        recorder,
        senator,
        subject,
        "lean_support",
        utcnow() - timedelta(days=1),
        commitment="Will cosponsor",
    )
    page = auth.client.get(f"/people/{senator.id}").get_data(as_text=True)
    section = page[page.index('id="positions"') : page.index('id="tl-h"')]
    assert "Conrad 30 reauthorization" in section
    assert '<span class="stance stance-lean_support">Lean support</span>' in section
    assert "Will cosponsor" in section and "Pending" in section
    assert "History (1 earlier)" in section and "stance-undecided" in section
    assert "Rahul Recorder" in section


def test_member_records_a_position_from_the_person_page(db, auth, as_member):
    issue, senator = IssueFactory(), PersonFactory()
    resp = auth.post(
        f"/people/{senator.id}/positions",
        {
            "subject": f"i{issue.id}",
            "stance": "oppose",
            "commitment": "",
            "notes": "Said so at the town hall.",
        },
    )
    assert resp.status_code == 302 and resp.headers["Location"].endswith("#positions")
    row = db.session.scalar(sa.select(Position))
    assert (row.person_id, row.issue_id, row.stance, row.interaction_id, row.recorded_by_id) == (
        senator.id,
        issue.id,
        "oppose",
        None,
        as_member.id,
    )
    assert row.notes == "Said so at the town hall."
    audit = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.entity_type == "positions"))
    assert audit.action == "create" and audit.actor_id == as_member.id


@pytest.mark.parametrize(
    "form",
    [
        {"subject": "i999999", "stance": "oppose"},
        {"subject": "x1", "stance": "oppose"},
        {"subject": "", "stance": "oppose"},
    ],
)
def test_a_bad_position_is_not_saved_and_says_why(db, auth, as_member, form):
    senator = PersonFactory()
    resp = auth.post(f"/people/{senator.id}/positions", form, follow_redirects=True)
    assert "The position was not saved" in resp.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Position)) == 0


# ---- commitments ----


def test_coordinator_marks_a_commitment_kept(db, auth, as_coordinator):
    issue, senator = IssueFactory(), PersonFactory()
    position = said(
        as_coordinator,
        senator,
        Subject("issue", issue.id),
        "support",
        NOW,
        commitment="Will cosponsor",
    )
    resp = auth.post(f"/positions/{position.id}/commitment", {"status": "kept"})
    assert resp.status_code == 302
    db.session.refresh(position)
    assert position.commitment_status == "kept"
    entry = db.session.scalars(
        sa.select(AuditEntry).where(
            AuditEntry.entity_type == "positions", AuditEntry.action == "update"
        )
    ).one()
    assert entry.before == {"commitment_status": "pending"}
    assert entry.after == {"commitment_status": "kept"}
    page = auth.client.get(f"/people/{senator.id}").get_data(as_text=True)
    assert '<option value="kept" selected>' in page


def test_members_cannot_mark_commitments(db, auth, as_member, coordinator):
    issue, senator = IssueFactory(), PersonFactory()
    position = said(
        as_member, senator, Subject("issue", issue.id), "support", NOW, commitment="Will cosponsor"
    )
    assert auth.post(f"/positions/{position.id}/commitment", {"status": "kept"}).status_code == 403
    db.session.refresh(position)
    assert position.commitment_status == "pending"


def test_a_position_without_commitment_cannot_be_marked(db, coordinator):
    from crm.errors import DomainError

    issue, senator = IssueFactory(), PersonFactory()
    position = said(coordinator, senator, Subject("issue", issue.id), "support", NOW)
    with pytest.raises(DomainError):
        mark_commitment(coordinator, position.id, "kept", NOW)


# ---- the directory filter ----


@pytest.fixture
def stances_dataset(db, member):
    issue, other = IssueFactory(), IssueFactory()
    people = {
        name: PersonFactory(last_name=name)
        for name in ("Supporter", "Leaner", "Opponent", "Silent", "Changed", "OtherIssue")
    }
    s = Subject("issue", issue.id)
    said(member, people["Supporter"], s, "support", NOW)
    said(member, people["Leaner"], s, "lean_support", NOW)
    said(member, people["Opponent"], s, "oppose", NOW)
    said(member, people["Changed"], s, "support", NOW - timedelta(days=9))
    said(member, people["Changed"], s, "unknown", NOW)
    said(member, people["OtherIssue"], Subject("issue", other.id), "support", NOW)
    return issue, people


def names(db, flt):
    return sorted(
        p.last_name for p in db.session.scalars(flt.apply(sa.select(Person), NOW, viewer=None))
    )


def test_filter_by_position_on_an_issue(db, stances_dataset):
    issue, _ = stances_dataset
    assert names(db, DirectoryFilter(position_issue=issue.id, position_stance=("support",))) == [
        "Supporter"
    ]
    assert names(
        db, DirectoryFilter(position_issue=issue.id, position_stance=("support", "lean_support"))
    ) == ["Leaner", "Supporter"]
    # no position row (or a current "unknown") is unknown
    assert names(db, DirectoryFilter(position_issue=issue.id, position_stance=("unknown",))) == [
        "Changed",
        "OtherIssue",
        "Silent",
    ]
    assert names(
        db, DirectoryFilter(position_issue=issue.id, position_stance=("oppose", "unknown"))
    ) == ["Changed", "Opponent", "OtherIssue", "Silent"]
    assert len(names(db, DirectoryFilter(position_issue=issue.id))) == 6  # no stance: no filter


def test_position_filter_from_the_query_string_and_saved_dict(db, auth, as_member, stances_dataset):
    issue, _ = stances_dataset
    page = auth.client.get(
        f"/people/?position_issue={issue.id}&position_stance=support&position_stance=oppose"
    ).get_data(as_text=True)
    assert "Supporter" in page and "Opponent" in page and "Leaner" not in page
    assert "2 people" in page
    flt = DirectoryFilter.from_args(
        {"position_issue": str(issue.id), "position_stance": "oppose,support,bogus"}
    )
    assert flt.position_stance == ("support", "oppose")
    assert filter_from_dict(flt.to_dict()) == flt
    csv = auth.client.get(
        f"/people/export.csv?position_issue={issue.id}&position_stance=support"
        "&position_stance=oppose"
    ).get_data(as_text=True)
    assert "Supporter" in csv and "Opponent" in csv and "Leaner" not in csv
