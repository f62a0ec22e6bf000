"""The Conrad 30 tracker: slots used per state and federal fiscal year, application windows,
who runs each program and who in the coalition covers it, and licensure pathways."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from crm import audit, charts, options
from crm.errors import Conflict, DomainError, NotAllowed
from crm.extensions import db
from crm.forms import US_STATES
from crm.models import (
    PATHWAY_STATUSES,
    Conrad30Year,
    LicensurePathway,
    Organization,
    Person,
    User,
)
from crm.models.conrad30 import FLEX_SLOTS, SLOTS

# The program is for the states, DC and Puerto Rico (not the other territories).
PROGRAM_STATES = {
    code: name for code, name in US_STATES.items() if code not in {"GU", "VI", "AS", "MP"}
}
YEAR_FIELDS = (
    "slots_used",
    "flex_used",
    "window_opens",
    "window_closes",
    "program_office_id",
    "coordinator_id",
    "covering_member_id",
    "notes",
)
PATHWAY_FIELDS = ("status", "law_year", "notes")


def fiscal_year(day: date) -> int:
    """The federal fiscal year a day falls in: FY2027 starts on 1 October 2026."""
    return day.year + 1 if day.month >= 10 else day.year


@dataclass
class StateRow:
    """One state in the Conrad 30 tracker: its year, pathway and program office."""

    code: str
    name: str
    year: Conrad30Year | None
    pathway: LicensurePathway | None
    default_office: Organization | None  # the agency directory's program office

    @property
    def slots_used(self) -> int:
        """Slots used this fiscal year; 0 when not recorded."""
        return self.year.slots_used if self.year else 0

    @property
    def flex_used(self) -> int:
        """Flex slots used this fiscal year; 0 when not recorded."""
        return self.year.flex_used if self.year else 0

    @property
    def office(self) -> Organization | None:
        """The year's program office, else the agency directory's."""
        return (self.year.program_office if self.year else None) or self.default_office

    @property
    def share(self) -> float | None:
        """The share of the 30 slots used (0 to 1); None when the year is not recorded."""
        return self.slots_used / SLOTS if self.year else None

    def window_text(self) -> str:
        """The application window as "Jan 1, 2026 – Mar 31, 2026"; empty when unknown."""
        y = self.year
        if not y or not (y.window_opens or y.window_closes):
            return ""
        opens = y.window_opens.strftime("%b %-d, %Y") if y.window_opens else "?"
        closes = y.window_closes.strftime("%b %-d, %Y") if y.window_closes else "open-ended"
        return f"{opens} – {closes}"


@dataclass
class Tracker:
    """The Conrad 30 tracker for one fiscal year: a row per program state."""

    fiscal_year: int
    rows: list[StateRow]

    @property
    def slots_used(self) -> int:
        """Slots used across all states."""
        return sum(r.slots_used for r in self.rows)

    @property
    def full_states(self) -> int:
        """How many states have used all their slots."""
        return sum(1 for r in self.rows if r.slots_used >= SLOTS)

    @property
    def map_states(self) -> list:
        """The US map's states, shaded by the share of slots used, with a title each."""
        from crm.reports.services import MapState

        by_code = {r.code: r for r in self.rows}
        out = []
        for code, shape in charts.us_states()["states"].items():
            row = by_code.get(code)
            if row is None:
                continue
            title = (
                f"{shape['name']}: {row.slots_used} of {SLOTS} slots used in FY{self.fiscal_year}"
                if row.year
                else f"{shape['name']}: not recorded for FY{self.fiscal_year}"
            )
            out.append(
                MapState(code, shape["name"], shape["d"], charts.coverage_fill(row.share), title)
            )
        return out


MAP_LEGEND = [
    ("#f8d3b8", "no slots used"),
    ("#c6dbef", "under 8 of 30"),
    ("#6baed6", "8 to 14"),
    ("#2171b5", "15 to 22"),
    ("#08306b", "23 or more"),
    (charts.NO_DATA_FILL, "not recorded"),
]


