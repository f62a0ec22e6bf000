"""The lobbying-contact report: for a quarter or any dates, for one member or the coalition, each
contact with a covered official (legislators, their staff, agency officials), with the house or
agency, the issues and bills discussed, in the shape the federal LD-2 asks for (totals by issue
area and by house or agency). Private contacts appear only for their audience, flagged."""

from __future__ import annotations

import io
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from crm.clock import from_local, local
from crm.extensions import db
from crm.models import (
    INTERACTION_KINDS,
    Bill,
    Interaction,
    Issue,
    Organization,
    Person,
    StaffRole,
    User,
    interaction_bills,
    interaction_issues,
    interaction_members,
    interaction_people,
)

COVERED_KINDS = ("legislator", "staff", "official")
LEVELS = {"federal": "Federal (LD-2)", "state": "State", "all": "Federal and state"}
HOUSES = {"upper": "U.S. Senate", "lower": "U.S. House of Representatives"}


def quarter_of(day: date) -> tuple[int, int]:
    """(year, quarter 1-4) of a date."""
    return day.year, (day.month - 1) // 3 + 1


def quarter_dates(year: int, quarter: int) -> tuple[date, date]:
    """The first and the last day of a calendar quarter (LD-2 quarters: Q1 is January-March)."""
    start = date(year, 3 * quarter - 2, 1)
    end = date(year + (quarter == 4), (3 * quarter) % 12 + 1, 1) - timedelta(days=1)
    return start, end


@dataclass
class ContactRow:
    """One official met in one contact, as a row of the lobbying report; or, for a contact
    logged against an agency or office with nobody there named, that office (no official)."""

    interaction_id: int
    occurred_at: datetime
    kind: str
    official_id: int | None
    official: str
    title: str
    office: str
    house: str
    issues: list[str]
    bills: list[str]
    members: list[str]
    private: bool
    organization_id: int | None = None  # the office contacted, on a row without an official

    @property
    def kind_label(self) -> str:
        """The kind of contact in words."""
        return INTERACTION_KINDS.get(self.kind, self.kind)


@dataclass
class LobbyingReport:
    """Contacts with officials between two dates (at one level, by one member when given), one
    row per official met."""

    start: date
    end: date
    level: str
    member: User | None
    rows: list[ContactRow] = field(default_factory=list)

    @property
    def contacts(self) -> int:
        """Distinct contacts (a meeting with three officials is one contact, three rows)."""
        return len({r.interaction_id for r in self.rows})

    @property
    def by_issue(self) -> list[tuple[str, int]]:
        """Contacts per issue discussed (each contact once per issue), most first."""
        counts = Counter()
        seen = set()
        for r in self.rows:
            for name in r.issues or ["(no issue recorded)"]:
                if (r.interaction_id, name) not in seen:
                    seen.add((r.interaction_id, name))
                    counts[name] += 1
        return counts.most_common()

    @property
    def by_house(self) -> list[tuple[str, int]]:
        """Contacts per house of the officials met (each contact once per house), most first."""
        counts = Counter()
        seen = set()
        for r in self.rows:
            if (r.interaction_id, r.house) not in seen:
                seen.add((r.interaction_id, r.house))
                counts[r.house] += 1
        return counts.most_common()

    @property
    def bills(self) -> list[tuple[str, int]]:
        """Contacts per bill discussed, most first."""
        counts = Counter()
        for labels in {r.interaction_id: r.bills for r in self.rows}.values():
            counts.update(set(labels))
        return counts.most_common()


