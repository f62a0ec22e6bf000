"""The state of an assignment (open, snoozed, overdue, due soon) is one rule, read alike by my work,
the team view, the reports, the reminders, the digests and the pages' due labels."""

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from crm.assignments import listing
from crm.clock import local_today, utcnow
from crm.models import Assignment
from crm.reports.services import members_table
from tests.factories import AssignmentFactory, OrganizationFactory, PersonFactory, UserFactory

NOW = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)  # 10:00 in New York
TODAY = date(2026, 11, 24)


def days(n: int) -> date:
    return TODAY + timedelta(days=n)


@pytest.fixture
def grid(db, member):
    """One assignment per edge of the rules, all the member's."""
    gone = PersonFactory(last_name="Deleted")
    rows = {
        "late": dict(due_on=days(-1)),
        "late in progress": dict(due_on=days(-3), status="in_progress"),
        "late, snoozed past today": dict(due_on=days(-2), snoozed_until=days(1)),
        "late, snoozed until today": dict(due_on=days(-2), snoozed_until=TODAY),
        "late but done": dict(due_on=days(-2), status="done"),
        "late but cancelled": dict(due_on=days(-2), status="cancelled"),
        "due today": dict(due_on=TODAY),
        "due in 7 days": dict(due_on=days(7)),
        "due in 8 days": dict(due_on=days(8)),
        "undated": dict(due_on=None),
        "snoozed, due soon": dict(due_on=days(2), snoozed_until=days(3)),
    }
    made = {
        title: AssignmentFactory(assignee=member, title=title, **kw) for title, kw in rows.items()
    }
    made["late, deleted"] = AssignmentFactory(
        assignee=member, title="late, deleted", due_on=days(-1), deleted_at=NOW
    )
    made["late, about a deleted person"] = AssignmentFactory(
        assignee=member, title="late, about a deleted person", person=gone, due_on=days(-1)
    )
    gone.deleted_at = NOW
    db.session.commit()
    return made


def titles(db, *where) -> set[str]:
    return set(db.session.scalars(sa.select(Assignment.title).where(*where)))


def test_the_rules_on_the_edges(db, grid):
    """Pinned before the rules moved onto the model: what counts as overdue, due soon, snoozed."""
    assert titles(db, Assignment.overdue(TODAY)) == {
        "late",
        "late in progress",
        "late, snoozed until today",
    }
    assert titles(db, Assignment.active(), Assignment.is_due_soon(TODAY)) == {
        "due today",
        "due in 7 days",
    }
    assert titles(db, Assignment.active(), Assignment.is_snoozed(TODAY)) == {
        "late, snoozed past today",
        "snoozed, due soon",
    }
    assert titles(db, Assignment.active()) == set(grid) - {
        "late but done",
        "late but cancelled",
        "late, deleted",
        "late, about a deleted person",
    }


def test_a_loaded_row_and_sql_agree(db, grid):
    """Each hybrid gives the same answer on a loaded row as in a query, for every row."""
    for today in (days(-5), TODAY, days(3)):
        for name in ("is_overdue", "is_due_soon", "is_snoozed"):
            in_sql = titles(db, getattr(Assignment, name)(today))
            in_python = {t for t, a in grid.items() if getattr(a, name)(today)}
            assert in_sql == in_python, (name, today)
        assert titles(db, Assignment.is_open) == {t for t, a in grid.items() if a.is_open}


def test_my_work_buckets_follow_the_rules(db, member, grid):
    work = listing.my_work(member, NOW)
    assert {a.title for a in work.overdue} == titles(db, Assignment.overdue(TODAY))
    assert {a.title for a in work.due_soon} == {"due today", "due in 7 days"}
    assert {a.title for a in work.snoozed} == {"late, snoozed past today", "snoozed, due soon"}
    assert {a.title for a in work.later} == {"due in 8 days", "undated"}


def test_the_due_label_marks_due_soon_up_to_7_days(db, client, as_member):
    today = local_today(utcnow(), as_member.timezone)  # the page reads the clock
    AssignmentFactory(assignee=as_member, title="Seven", due_on=today + timedelta(days=7))
    AssignmentFactory(assignee=as_member, title="Eight", due_on=today + timedelta(days=8))
    AssignmentFactory(
        assignee=as_member,
        title="Snoozed",
        due_on=today - timedelta(days=1),
        snoozed_until=today + timedelta(days=2),
    )
    page = client.get("/my-work").get_data(as_text=True)

    def label(title: str) -> str:
        item = page[page.index(f">{title}<") :]
        return item[: item.index("</li>")]

    assert '<span class="due due-soon">due ' in label("Seven")
    assert '<span class="due">due ' in label("Eight")
    assert '<span class="due due-snoozed">snoozed until ' in label("Snoozed")


def test_target_name_is_the_person_else_the_office(db, member):
    person = PersonFactory(first_name="Ada", last_name="Lovelace")
    office = OrganizationFactory(name="Department of Labor")
    assert AssignmentFactory(assignee=member, person=person).target_name == person.full_name
    assert AssignmentFactory(assignee=member, person=None, organization=office).target_name == (
        "Department of Labor"
    )
    assert AssignmentFactory(assignee=member, person=None).target_name == ""


def test_the_members_report_agrees_with_the_team_view(db, auth, coordinator, member, grid):
    """Open and Overdue per member are the team view's counts: snoozed work and work about
    deleted people count in neither."""
    other = UserFactory(name="Olga Other")
    AssignmentFactory(assignee=other, title="Other late", due_on=days(-4))
    AssignmentFactory(assignee=other, title="Other snoozed", due_on=days(-4), snoozed_until=days(9))
    for user in (member, other):
        row = next(r for r in members_table(NOW, "America/New_York") if r.user.id == user.id)
        late = listing.TeamFilter(assignee=user.id, overdue=True)
        active = listing.TeamFilter(assignee=user.id, status="active")
        assert (
            row.overdue
            == listing.team_page(late, page=1, per_page=50, today=TODAY, viewer=coordinator).total
        )
        assert (
            row.open
            == listing.team_page(active, page=1, per_page=50, today=TODAY, viewer=coordinator).total
        )
    row = next(r for r in members_table(NOW, "America/New_York") if r.user.id == member.id)
    assert (row.overdue, row.open) == (3, 9)