def tracker(fy: int) -> Tracker:
    """Every program state for one fiscal year: three queries."""
    years = {
        y.state: y
        for y in db.session.scalars(
            sa.select(Conrad30Year)
            .where(Conrad30Year.fiscal_year == fy)
            .options(
                joinedload(Conrad30Year.program_office),
                joinedload(Conrad30Year.coordinator),
                joinedload(Conrad30Year.covering_member),
            )
        )
    }
    pathways = {p.state: p for p in db.session.scalars(sa.select(LicensurePathway))}
    offices = {
        o.jurisdiction: o
        for o in db.session.scalars(
            Organization.listed().where(
                Organization.kind == "state_program",
                Organization.external_id.like("agency:%-conrad30"),
            )
        )
    }
    rows = [
        StateRow(code, name, years.get(code), pathways.get(code), offices.get(code))
        for code, name in sorted(PROGRAM_STATES.items(), key=lambda kv: kv[1])
    ]
    return Tracker(fy, rows)


def get_year(state: str, fy: int) -> Conrad30Year | None:
    """The state's record for this fiscal year, or None; LookupError for a non-program state."""
    if state not in PROGRAM_STATES:
        raise LookupError(state)
    return db.session.scalars(
        sa.select(Conrad30Year).where(Conrad30Year.state == state, Conrad30Year.fiscal_year == fy)
    ).one_or_none()


def get_pathway(state: str) -> LicensurePathway | None:
    """The state's licensure-pathway record, or None."""
    return db.session.scalars(
        sa.select(LicensurePathway).where(LicensurePathway.state == state)
    ).one_or_none()


def clean_year(data: dict) -> dict:
    """The year's fields checked and normalized; raises DomainError naming the bad field."""
    out = {k: data.get(k) for k in YEAR_FIELDS}
    slots, flex = out["slots_used"] or 0, out["flex_used"] or 0
    if not 0 <= slots <= SLOTS:
        raise DomainError(f"Slots used are between 0 and {SLOTS}.", field="slots_used")
    if not 0 <= flex <= FLEX_SLOTS:
        raise DomainError(f"Flex slots used are between 0 and {FLEX_SLOTS}.", field="flex_used")
    if flex > slots:
        raise DomainError(
            "Flex slots are part of the 30: no more than the slots used.", field="flex_used"
        )
    out["slots_used"], out["flex_used"] = slots, flex
    if out["window_opens"] and out["window_closes"] and out["window_closes"] < out["window_opens"]:
        raise DomainError("The window closes after it opens.", field="window_closes")
    for key, model, label in (
        ("program_office_id", Organization, "organization"),
        ("coordinator_id", Person, "person"),
        ("covering_member_id", User, "member"),
    ):
        if out[key] and db.session.get(model, out[key]) is None:
            raise DomainError(f"Unknown {label}.", field=key)
        out[key] = out[key] or None
    out["notes"] = (out["notes"] or "").strip() or None
    return out


def save_state(
    actor: User,
    state: str,
    fy: int,
    year_data: dict,
    pathway_data: dict,
    expected_version: int | None,
    now: datetime,
) -> Conrad30Year:
    """Record a state's program year (slots, window, office, people) and its licensure pathway
    in one transaction, audited; an edit over someone else's newer save is refused."""
    if not actor.is_coordinator:
        raise NotAllowed("Only coordinators edit the Conrad 30 tracker.")
    if state not in PROGRAM_STATES:
        raise LookupError(state)
    year = apply_year(actor, state, fy, year_data, expected_version, now)
    apply_pathway(actor, state, pathway_data, now)
    db.session.commit()
    return year


def apply_year(
    actor: User, state: str, fy: int, data: dict, expected_version: int | None, now: datetime
) -> Conrad30Year:
    """Create or update the state's fiscal year (audited); Conflict when it changed meanwhile."""
    values = clean_year(data)
    year = get_year(state, fy)
    if year is None:
        year = Conrad30Year(state=state, fiscal_year=fy, **values)
        db.session.add(year)
        db.session.flush()
        audit.record(actor, "create", year, after=audit.snapshot(year, YEAR_FIELDS), now=now)
    else:
        if expected_version is not None and year.version != expected_version:
            raise Conflict()
        before = audit.snapshot(year, YEAR_FIELDS)
        for key, value in values.items():
            setattr(year, key, value)
        changed_before, changed_after = audit.changes(before, audit.snapshot(year, YEAR_FIELDS))
        if changed_after:
            audit.record(actor, "update", year, changed_before, changed_after, now)
    return year


