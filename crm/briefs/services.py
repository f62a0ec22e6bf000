"""The one-page meeting brief for a person or an office: who they are, what they sit on (what
matters to the chosen issue first), their staff, where they stand and what they did in public,
what we said last time and what they promised, our members from their state, and what we ask.

Everything private is read through the person page's own queries, so a private contact outside
the reader's audience never reaches a brief."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from crm.extensions import db
from crm.models import Bill, BillCommittee, BillSponsor, Issue, Person, User, bill_issues
from crm.people.services import PersonPage, person_page

STATIC = Path(__file__).resolve().parents[2] / "static"


@dataclass
class Brief:
    """What a meeting brief on a person shows, with the subject (an issue or bill) it is for,
    when given."""

    person: Person
    page: PersonPage
    subject: Issue | Bill | None
    relevant_committee_ids: set[int]
    public_record: list[tuple[BillSponsor, Bill]]
    members: list[User]

    @property
    def committees(self):
        """The person's committees, those the subject's bills went to first."""
        return sorted(
            self.page.committees,
            key=lambda m: m.committee_id not in self.relevant_committee_ids,
        )

    @property
    def open_commitments(self):
        """The person's current positions with a commitment still pending."""
        return [
            h.current
            for h in self.page.positions
            if h.current and h.current.commitment and h.current.commitment_status == "pending"
        ]

    @property
    def talking_points(self) -> str | None:
        """The subject's talking points, if it has any."""
        return getattr(self.subject, "talking_points", None)

    @property
    def subject_name(self) -> str:
        """The issue's name or the bill's label; empty without a subject."""
        if isinstance(self.subject, Issue):
            return self.subject.name
        if isinstance(self.subject, Bill):
            return self.subject.label
        return ""


def subject_bills(subject: Issue | Bill | None) -> sa.Select | None:
    """The bills a subject stands for: the bill itself, or the issue's bills."""
    if isinstance(subject, Bill):
        return sa.select(sa.literal(subject.id))
    if isinstance(subject, Issue):
        return sa.select(bill_issues.c.bill_id).where(bill_issues.c.issue_id == subject.id)
    return None


def load_subject(kind: str | None, subject_id: int | None) -> Issue | Bill | None:
    """The issue or bill a brief is about, or None when none is given or it is not found."""
    model = {"issue": Issue, "bill": Bill}.get(kind or "")
    return db.session.get(model, subject_id) if model and subject_id else None


def meeting_brief(person: Person, viewer: User, subject: Issue | Bill | None) -> Brief:
    """The brief's content as the viewer may see it."""
    page = person_page(person, viewer, limit=5)
    bills = subject_bills(subject)
    relevant: set[int] = set()
    if bills is not None:
        relevant = set(
            db.session.scalars(
                sa.select(BillCommittee.committee_id).where(
                    BillCommittee.bill_id.in_(bills), BillCommittee.committee_id.is_not(None)
                )
            )
        )
    record: list[tuple[BillSponsor, Bill]] = []
    if person.bioguide_id:
        stmt = (
            sa.select(BillSponsor, Bill)
            .join(Bill, Bill.id == BillSponsor.bill_id)
            .where(BillSponsor.bioguide_id == person.bioguide_id)
        )
        if bills is not None:
            stmt = stmt.order_by(Bill.id.in_(bills).desc())
        record = [
            tuple(r) for r in db.session.execute(stmt.order_by(Bill.introduced_on.desc()).limit(6))
        ]
    members = []
    if person.state:
        members = list(
            db.session.scalars(
                sa.select(User)
                .where(User.is_active.is_(True), User.home_state == person.state)
                .order_by(User.name)
                .limit(12)
            )
        )
    return Brief(person, page, subject, relevant, record, members)


def brief_pdf(html: str) -> bytes:
    """The brief rendered to PDF. Only the app's own stylesheet is read: nothing is fetched
    from the network (photos and links stay as text)."""
    from weasyprint import CSS, HTML

    def no_fetch(url: str, *args, **kwargs):
        raise ValueError(f"not fetched: {url}")

    stylesheet = CSS(filename=str(STATIC / "brief.css"))
    return HTML(string=html, url_fetcher=no_fetch).write_pdf(stylesheets=[stylesheet])