def lobbying_report(
    viewer: User,
    start: date,
    end: date,
    tz: str,
    *,
    member: User | None = None,
    level: str = "federal",
) -> LobbyingReport:
    """Every contact between start and end (whole days in zone tz) with a covered official, as
    the viewer may see them; a fixed number of queries whatever the size of the log."""
    report = LobbyingReport(start, end, level, member)
    lo = from_local(datetime.combine(start, datetime.min.time()), tz)
    hi = from_local(datetime.combine(end + timedelta(days=1), datetime.min.time()), tz)
    contacts = Interaction.visible_to(viewer).where(
        Interaction.occurred_at >= lo, Interaction.occurred_at < hi
    )
    if member is not None:
        contacts = contacts.where(
            sa.or_(
                Interaction.logged_by_id == member.id,
                sa.exists().where(
                    interaction_members.c.interaction_id == Interaction.id,
                    interaction_members.c.user_id == member.id,
                ),
            )
        )
    ids_cte = contacts.with_only_columns(Interaction.id).cte("report_ids")
    people_filter = [Person.kind.in_(COVERED_KINDS), Person.deleted_at.is_(None)]
    if level in ("federal", "state"):
        people_filter.append(sa.or_(Person.level == level, Person.kind != "legislator"))
    rows = db.session.execute(
        sa.select(
            Interaction.id,
            Interaction.occurred_at,
            Interaction.kind,
            Interaction.private,
            Interaction.logged_by_id,
            Person.id,
            Person.full_name,
            Person.kind,
            Person.title,
            Person.level,
            Person.chamber,
            Person.state,
            Person.organization_id,
        )
        .join(interaction_people, interaction_people.c.interaction_id == Interaction.id)
        .join(Person, Person.id == interaction_people.c.person_id)
        .where(Interaction.id.in_(sa.select(ids_cte.c.id)), *people_filter)
        .order_by(Interaction.occurred_at, Interaction.id, Person.sort_name)
    ).all()
    # Contacts logged against an agency or office itself with no covered official named: the
    # office is what was contacted (federal: a federal organization; state: a state's).
    with_officials = {r[0] for r in rows}
    org_level = {
        "federal": Organization.jurisdiction == "US",
        "state": Organization.jurisdiction != "US",
    }.get(level, sa.true())
    office_rows = [
        r
        for r in db.session.execute(
            sa.select(
                Interaction.id,
                Interaction.occurred_at,
                Interaction.kind,
                Interaction.private,
                Interaction.logged_by_id,
                Interaction.organization_id,
            )
            .join(Organization, Organization.id == Interaction.organization_id)
            .where(Interaction.id.in_(sa.select(ids_cte.c.id)), org_level)
            .order_by(Interaction.occurred_at, Interaction.id)
        )
        if r[0] not in with_officials
    ]
    if not rows and not office_rows:
        return report
    iids = sa.select(ids_cte.c.id)
    issues = grouped(
        sa.select(interaction_issues.c.interaction_id, Issue.name)
        .join(Issue, Issue.id == interaction_issues.c.issue_id)
        .where(interaction_issues.c.interaction_id.in_(iids))
    )
    bills = grouped(
        sa.select(interaction_bills.c.interaction_id, Bill.number, Bill.session, Bill.jurisdiction)
        .join(Bill, Bill.id == interaction_bills.c.bill_id)
        .where(interaction_bills.c.interaction_id.in_(iids)),
        label=lambda r: f"{'' if r[3] == 'US' else r[3] + ' '}{r[1]} ({r[2]})",
    )
    present = grouped(
        sa.select(interaction_members.c.interaction_id, interaction_members.c.user_id).where(
            interaction_members.c.interaction_id.in_(iids)
        )
    )
    users = dict(db.session.execute(sa.select(User.id, User.name)).all())
    orgs = {
        o.id: (o.name, o.parent_id)
        for o in db.session.execute(
            sa.select(Organization.id, Organization.name, Organization.parent_id)
        )
    }
    staff_ids = {r[5] for r in rows if r[7] == "staff"}
    employers = {}
    if staff_ids:
        for staff_id, chamber, level, org_id, name in db.session.execute(
            sa.select(
                StaffRole.staff_id,
                Person.chamber,
                Person.level,
                StaffRole.organization_id,
                Person.full_name,
            )
            .outerjoin(Person, Person.id == StaffRole.employer_id)
            .where(StaffRole.staff_id.in_(staff_ids), StaffRole.end_date.is_(None))
        ):
            employers.setdefault(staff_id, (chamber, level, org_id, name))
    officials = [
        (iid, at, kind, private, logged_by, pid, None, name, title or "")
        + place(pkind, plevel, chamber, state, org_id, employers.get(pid), orgs)
        for (
            iid,
            at,
            kind,
            private,
            logged_by,
            pid,
            name,
            pkind,
            title,
            plevel,
            chamber,
            state,
            org_id,
        ) in rows
    ]
    offices = [
        (iid, at, kind, private, logged_by, None, org_id, "", "", orgs[org_id][0])
        + (root_name(org_id, orgs) or "Other",)
        for iid, at, kind, private, logged_by, org_id in office_rows
    ]
    merged = sorted(officials + offices, key=lambda r: (r[1], r[0]))  # stable: names kept in order
    for iid, at, kind, private, logged_by, pid, org_id, name, title, office, house in merged:
        members = [users.get(logged_by, "")] + [
            users[u] for u in present.get(iid, []) if u != logged_by and u in users
        ]
        report.rows.append(
            ContactRow(
                interaction_id=iid,
                occurred_at=local(at, tz),
                kind=kind,
                official_id=pid,
                official=name,
                title=title,
                office=office,
                house=house,
                issues=sorted(issues.get(iid, [])),
                bills=sorted(bills.get(iid, [])),
                members=[m for m in members if m],
                private=private,
                organization_id=org_id,
            )
        )
    return report


