"""Issues and bills: the list everyone sees, and their management by coordinators."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from crm import audit
from crm.contact import InvalidContact, normalize_url
from crm.errors import DomainError, NotAllowed
from crm.extensions import db
from crm.forms import US_STATES
from crm.models import CHAMBERS, Bill, Issue, User, bill_issues

ISSUE_FIELDS = ("name", "slug", "description", "active", "talking_points")
BILL_FIELDS = (
    "jurisdiction",
    "session",
    "number",
    "title",
    "status",
    "url",
    "introduced_on",
    "chamber",
    "talking_points",
)


@dataclass
class IssueData:
    """An issue's fields as the form submits them."""

    name: str
    description: str | None = None
    slug: str | None = None
    active: bool = True
    talking_points: str | None = None


@dataclass
class BillData:
    """A bill's fields as the form submits them."""

    jurisdiction: str
    session: str
    number: str
    title: str
    status: str | None = None
    url: str | None = None
    introduced_on: date | None = None
    chamber: str | None = None
    issues: list[int] = field(default_factory=list)
    talking_points: str | None = None


def require_coordinator(actor: User) -> None:
    if not actor.is_coordinator:
        raise NotAllowed("Only coordinators can manage issues and bills.")


def list_issues() -> list[Issue]:
    """Issues, active first, with their bills loaded in one more query."""
    return list(
        db.session.scalars(
            sa.select(Issue)
            .order_by(Issue.active.desc(), Issue.name)
            .options(selectinload(Issue.bills))
        )
    )


def list_bills() -> list[Bill]:
    """Bills, federal first, newest session first, with their issues."""
    return list(
        db.session.scalars(
            sa.select(Bill)
            .order_by(
                Bill.jurisdiction != "US", Bill.jurisdiction, Bill.session.desc(), Bill.number
            )
            .options(selectinload(Bill.issues))
        )
    )


def get_issue(issue_id: int) -> Issue:
    issue = db.session.get(Issue, issue_id)
    if issue is None:
        raise LookupError(issue_id)
    return issue


def get_bill(bill_id: int) -> Bill:
    bill = db.session.get(Bill, bill_id)
    if bill is None:
        raise LookupError(bill_id)
    return bill


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:80] or "issue"


def save_issue(actor: User, issue: Issue | None, data: IssueData, now: datetime) -> Issue:
    """Create an issue (issue=None) or edit one; names and slugs are unique."""
    require_coordinator(actor)
    name = (data.name or "").strip()
    if not name:
        raise DomainError("Give the issue a name.", field="name")
    slug = slugify(data.slug or name)
    others = sa.select(Issue.id).where(Issue.id != issue.id) if issue else sa.select(Issue.id)
    if db.session.scalar(others.where(sa.func.lower(Issue.name) == name.lower())):
        raise DomainError("Another issue already has this name.", field="name")
    if db.session.scalar(others.where(Issue.slug == slug)):
        raise DomainError("Another issue already uses this short name.", field="slug")
    before = audit.snapshot(issue, ISSUE_FIELDS) if issue else None
    if issue is None:
        issue = Issue()
        db.session.add(issue)
    issue.name, issue.slug = name, slug
    issue.description = (data.description or "").strip() or None
    issue.active = bool(data.active)
    issue.talking_points = (data.talking_points or "").strip() or None
    after = audit.snapshot(issue, ISSUE_FIELDS)
    if before is None:
        audit.record(actor, "create", issue, after=after, now=now)
    else:
        b, a = audit.changes(before, after)
        if a:
            audit.record(actor, "update", issue, b, a, now)
    db.session.commit()
    return issue


def save_bill(actor: User, bill: Bill | None, data: BillData, now: datetime) -> Bill:
    """Create a bill (bill=None) or edit one: jurisdiction, session and number identify it."""
    require_coordinator(actor)
    jurisdiction = (data.jurisdiction or "").strip().upper()
    if jurisdiction != "US" and jurisdiction not in US_STATES:
        raise DomainError("Use US for Congress or a two-letter state code.", field="jurisdiction")
    session = (data.session or "").strip()
    number = re.sub(r"\s+", " ", (data.number or "").strip())
    title = (data.title or "").strip()
    for name, value, message in (
        ("session", session, "Give the Congress or session."),
        ("number", number, "Give the bill number, e.g. H.R. 1585."),
        ("title", title, "Give the bill's title."),
    ):
        if not value:
            raise DomainError(message, field=name)
    if data.chamber and data.chamber not in CHAMBERS:
        raise DomainError("Choose a chamber.", field="chamber")
    try:
        url = normalize_url(data.url)
    except InvalidContact as e:
        raise DomainError(str(e), field="url") from None
    same = sa.select(Bill.id).where(
        Bill.jurisdiction == jurisdiction, Bill.session == session, Bill.number == number
    )
    if bill is not None:
        same = same.where(Bill.id != bill.id)
    if db.session.scalar(same):
        raise DomainError("This bill is already listed for that session.", field="number")
    wanted = list(dict.fromkeys(data.issues))
    issues = (
        list(db.session.scalars(sa.select(Issue).where(Issue.id.in_(wanted)))) if wanted else []
    )
    if len(issues) != len(wanted):
        raise DomainError("One of the issues chosen does not exist.", field="issues")
    before = snapshot_bill(bill) if bill else None
    if bill is None:
        bill = Bill()
        db.session.add(bill)
    bill.jurisdiction, bill.session, bill.number, bill.title = jurisdiction, session, number, title
    bill.status = (data.status or "").strip() or None
    bill.url, bill.introduced_on, bill.chamber = url, data.introduced_on, data.chamber or None
    bill.issues = issues
    bill.talking_points = (data.talking_points or "").strip() or None
    after = snapshot_bill(bill)
    if before is None:
        audit.record(actor, "create", bill, after=after, now=now)
    else:
        b, a = audit.changes(before, after)
        if a:
            audit.record(actor, "update", bill, b, a, now)
    db.session.commit()
    return bill


def snapshot_bill(bill: Bill) -> dict:
    return {**audit.snapshot(bill, BILL_FIELDS), "issues": sorted(i.id for i in bill.issues)}


def bill_choices() -> list[tuple[int, str]]:
    """Bills for a select: "H.R. 1585 (119)"."""
    return [(b.id, b.label) for b in list_bills()]


def issue_choices() -> list[tuple[int, str]]:
    return list(db.session.execute(sa.select(Issue.id, Issue.name).order_by(Issue.name)))


ISSUE_CSV = ["Issue", "Short name", "Active", "Bills", "Description"]
BILL_CSV = [
    "Jurisdiction",
    "Session",
    "Number",
    "Title",
    "Chamber",
    "Status",
    "Introduced",
    "Issues",
    "Link",
]


def issue_csv_rows(issues: list[Issue]):
    for i in issues:
        yield [
            i.name,
            i.slug,
            "yes" if i.active else "no",
            "; ".join(b.label for b in i.bills),
            i.description or "",
        ]


def bill_csv_rows(bills: list[Bill]):
    for b in bills:
        yield [
            b.jurisdiction,
            b.session,
            b.number,
            b.title,
            CHAMBERS.get(b.chamber or "", ""),
            b.status or "",
            b.introduced_on.isoformat() if b.introduced_on else "",
            "; ".join(i.name for i in b.issues),
            b.url or "",
        ]


__all__ = [
    "BillData",
    "IssueData",
    "bill_issues",
    "list_bills",
    "list_issues",
    "save_bill",
    "save_issue",
]
