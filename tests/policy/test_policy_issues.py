"""Issues and bills: coordinators manage them, everyone sees them; audit, validation, CSV;
the nav entries; the demo seed's positions."""

import sqlalchemy as sa

from crm.clock import utcnow
from crm.models import AuditEntry, Bill, Issue, Position
from tests.factories import BillFactory, IssueFactory, PersonFactory


def test_coordinator_adds_and_edits_an_issue(db, auth, as_coordinator):
    resp = auth.post(
        "/issues/new",
        {
            "name": "Conrad 30 reauthorization",
            "slug": "",
            "description": "Reauthorize the program.",
            "active": "y",
        },
    )
    assert resp.status_code == 302
    issue = db.session.scalar(sa.select(Issue))
    assert (issue.name, issue.slug, issue.active) == (
        "Conrad 30 reauthorization",
        "conrad-30-reauthorization",
        True,
    )
    resp = auth.post(
        f"/issues/{issue.id}/edit", {"name": "Conrad 30", "slug": "conrad-30", "description": ""}
    )
    assert resp.status_code == 302
    db.session.refresh(issue)
    assert (issue.name, issue.active, issue.description) == ("Conrad 30", False, None)
    actions = db.session.scalars(
        sa.select(AuditEntry.action)
        .where(AuditEntry.entity_type == "issues")
        .order_by(AuditEntry.id)
    ).all()
    assert actions == ["create", "update"]


def test_issue_names_are_unique(db, auth, as_coordinator):
    IssueFactory(name="Green-card backlog", slug="backlog")
    resp = auth.post("/issues/new", {"name": "green-card BACKLOG", "active": "y"})
    assert resp.status_code == 422
    assert "Another issue already has this name." in resp.get_data(as_text=True)


def test_coordinator_adds_a_bill_with_its_issues(db, auth, as_coordinator):
    conrad = IssueFactory(name="Conrad 30")
    resp = auth.post(
        "/bills/new",
        {
            "jurisdiction": "us",
            "session": "119",
            "number": "H.R.  1585",
            "title": "Conrad State 30 and Physician Access Reauthorization Act",
            "chamber": "lower",
            "status": "Referred to the Committee on the Judiciary",
            "introduced_on": "2025-02-25",
            "url": "www.congress.gov/bill/119th-congress/house-bill/1585",
            "issues": [str(conrad.id)],
        },
    )
    assert resp.status_code == 302
    bill = db.session.scalar(sa.select(Bill))
    assert (bill.jurisdiction, bill.number, bill.label) == ("US", "H.R. 1585", "H.R. 1585 (119)")
    assert bill.url == "https://www.congress.gov/bill/119th-congress/house-bill/1585"
    assert [i.name for i in bill.issues] == ["Conrad 30"]
    assert bill.introduced_on.isoformat() == "2025-02-25"
    page = auth.client.get("/issues/").get_data(as_text=True)
    assert "H.R. 1585 (119)" in page and f"/bills/{bill.id}/whip" in page
    again = auth.post(
        "/bills/new",
        {"jurisdiction": "US", "session": "119", "number": "H.R. 1585", "title": "Duplicate"},
    )
    assert again.status_code == 422
    assert "already listed" in again.get_data(as_text=True)


def test_bill_jurisdiction_must_be_us_or_a_state(db, auth, as_coordinator):
    resp = auth.post(
        "/bills/new", {"jurisdiction": "XX", "session": "2026", "number": "SB 1", "title": "A bill"}
    )
    assert resp.status_code == 422
    assert "Use US for Congress or a two-letter state code." in resp.get_data(as_text=True)


def test_members_see_issues_but_cannot_manage_them(db, auth, as_member):
    issue, bill = IssueFactory(name="State IMG licensure pathways"), BillFactory()
    page = auth.client.get("/issues/").get_data(as_text=True)
    assert "State IMG licensure pathways" in page and "Add a bill" not in page
    for url in ("/issues/new", f"/issues/{issue.id}/edit", "/bills/new", f"/bills/{bill.id}/edit"):
        assert auth.client.get(url).status_code == 403
        assert auth.post(url, {"name": "x"}).status_code == 403


def test_issue_and_bill_csv(db, auth, as_member):
    issue = IssueFactory(name="+Formula issue")
    BillFactory(number="H.R. 1585", issues=[issue])
    body = auth.client.get("/issues/issues.csv").get_data(as_text=True)
    assert body.startswith("\ufeffIssue,") and "'+Formula issue" in body
    body = auth.client.get("/issues/bills.csv").get_data(as_text=True)
    assert "H.R. 1585" in body and "'+Formula issue" in body


def test_nav_has_issues_and_reports(db, auth, as_member):
    page = auth.client.get("/issues/").get_data(as_text=True)
    assert 'aria-current="page"\n          href="/issues/">Issues</a>' in page or (
        'href="/issues/">Issues</a>' in page
    )
    assert 'href="/reports/">Reports</a>' in page


def test_demo_seed_adds_positions_once(db, app, monkeypatch):
    from functools import partial

    from crm import demo
    from crm.demo import seed

    # fewer demo contacts than the real seed's 300, to keep the test quick (restored after)
    monkeypatch.setattr(demo, "seed_interactions", partial(demo.seed_interactions, count=80))
    # a small directory of our own (the demo invents no legislators)
    for n, (state, chamber) in enumerate(
        [(s, c) for s in ("TX", "FL", "NY", "TN") for c in ("upper", "lower") * 4]
    ):
        PersonFactory(state=state, chamber=chamber, district=None if chamber == "upper" else str(n))
    now = utcnow()
    first = seed(now)
    assert first["positions"] > 30
    count = db.session.scalar(sa.select(sa.func.count()).select_from(Position))
    linked = db.session.scalar(
        sa.select(sa.func.count()).select_from(Position).where(Position.interaction_id.is_not(None))
    )
    assert count == first["positions"] and 0 < linked < count
    assert seed(now)["positions"] == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Position)) == count
