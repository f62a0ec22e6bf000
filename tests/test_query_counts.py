"""Statements per request on the hot paths stay the same however many rows a page shows (no N+1)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from crm.models import Committee, CommitteeMembership, Interaction, Issue, Person, StaffRole, User
from tests.factories import UserFactory

NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)


def add_people(
    db,
    n: int,
    *,
    holder: User | None = None,
    by: User | None = None,
    state: str = "TX",
    kind: str = "legislator",
) -> list[Person]:
    """n people with everything the directory row shows: holder, last contact and who made it."""
    people = []
    for k in range(n):
        p = Person(
            kind=kind,
            first_name=f"Pat{k}",
            last_name=f"Person{len(people)}-{k}",
            full_name="",
            level="federal",
            chamber="lower",
            state=state,
            district=str(k + 1),
            party="Democratic",
            holder_id=holder.id if holder else None,
            cadence_days=30 if holder else None,
            last_contacted_at=NOW - timedelta(days=k) if by else None,
            last_contacted_by_id=by.id if by else None,
        )
        p.set_names()
        people.append(p)
    db.session.add_all(people)
    db.session.commit()
    return people


def add_interactions(
    db,
    person: Person,
    n: int,
    *,
    logged_by: User,
    members: list[User],
    issues: list[Issue],
    others: list[Person],
) -> None:
    """n interactions with the person, each with other people, several members and issues."""
    db.session.add_all(
        Interaction(
            kind="meeting",
            occurred_at=NOW - timedelta(hours=k),
            subject=f"Meeting {k}",
            logged_by_id=logged_by.id,
            people=[person, *others],
            members=members,
            issues=issues,
            private=k % 7 == 0,
        )
        for k in range(n)
    )
    db.session.commit()


def make_issues(db, n: int) -> list[Issue]:
    start = db.session.scalar(sa.select(sa.func.count()).select_from(Issue))
    issues = [Issue(name=f"Issue {k}", slug=f"issue-{k}") for k in range(start, start + n)]
    db.session.add_all(issues)
    db.session.commit()
    return issues


def make_office(db, person: Person, n: int) -> None:
    """n staffers (one moved on), n committees (one a subcommittee) for the person."""
    staff = add_people(db, n, kind="staff")
    for k, s in enumerate(staff):
        db.session.add(
            StaffRole(
                staff_id=s.id,
                employer_id=person.id,
                title="Legislative Assistant",
                start_date=date(2025, 1, 3),
                end_date=date(2026, 1, 1) if k == 0 else None,
            )
        )
    parent = None
    for k in range(n):
        c = Committee(
            name=f"Committee {person.id}-{k}",
            level="federal",
            jurisdiction="US",
            chamber="lower",
            parent_id=parent.id if parent and k == n - 1 else None,
        )
        db.session.add(c)
        db.session.flush()
        parent = parent or c
        db.session.add(
            CommitteeMembership(
                committee_id=c.id, person_id=person.id, role="chair" if k == 0 else "member"
            )
        )
    db.session.commit()


def current_staff(db, person: Person) -> list[Person]:
    return list(
        db.session.scalars(
            sa.select(Person)
            .join(StaffRole, StaffRole.staff_id == Person.id)
            .where(StaffRole.employer_id == person.id, StaffRole.end_date.is_(None))
            .order_by(Person.id)
        )
    )


def statements(count_queries, client, url: str):
    with count_queries() as q:
        resp = client.get(url)
    assert resp.status_code == 200, url
    return q


# ---- directory ----

DIRECTORY_URLS = [
    "/people/",
    "/people/?state=TX&sort=last_contact",
    "/people/?q=pat&not_contacted_days=3",
    "/people/?page=2",
    "/people/?committee=1&tier=unknown&holder=1",
    "/people/?tag=1&include_out_of_office=1",
]


@pytest.mark.parametrize("url", DIRECTORY_URLS)
def test_directory_statements_do_not_grow_with_rows(db, client, as_member, count_queries, url):
    other = UserFactory(name="Holder Hal")
    add_people(db, 60, holder=other, by=as_member)  # two pages: page 2 exists
    # The first page in this process also reads the members and committees it lists (crm.options).
    first = statements(count_queries, client, url)
    few = statements(count_queries, client, url)
    add_people(db, 100, holder=as_member, by=other)
    many = statements(count_queries, client, url)
    assert many.count == few.count, f"{few!r}\n{many!r}"
    # The session, the page of rows with its total (none counted when nothing matches), and the
    # filter bar's options (the versions of its member and committee lists) with the tag filter's
    # choices and the saved lists.
    assert many.count <= 3, many
    assert first.count == many.count + 1, first


def test_directory_page_past_the_end_shows_the_last(db, client, as_member, count_queries):
    add_people(db, 60, by=as_member)
    client.get("/people/")  # the member and committee lists read once
    with count_queries() as q:
        html = client.get("/people/?page=9").get_data(as_text=True)
    assert "Page 2 of 2" in html and html.count('class="fw-semibold" href="/people/') == 10
    assert q.count <= 5, q  # the directory's 3, the count, and the last page read again


def test_directory_page_shows_fifty_of_many(db, client, as_member):
    add_people(db, 60, by=as_member)
    html = client.get("/people/").get_data(as_text=True)
    assert html.count('class="fw-semibold" href="/people/') == 50
    assert "60 people" in html and "Page 1 of 2" in html


# ---- person page ----


def person_with_history(db, n_interactions: int, n_office: int, viewer: User) -> Person:
    colleague = UserFactory(name="Colleague Cleo")
    person, *others = add_people(db, 3, holder=colleague, by=colleague)
    make_office(db, person, n_office)
    issues = list(db.session.scalars(sa.select(Issue))) or make_issues(db, 3)
    add_interactions(
        db,
        person,
        n_interactions,
        logged_by=colleague,
        members=[colleague, viewer],
        issues=issues[: 1 + n_interactions % 3],
        others=others[: n_interactions % 3],
    )
    return person


@pytest.mark.parametrize("viewer", ["as_member", "as_coordinator", "as_admin"])
def test_person_page_statements_do_not_grow_with_history(
    db, client, count_queries, request, viewer
):
    user = request.getfixturevalue(viewer)
    quiet = person_with_history(db, 1, 1, user)
    busy = person_with_history(db, 60, 6, user)
    few = statements(count_queries, client, f"/people/{quiet.id}")
    many = statements(count_queries, client, f"/people/{busy.id}")
    assert many.count == few.count, f"{few!r}\n{many!r}"
    # The session, the person, the office (committees, staff, employers, last contact) with the
    # position form's subjects, the tags (the tag picker's choices), the positions and the open
    # work the viewer may see, and the timeline with its count and its people and issues.
    assert many.count <= 4, many


def test_staffer_page_runs_the_same_statements_as_the_legislators(
    db, client, as_member, count_queries
):
    boss = person_with_history(db, 5, 3, as_member)
    staffer = current_staff(db, boss)[0]
    add_interactions(db, staffer, 2, logged_by=as_member, members=[as_member], issues=[], others=[])
    legislator = statements(count_queries, client, f"/people/{boss.id}")
    staff = statements(count_queries, client, f"/people/{staffer.id}")
    assert staff.count == legislator.count, f"{legislator!r}\n{staff!r}"


# ---- dashboard ----


def test_dashboard_statements_do_not_grow_with_activity(db, client, as_member, count_queries):
    colleague = UserFactory(name="Colleague Cleo")
    people = add_people(db, 4)
    issues = make_issues(db, 3)
    add_interactions(
        db, people[0], 1, logged_by=as_member, members=[as_member], issues=issues[:1], others=[]
    )
    few = statements(count_queries, client, "/")
    add_interactions(
        db,
        people[1],
        40,
        logged_by=as_member,
        members=[as_member, colleague],
        issues=issues,
        others=people[2:],
    )
    add_interactions(
        db,
        people[0],
        40,
        logged_by=colleague,
        members=[colleague, as_member],
        issues=issues[1:],
        others=people[1:3],
    )
    many = statements(count_queries, client, "/")
    assert many.count == few.count, f"{few!r}\n{many!r}"
    # The session, the header counts, my contacts with the team's and their people and issues,
    # my work, and what moved on tracked bills.
    assert many.count <= 5, many


# ---- quick log ----


def test_quick_log_form_statements_do_not_grow_with_choices(db, client, as_member, count_queries):
    person = add_people(db, 1)[0]
    make_issues(db, 1)
    few = statements(count_queries, client, f"/log?person={person.id}")
    UserFactory.create_batch(30)
    make_issues(db, 8)
    make_office(db, person, 4)
    # New members: this time the members' checkboxes are read and rendered (crm.options) ...
    changed = statements(count_queries, client, f"/log?person={person.id}")
    # ... and from then on only their version is.
    many = statements(count_queries, client, f"/log?person={person.id}")
    assert many.count == few.count - 1 == changed.count - 1, f"{few!r}\n{many!r}"
    assert many.count <= 11, many


def post_log(auth, count_queries, people: list[Person], members: list[User], issues: list[Issue]):
    data = {
        "people": [p.id for p in people],
        "members": [m.id for m in members],
        "issues": [i.id for i in issues],
        "occurred_at": "2026-11-20T09:30",
        "kind": "meeting",
        "subject": "Conrad 30 ask",
        "submission_key": f"key-{people[0].id}-{len(people)}",
    }
    token = auth.token()
    with count_queries() as q:
        resp = auth.post("/log", {**data, "csrf_token": token})
    assert resp.status_code == 302, resp.get_data(as_text=True)
    return q


def test_quick_log_post_statements_do_not_grow_with_people(db, auth, as_member, count_queries):
    colleagues = UserFactory.create_batch(3)
    issues = make_issues(db, 3)
    holder = UserFactory(name="Holder Hal")
    one = add_people(db, 1, holder=holder)
    few = post_log(auth, count_queries, one, [as_member], issues[:1])
    # Four people, two of them staff of a legislator with a cadence: the office moves forward too.
    boss, *rest = add_people(db, 3, holder=holder)
    make_office(db, boss, 3)
    staff = current_staff(db, boss)
    many = post_log(auth, count_queries, [*rest, *staff], [as_member, *colleagues], issues)
    assert many.count == few.count, f"{few!r}\n{many!r}"
    # The session; the people with the check of the rest and the submission key; the contact and
    # its three link tables; the office's last contact and due with whether a keep-in-touch
    # follow-up is answered (one UPDATE; none is, so none is read); the audit; the contact's
    # words written to the search index.
    assert many.count <= 9, many
    db.session.expire_all()
    assert db.session.get(Person, boss.id).last_contacted_at is not None
    assert db.session.get(Person, boss.id).next_touch_due == date(2026, 12, 20)