def grouped(stmt, label=lambda r: r[1]) -> dict[int, list]:
    """A statement's rows grouped by their first column: id -> list of labels."""
    out: dict[int, list] = {}
    for row in db.session.execute(stmt):
        out.setdefault(row[0], []).append(label(row))
    return out


def root_name(org_id: int | None, orgs: dict) -> str | None:
    """The top of an organization's tree: the department an office belongs to."""
    seen = set()
    while org_id in orgs and org_id not in seen:
        seen.add(org_id)
        name, parent = orgs[org_id]
        if parent is None or parent not in orgs:
            return name
        org_id = parent
    return None


def place(kind, level, chamber, state, org_id, employer, orgs) -> tuple[str, str]:
    """(office, house or agency) of a covered official."""
    if kind == "legislator":
        if level == "federal":
            return orgs.get(org_id, ("",))[0], HOUSES.get(chamber, "U.S. Congress")
        return orgs.get(org_id, ("",))[0], f"{state} legislature" if state else "State legislature"
    if kind == "staff" and employer:
        e_chamber, e_level, e_org, e_name = employer
        if e_name:
            house = (
                HOUSES.get(e_chamber, "U.S. Congress")
                if e_level == "federal"
                else (f"{state} legislature" if state else "State legislature")
            )
            return f"Office of {e_name}", house
        return orgs.get(e_org, ("",))[0], root_name(e_org, orgs) or "Other"
    return orgs.get(org_id, ("",))[0], root_name(org_id, orgs) or "Other"


CSV_HEADER = [
    "Date",
    "Kind",
    "Official",
    "Title",
    "Office",
    "House or agency",
    "Issues",
    "Bills",
    "Members",
    "Private",
]


def csv_rows(report: LobbyingReport):
    """The lobbying report's CSV rows, one per official met."""
    for r in report.rows:
        yield [
            r.occurred_at.date().isoformat(),
            r.kind_label,
            r.official,
            r.title,
            r.office,
            r.house,
            "; ".join(r.issues),
            "; ".join(r.bills),
            "; ".join(r.members),
            "private" if r.private else "",
        ]


def xlsx_bytes(report: LobbyingReport) -> bytes:
    """The report as an Excel workbook: the contacts, and the LD-2 totals on a second sheet."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    from crm.people.services import safe_cell

    book = Workbook(write_only=False)
    sheet = book.active
    sheet.title = "Contacts"
    sheet.append(CSV_HEADER)
    for row in csv_rows(report):
        sheet.append([safe_cell(v) for v in row])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    totals = book.create_sheet("Totals")
    totals.append(
        [f"Contacts {report.start.isoformat()} to {report.end.isoformat()}", report.contacts]
    )
    totals.append([])
    totals.append(["Issue area", "Contacts"])
    for name, n in report.by_issue:
        totals.append([safe_cell(name), n])
    totals.append([])
    totals.append(["House or agency", "Contacts"])
    for name, n in report.by_house:
        totals.append([safe_cell(name), n])
    totals.append([])
    totals.append(["Bill", "Contacts"])
    for name, n in report.bills:
        totals.append([safe_cell(name), n])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