def apply_pathway(actor: User, state: str, data: dict, now: datetime) -> LicensurePathway:
    """Create or update the state's licensure pathway (audited); DomainError on a bad field."""
    if data.get("status") not in PATHWAY_STATUSES:
        raise DomainError("Choose the pathway's status.", field="status")
    year = data.get("law_year")
    if year is not None and not 1990 <= year <= 2100:
        raise DomainError("A year between 1990 and 2100.", field="law_year")
    pathway = get_pathway(state)
    values = {
        "status": data["status"],
        "law_year": year,
        "notes": (data.get("notes") or "").strip() or None,
    }
    if pathway is None:
        pathway = LicensurePathway(state=state, **values)
        db.session.add(pathway)
        db.session.flush()
        audit.record(actor, "create", pathway, after=values, now=now)
    else:
        before = audit.snapshot(pathway, PATHWAY_FIELDS)
        for key, value in values.items():
            setattr(pathway, key, value)
        changed_before, changed_after = audit.changes(
            before, audit.snapshot(pathway, PATHWAY_FIELDS)
        )
        if changed_after:
            audit.record(actor, "update", pathway, changed_before, changed_after, now)
    return pathway


def windows_opening(member_id: int, today: date, days: int = 30) -> list[Conrad30Year]:
    """Application windows opening in the next `days` days in the states a member covers."""
    return list(
        db.session.scalars(
            sa.select(Conrad30Year)
            .where(
                Conrad30Year.covering_member_id == member_id,
                Conrad30Year.window_opens >= today,
                Conrad30Year.window_opens <= today + timedelta(days=days),
            )
            .order_by(Conrad30Year.window_opens)
        )
    )


CSV_HEADER = [
    "State",
    "Code",
    "Fiscal year",
    "Slots used",
    "Flex slots used",
    "Window opens",
    "Window closes",
    "Program office",
    "Coordinator",
    "Covered by",
    "Licensure pathway",
    "Pathway law year",
    "Notes",
]


def csv_rows(t: Tracker):
    """The tracker's rows for the CSV export, a list of cells per state."""
    for r in t.rows:
        y, p = r.year, r.pathway
        yield [
            r.name,
            r.code,
            t.fiscal_year,
            r.slots_used if y else "",
            r.flex_used if y else "",
            y.window_opens.isoformat() if y and y.window_opens else "",
            y.window_closes.isoformat() if y and y.window_closes else "",
            r.office.name if r.office else "",
            y.coordinator.full_name if y and y.coordinator else "",
            y.covering_member.name if y and y.covering_member else "",
            PATHWAY_STATUSES.get(p.status, "") if p else "",
            p.law_year if p and p.law_year else "",
            y.notes if y and y.notes else "",
        ]


def form_choices(state: str) -> dict[str, list[tuple[int, str]]]:
    """Organizations of the state, its officials, and the coalition's members, for the form."""
    orgs = db.session.execute(
        sa.select(Organization.id, Organization.name)
        .where(
            Organization.deleted_at.is_(None),
            Organization.jurisdiction == state,
            Organization.kind.in_(("state_program", "state_agency", "medical_board", "other")),
        )
        .order_by(Organization.name)
    ).all()
    people = db.session.execute(
        sa.select(Person.id, Person.full_name)
        .where(
            Person.deleted_at.is_(None),
            Person.kind.in_(("official", "staff", "other")),
            sa.or_(Person.state == state, Person.organization_id.in_([o.id for o in orgs] or [0])),
        )
        .order_by(Person.sort_name)
        .limit(500)
    ).all()
    return {"orgs": list(orgs), "people": list(people), "members": options.member_pairs()}
