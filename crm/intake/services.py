"""Import a coalition's own data: people and organizations, or contact history, from a table
with a column mapping. A dry run says per row what will be created, linked or skipped, and why a
row is wrong; the import itself is all or nothing.

People are matched to the directory by bioguide id, Open States id, email, phone, then name and
state; close names are offered as candidates for a person to confirm, never merged silently."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from rapidfuzz import fuzz, process

from crm import audit
from crm.clock import from_local
from crm.contact import InvalidContact, normalize_email, normalize_phone, normalize_url
from crm.errors import DomainError, NotAllowed
from crm.extensions import db
from crm.forms import US_STATES
from crm.intake.mapping import FIELDS
from crm.models import (
    INTERACTION_KINDS,
    PERSON_KINDS,
    IntakeUpload,
    Interaction,
    Issue,
    Organization,
    Person,
    SavedMapping,
    User,
)
from crm.models.directory import fold
from crm.models.search import reindex

HONORIFICS = re.compile(
    r"^(sen|senator|rep|representative|hon|honorable|dr|mr|mrs|ms|mx|prof|del|delegate)\.?\s+",
    re.I,
)
KINDS = {
    "meeting": "meeting",
    "in person": "meeting",
    "visit": "meeting",
    "call": "call",
    "phone": "call",
    "phone call": "call",
    "email": "email",
    "e mail": "email",
    "letter": "letter",
    "video": "virtual_meeting",
    "zoom": "virtual_meeting",
    "virtual": "virtual_meeting",
    "virtual meeting": "virtual_meeting",
    "event": "event",
    "hearing": "hearing",
    "other": "other",
}
DATE_FORMATS = (
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d",
    "%m/%d/%Y %H:%M",
    "%m/%d/%Y %I:%M %p",
    "%m/%d/%Y",
    "%m/%d/%y",
    "%b %d, %Y",
    "%B %d, %Y",
)
FUZZY_CUTOFF = 85


def name_key(text: str) -> str:
    """A name as compared: "Sen. Marsh, Elena" and "elena marsh" are the same key."""
    text = HONORIFICS.sub("", (text or "").strip())
    if "," in text:
        last, _, first = text.partition(",")
        text = f"{first} {last}"
    return " ".join(re.sub(r"[^a-z0-9' -]+", " ", fold(text)).split())


@dataclass
class Candidate:
    """A person in the directory a row may be, with how well they match."""

    person_id: int
    name: str
    score: int


@dataclass
class RowPlan:
    """What the import will do with one row, and what it will save."""

    number: int  # the row's line in the spreadsheet (the header is line 1)
    action: str  # create, link, review, skip, error
    message: str = ""
    person_id: int | None = None
    values: dict = field(default_factory=dict)
    candidates: list[Candidate] = field(default_factory=list)
    people: list[int] = field(default_factory=list)  # history: who was met
    members: list[int] = field(default_factory=list)
    issues: list[int] = field(default_factory=list)


@dataclass
class Plan:
    """What the import will do with each row of an upload; ok when no row is an error or needs
    review."""

    kind: str
    rows: list[RowPlan]

    def count(self, action: str) -> int:
        """How many rows of the plan would take this action."""
        return sum(1 for r in self.rows if r.action == action)

    @property
    def ok(self) -> bool:
        """True when no row has an error or needs review."""
        return not any(r.action in ("error", "review") for r in self.rows)

    def summary(self) -> dict:
        """How many rows of the plan take each action."""
        return {a: self.count(a) for a in ("create", "link", "skip", "review", "error")}


class Directory:
    """Everyone in the directory, indexed once, for matching thousands of rows."""

    def __init__(self) -> None:
        self.by: dict[str, dict[str, list[int]]] = {
            k: {} for k in ("bioguide", "openstates", "email", "phone", "name_state", "name")
        }
        self.names: dict[int, str] = {}
        self.by_state: dict[str, list[tuple[str, int]]] = {}
        self._pools: dict[str, tuple[list[str], list[int]]] = {}
        rows = db.session.execute(
            sa.select(
                Person.id,
                Person.full_name,
                Person.first_name,
                Person.last_name,
                Person.nickname,
                Person.state,
                Person.email,
                Person.phone,
                Person.bioguide_id,
                Person.openstates_id,
            ).where(Person.deleted_at.is_(None))
        )
        for pid, full, first, last, nick, state, email, phone, bioguide, openstates in rows:
            self.names[pid] = full
            keys = {name_key(full)} | {name_key(f"{g} {last}") for g in (first, nick) if g}
            for key in filter(None, keys):
                self.add("name", key, pid)
                self.add("name_state", f"{key}|{state or ''}", pid)
                self.by_state.setdefault(state or "", []).append((key, pid))
            for kind, value in (
                ("bioguide", bioguide),
                ("openstates", openstates),
                ("email", (email or "").lower()),
                ("phone", phone),
            ):
                if value:
                    self.add(kind, value, pid)

    def add(self, kind: str, key: str, pid: int) -> None:
        """Index this person under this key of this kind."""
        ids = self.by[kind].setdefault(key, [])
        if pid not in ids:
            ids.append(pid)

    def exact(self, kind: str, key: str | None) -> list[int]:
        """The ids of the people with exactly this key of this kind."""
        return self.by[kind].get(key, []) if key else []

    def pool(self, state: str | None) -> tuple[list[str], list[int], dict[str, set[int]]]:
        """The names to compare with, their people, and an index from the first three letters
        of each word to the names that have it, for a state or for everyone (built once per
        state: the fuzzy search runs for thousands of rows)."""
        key = state or "*"
        if key not in self._pools:
            pairs = (
                self.by_state.get(state, [])
                if state
                else [p for people in self.by_state.values() for p in people]
            )
            prefixes: dict[str, set[int]] = {}
            for n, (name, _pid) in enumerate(pairs):
                for word in name.split():
                    prefixes.setdefault(word[:3], set()).add(n)
            self._pools[key] = ([k for k, _ in pairs], [pid for _, pid in pairs], prefixes)
        return self._pools[key]

    def candidates(self, name: str, state: str | None, limit: int = 3) -> list[Candidate]:
        """Close names ("villareal" for Villarreal, "Sen. Marsh" for Elena Marsh) in the same
        state, or anywhere when the row gives no state."""
        choices, ids, prefixes = self.pool(state)
        wanted = name_key(name)
        # Only names sharing the start of a word: a typo rarely hits the first three letters,
        # and comparing with every name in the country would cost more than the whole import.
        near = sorted(set().union(*(prefixes.get(w[:3], set()) for w in wanted.split())))
        if not near:
            return []
        found = process.extract(
            wanted,
            {n: choices[n] for n in near},
            scorer=fuzz.token_set_ratio,
            processor=None,
            limit=limit * 3,
            score_cutoff=FUZZY_CUTOFF,
        )
        out, seen = [], set()
        for _key, score, index in found:  # a dict's key comes back as the index
            pid = ids[index]
            if pid not in seen:
                seen.add(pid)
                out.append(Candidate(pid, self.names[pid], int(score)))
        return out[:limit]

    def match(self, values: dict) -> tuple[list[int], list[Candidate]]:
        """Exact matches by the strongest key present; else fuzzy candidates by name."""
        for kind, key in (
            ("bioguide", values.get("bioguide_id")),
            ("openstates", values.get("openstates_id")),
            ("email", (values.get("email") or "").lower()),
            ("phone", values.get("phone")),
        ):
            ids = self.exact(kind, key)
            if ids:
                return ids, []
        name = values.get("full_name") or " ".join(
            v for v in (values.get("first_name"), values.get("last_name")) if v
        )
        if not name:
            return [], []
        state = values.get("state")
        ids = (
            self.exact("name_state", f"{name_key(name)}|{state or ''}")
            if state
            else self.exact("name", name_key(name))
        )
        if ids:
            return ids, []
        return [], self.candidates(name, state)


def row_values(kind: str, row: list[str], mapping: dict[int, str]) -> dict:
    """A row's values by field, for the columns the mapping assigns to a field of this kind,
    trimmed."""
    fields = FIELDS[kind]
    return {
        key: (row[i] if i < len(row) else "").strip() for i, key in mapping.items() if key in fields
    }


def clean_person(values: dict) -> dict:
    """Normalised values of a people row; ValueError names what is wrong."""
    out = {k: v for k, v in values.items() if v}
    try:
        out["email"] = normalize_email(values.get("email"))
        out["phone"] = normalize_phone(values.get("phone"))
        out["website"] = normalize_url(values.get("website"))
    except InvalidContact as e:
        raise ValueError(str(e)) from None
    state = (values.get("state") or "").upper()
    if state and state not in US_STATES:
        raise ValueError(f"unknown state {values.get('state')!r}")
    out["state"] = state or None
    kind = (values.get("kind") or "").lower()
    out["kind"] = (
        kind if kind in PERSON_KINDS else ("legislator" if values.get("chamber") else "other")
    )
    level = (values.get("level") or "").lower()
    out["level"] = level if level in ("federal", "state") else None
    chamber = (values.get("chamber") or "").lower()
    out["chamber"] = {"senate": "upper", "house": "lower"}.get(chamber, chamber) or None
    if out["chamber"] not in (None, "upper", "lower", "unicameral"):
        raise ValueError(f"unknown chamber {values.get('chamber')!r}")
    if not (out.get("full_name") or out.get("last_name")):
        raise ValueError("a name is needed (full name, or last name)")
    for key, limit in (
        ("full_name", 255),
        ("first_name", 100),
        ("last_name", 100),
        ("title", 200),
        ("organization", 255),
        ("party", 40),
        ("district", 20),
        ("bioguide_id", 20),
        ("openstates_id", 120),
    ):
        if out.get(key) and len(out[key]) > limit:
            raise ValueError(f"{key.replace('_', ' ')} is longer than {limit} characters")
    return out


def plan_people(rows: list[list[str]], mapping: dict[int, str], decisions: dict[int, str]) -> Plan:
    """What importing these people would do, row by row (nothing is written)."""
    directory = Directory()
    plan = Plan("people", [])
    seen_in_file: dict[str, int] = {}
    for n, row in enumerate(rows, start=2):
        try:
            values = clean_person(row_values("people", row, mapping))
        except ValueError as e:
            plan.rows.append(RowPlan(n, "error", str(e)))
            continue
        key = (
            values.get("bioguide_id")
            or values.get("email")
            or name_key(
                values.get("full_name") or f"{values.get('first_name', '')} {values['last_name']}"
            )
            + f"|{values.get('state') or ''}"
        )
        if key in seen_in_file:
            plan.rows.append(
                RowPlan(n, "skip", f"the same person as line {seen_in_file[key]}", values=values)
            )
            continue
        seen_in_file[key] = n
        ids, candidates = directory.match(values)
        decision = decisions.get(n)
        if len(ids) == 1:
            plan.rows.append(
                RowPlan(
                    n, "link", f"matches {directory.names[ids[0]]}", person_id=ids[0], values=values
                )
            )
        elif len(ids) > 1:
            plan.rows.append(
                RowPlan(
                    n,
                    "review",
                    "matches several people: choose one",
                    values=values,
                    candidates=[Candidate(i, directory.names[i], 100) for i in ids],
                )
            )
        elif candidates and decision is None:
            plan.rows.append(
                RowPlan(
                    n,
                    "review",
                    "a close name is in the directory: same person?",
                    values=values,
                    candidates=candidates,
                )
            )
        else:
            plan.rows.append(RowPlan(n, "create", "new person", values=values))
        row_plan = plan.rows[-1]
        if decision and row_plan.action == "review":
            if decision == "new":
                row_plan.action, row_plan.message = "create", "new person (confirmed)"
            elif decision.isdigit() and int(decision) in {c.person_id for c in row_plan.candidates}:
                row_plan.action, row_plan.person_id = "link", int(decision)
                row_plan.message = f"the same as {directory.names[int(decision)]} (confirmed)"
    return plan


def parse_when(text: str, tz: str) -> datetime:
    """A date (noon, for a date alone) or date and time in zone `tz`, as aware UTC; raises
    ValueError when it is none of the accepted formats."""
    for fmt in DATE_FORMATS:
        try:
            naive = datetime.strptime(text.strip(), fmt)
        except ValueError:
            continue
        if not 1900 <= naive.year <= 2100:
            break
        if fmt.endswith("%d") or fmt.endswith("%Y") or fmt.endswith("%y"):
            naive = naive.replace(hour=12)  # a date alone: noon, so no zone moves its day
        return from_local(naive, tz)
    raise ValueError(f"the date {text!r} is not a date (use YYYY-MM-DD or MM/DD/YYYY)")


def plan_history(rows: list[list[str]], mapping: dict[int, str], tz: str, now: datetime) -> Plan:
    """What importing this contact history would do, row by row (nothing is written)."""
    directory = Directory()
    users = db.session.execute(sa.select(User.id, User.email, User.name)).all()
    user_by = {u.email.lower(): u.id for u in users} | {name_key(u.name): u.id for u in users}
    issues = {fold(i.name): i.id for i in db.session.execute(sa.select(Issue.id, Issue.name))}
    orgs = {
        fold(o.name): o.id
        for o in db.session.execute(
            sa.select(Organization.id, Organization.name).order_by(Organization.id.desc())
        )
    }
    plan = Plan("history", [])
    for n, row in enumerate(rows, start=2):
        v = row_values("history", row, mapping)
        problems = []
        try:
            when = parse_when(v.get("date", ""), tz) if v.get("date") else None
            if when is None:
                problems.append("no date")
            elif when > now:
                problems.append("the date is in the future")
        except ValueError as e:
            problems.append(str(e))
            when = None
        kind = KINDS.get(
            " ".join(re.sub(r"[^a-z]+", " ", fold(v.get("kind") or "meeting")).split())
        )
        if kind is None:
            problems.append(
                f"unknown kind {v.get('kind')!r} (use one of {', '.join(INTERACTION_KINDS)})"
            )
        people = []
        for who in filter(None, (w.strip() for w in re.split(r"[;\n]", v.get("people", "")))):
            values = {"email": who.lower()} if "@" in who else {"full_name": who}
            ids, candidates = directory.match(values)
            if len(ids) == 1:
                people.append(ids[0])
            elif ids:
                problems.append(f"{who!r} matches several people in the directory")
            else:
                hint = f" (did you mean {candidates[0].name}?)" if candidates else ""
                problems.append(f"nobody in the directory is {who!r}{hint}: import people first")
        org_name = " ".join(v.get("organization", "").split())
        if len(org_name) > 255:
            problems.append("the organization's name is longer than 255 characters")
        if not people and not org_name and not any("directory" in p for p in problems):
            problems.append("nobody met: fill in who was met, or the organization contacted")
        members = []
        for who in filter(None, (w.strip() for w in re.split(r"[;\n]", v.get("members", "")))):
            uid = user_by.get(who.lower()) or user_by.get(name_key(who))
            if uid is None:
                problems.append(f"{who!r} is not a member of the coalition")
            elif uid not in members:
                members.append(uid)
        issue_ids = []
        for name in filter(None, (w.strip() for w in re.split(r"[;\n]", v.get("issues", "")))):
            iid = issues.get(fold(name))
            if iid is None:
                problems.append(f"unknown issue {name!r}")
            else:
                issue_ids.append(iid)
        if len(v.get("subject", "")) > 200:
            problems.append("the subject is longer than 200 characters")
        if problems:
            plan.rows.append(RowPlan(n, "error", "; ".join(problems), values=v))
            continue
        org_id = orgs.get(fold(org_name)) if org_name else None
        with_whom = [f"{len(people)} {'person' if len(people) == 1 else 'people'}"] * bool(people)
        if org_name:
            with_whom.append(org_name if org_id else f"{org_name} (a new organization)")
        plan.rows.append(
            RowPlan(
                n,
                "create",
                f"contact on {when:%Y-%m-%d} with {' and '.join(with_whom)}",
                values={**v, "when": when, "kind": kind, "organization_id": org_id},
                people=people,
                members=members,
                issues=issue_ids,
            )
        )
    return plan


def organization_for(name: str, state: str | None, cache: dict) -> Organization:
    """The organization with this name (in any case), created when there is none; remembered in
    `cache`."""
    key = fold(name)
    if key not in cache:
        org = db.session.scalars(
            sa.select(Organization).where(sa.func.lower(Organization.name) == name.lower())
        ).first()
        if org is None:
            org = Organization(name=name[:255], kind="other", jurisdiction=state or "US")
            db.session.add(org)
            db.session.flush()
        cache[key] = org
    return cache[key]


EDITABLE = (
    "title",
    "email",
    "phone",
    "website",
    "party",
    "district",
    "bioguide_id",
    "openstates_id",
    "notes",
)


def apply_plan(actor: User, plan: Plan, now: datetime) -> dict:
    """Write a plan that has no error and no open question, in one transaction."""
    if not plan.ok:
        raise ValueError("the plan has rows to fix or to confirm")
    orgs: dict = {}
    created = linked = 0
    if plan.kind == "people":
        for r in plan.rows:
            v = r.values
            if r.action == "create":
                person = Person(
                    kind=v["kind"],
                    first_name=v.get("first_name"),
                    last_name=v.get("last_name") or v["full_name"].split()[-1],
                    full_name=v.get("full_name") or "",
                    sort_name="",
                    search_name="",
                    title=v.get("title"),
                    level=v.get("level"),
                    chamber=v.get("chamber"),
                    state=v.get("state"),
                    district=v.get("district"),
                    party=v.get("party"),
                    email=v.get("email"),
                    phone=v.get("phone"),
                    website=v.get("website"),
                    bioguide_id=v.get("bioguide_id"),
                    openstates_id=v.get("openstates_id"),
                    notes=v.get("notes"),
                    source="import",
                )
                if v.get("organization"):
                    person.organization = organization_for(v["organization"], v.get("state"), orgs)
                person.set_names()
                db.session.add(person)
                db.session.flush()
                audit.record(
                    actor, "import", person, after={k: v.get(k) for k in EDITABLE}, now=now
                )
                created += 1
            elif r.action == "link":
                person = db.session.get(Person, r.person_id)
                filled = {k: v[k] for k in EDITABLE if v.get(k) and not getattr(person, k)}
                for key, value in filled.items():
                    setattr(person, key, value)
                if filled:
                    audit.record(actor, "import", person, {k: None for k in filled}, filled, now)
                linked += 1
    else:
        created = write_history(actor, [r for r in plan.rows if r.action == "create"], now)
    db.session.commit()
    return {"created": created, "linked": linked, "skipped": plan.count("skip")}


def chunks(ids, size: int = 900):
    """Successive lists of at most `size` ids."""
    ids = list(ids)
    for i in range(0, len(ids), size):
        yield ids[i : i + size]


def write_history(actor: User, rows: list[RowPlan], now: datetime) -> int:
    """Insert the contacts in bulk (a few statements for thousands of rows), then move each
    office's last contact forward once, as the quick log would have."""
    from crm.models import (
        AuditEntry,
        interaction_issues,
        interaction_members,
        interaction_people,
    )
    from crm.offices import office_groups, touch_due

    if not rows:
        return 0
    values, orgs = [], {}
    for r in rows:
        v = r.values
        org_id = v.get("organization_id")
        if org_id is None and v.get("organization"):  # named in the file, not yet here
            org_id = organization_for(" ".join(v["organization"].split()), None, orgs).id
        values.append(
            {
                "kind": v["kind"],
                "organization_id": org_id,
                "occurred_at": v["when"],
                "subject": v.get("subject") or None,
                "notes": v.get("notes") or None,
                "outcome": v.get("outcome") or None,
                "private": (v.get("private") or "").lower() in ("yes", "y", "true", "1", "private"),
                "logged_by_id": r.members[0] if r.members else actor.id,
                "source": "import",
                "created_at": now,
                "updated_at": now,
            }
        )
    ids = db.session.scalars(
        sa.insert(Interaction).returning(Interaction.id, sort_by_parameter_order=True), values
    ).all()
    links = {interaction_people: [], interaction_members: [], interaction_issues: []}
    for iid, r, v in zip(ids, rows, values, strict=True):
        at = v["occurred_at"]
        links[interaction_people] += [
            {"interaction_id": iid, "person_id": p, "occurred_at": at} for p in r.people
        ]
        links[interaction_members] += [
            {"interaction_id": iid, "user_id": u, "occurred_at": at} for u in r.members
        ]
        links[interaction_issues] += [{"interaction_id": iid, "issue_id": i} for i in r.issues]
    for table, link_rows in links.items():
        if link_rows:
            db.session.execute(table.insert(), link_rows)
    reindex(db.session.connection(), "interaction", ids)  # inserted around the ORM's hook
    db.session.execute(
        sa.insert(AuditEntry),
        [
            {
                "actor_id": actor.id if actor else None,
                "action": "import",
                "entity_type": "interactions",
                "entity_id": iid,
                "after": {"row": r.number},
                "at": now,
            }
            for iid, r in zip(ids, rows, strict=True)
        ],
    )
    # A private contact moves the last-contacted date without naming its author (as
    # Interaction.named_author_id says for contacts logged one by one).
    made = [
        (v["occurred_at"], None if v["private"] else v["logged_by_id"], r.people)
        for v, r in zip(values, rows, strict=True)
    ]
    groups = office_groups({pid for r in rows for pid in r.people})
    latest: dict[int, tuple[datetime, int]] = {}
    for when, by, contacted in made:
        for person_id in contacted:
            for pid in groups.get(person_id, {person_id}):
                if pid not in latest or latest[pid][0] < when:
                    latest[pid] = (when, by)
    current = {}
    for part in chunks(latest):
        current.update(
            {
                pid: (last, cadence)
                for pid, last, cadence in db.session.execute(
                    sa.select(Person.id, Person.last_contacted_at, Person.cadence_days).where(
                        Person.id.in_(part)
                    )
                )
            }
        )
    updates = [
        {
            "pid": pid,
            "at": when,
            "by": by,
            "due": touch_due(when, current[pid][1]) if current[pid][1] else None,
        }
        for pid, (when, by) in latest.items()
        if pid in current and (current[pid][0] is None or current[pid][0] < when)
    ]
    if updates:
        db.session.connection().execute(
            sa.update(Person.__table__)
            .where(Person.__table__.c.id == sa.bindparam("pid"))
            .values(
                last_contacted_at=sa.bindparam("at"),
                last_contacted_by_id=sa.bindparam("by"),
                next_touch_due=sa.bindparam("due"),
            ),
            updates,
        )
    return len(made)


def report_csv(plan: Plan, headers: list[str], rows: list[list[str]]) -> str:
    """The file again with two columns in front (what the import does, and why): a person fixes
    the rows marked error or review and uploads it again."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["Import", "Why", *headers])
    by_number = {r.number: r for r in plan.rows}
    for n, row in enumerate(rows, start=2):
        r = by_number.get(n)
        why = r.message if r else ""
        if r and r.candidates:
            why += ": " + "; ".join(f"{c.name} (#{c.person_id}, {c.score}%)" for c in r.candidates)
        writer.writerow([r.action if r else "", why, *row])
    return "\ufeff" + out.getvalue()


# ---- the steps of an upload (web) ----


def save_upload(
    actor: User,
    kind: str,
    filename: str,
    data: bytes,
    now: datetime,
    saved_mapping: str | None = None,
) -> IntakeUpload:
    """Keep an uploaded file for the mapping and the dry run; its columns are guessed (or taken
    from a saved mapping) right away. Raises DomainError when it cannot be read."""
    from crm.intake.mapping import guess_mapping
    from crm.intake.reader import BadTable, read_table

    if not actor.is_coordinator:
        raise NotAllowed("Only coordinators import the coalition's data.")
    if kind not in FIELDS:
        raise DomainError("Choose what the file holds.", field="kind")
    try:
        table = read_table(data, filename)
    except BadTable as e:
        raise DomainError(f"The file cannot be read: {e}.", field="file") from None
    mapping = guess_mapping(kind, table.headers)
    if saved_mapping:
        saved = db.session.scalars(
            sa.select(SavedMapping).where(
                SavedMapping.name == saved_mapping, SavedMapping.kind == kind
            )
        ).first()
        if saved is not None:
            mapping = {
                i: saved.columns[h]
                for i, h in enumerate(table.headers)
                if saved.columns.get(h) in FIELDS[kind]
            }
    upload = IntakeUpload(
        kind=kind,
        filename=filename[:255],
        data=data,
        mapping={str(i): f for i, f in mapping.items()},
        created_by_id=actor.id,
        created_at=now,
    )
    db.session.add(upload)
    db.session.commit()
    return upload


def get_upload(upload_id: int) -> IntakeUpload:
    """One spreadsheet upload; raises LookupError when there is none."""
    upload = db.session.get(IntakeUpload, upload_id)
    if upload is None:
        raise LookupError(upload_id)
    return upload


def upload_table(upload: IntakeUpload):
    """The upload's file read as a table."""
    from crm.intake.reader import read_table

    return read_table(upload.data, upload.filename)


def upload_mapping(upload: IntakeUpload) -> dict[int, str]:
    """The upload's saved mapping (column number to field), keeping only fields of its kind."""
    return {int(i): f for i, f in (upload.mapping or {}).items() if f in FIELDS[upload.kind]}


def set_mapping(
    actor: User, upload: IntakeUpload, columns: dict[int, str], save_as: str | None, now: datetime
) -> None:
    """Choose the field of each column (each field once); optionally keep it by name."""
    if not actor.is_coordinator:
        raise NotAllowed("Only coordinators import the coalition's data.")
    chosen = {i: f for i, f in columns.items() if f in FIELDS[upload.kind]}
    if len(set(chosen.values())) != len(chosen):
        raise DomainError("Each field can come from one column only.")
    needed = {
        "people": ({"full_name", "last_name"}, "a name column"),
        "history": ({"date"}, "the date column"),
    }[upload.kind]
    if not needed[0] & set(chosen.values()):
        raise DomainError(f"Choose {needed[1]}.")
    upload.mapping = {str(i): f for i, f in chosen.items()}
    if save_as:
        headers = upload_table(upload).headers
        saved = db.session.scalars(
            sa.select(SavedMapping).where(SavedMapping.name == save_as[:120])
        ).first() or SavedMapping(name=save_as[:120], created_by_id=actor.id, created_at=now)
        saved.kind = upload.kind
        saved.columns = {headers[i]: f for i, f in chosen.items()}
        db.session.add(saved)
    db.session.commit()


def plan_upload(upload: IntakeUpload, decisions: dict[int, str], tz: str, now: datetime) -> Plan:
    """What importing the upload would do, row by row, with the reviewer's decisions so far
    (people) or in zone `tz` (history)."""
    table = upload_table(upload)
    mapping = upload_mapping(upload)
    if upload.kind == "people":
        return plan_people(table.rows, mapping, decisions)
    return plan_history(table.rows, mapping, tz, now)


def import_upload(
    actor: User, upload: IntakeUpload, decisions: dict[int, str], tz: str, now: datetime
) -> tuple[Plan, dict | None]:
    """Import the upload if every row is clear; otherwise return the plan to fix."""
    if not actor.is_coordinator:
        raise NotAllowed("Only coordinators import the coalition's data.")
    if upload.imported_at is not None:
        raise DomainError("This file was imported already.")
    plan = plan_upload(upload, decisions, tz, now)
    if not plan.ok:
        return plan, None
    result = apply_plan(actor, plan, now)
    upload.imported_at, upload.result = now, result
    db.session.commit()
    return plan, result


def saved_mapping_names(kind: str | None = None) -> list[str]:
    """The names of the saved column mappings (of one kind, when given), in order."""
    stmt = sa.select(SavedMapping.name).order_by(SavedMapping.name)
    if kind:
        stmt = stmt.where(SavedMapping.kind == kind)
    return list(db.session.scalars(stmt))


HISTORY_HEADER = [
    "Date",
    "Kind",
    "Who was met",
    "Organization",
    "Members",
    "Subject",
    "Notes",
    "Outcome",
    "Issues",
    "Private",
]


def history_rows(viewer: User, tz: str):
    """The contact log as the viewer may see it, in the columns the history import reads."""
    from sqlalchemy.orm import selectinload

    from crm.clock import local

    stmt = (
        Interaction.visible_to(viewer)
        .options(
            selectinload(Interaction.people),
            selectinload(Interaction.members),
            selectinload(Interaction.issues),
            selectinload(Interaction.logged_by),
            selectinload(Interaction.organization),
        )
        .order_by(Interaction.occurred_at, Interaction.id)
    )
    rows = []
    for i in db.session.scalars(stmt):
        members = [i.logged_by] + [m for m in i.members if m.id != i.logged_by_id]
        rows.append(
            [
                local(i.occurred_at, tz).strftime("%Y-%m-%d %H:%M"),
                i.kind,
                "; ".join(p.email or p.full_name for p in i.people),
                i.organization.name if i.organization is not None else "",
                "; ".join(m.email for m in members),
                i.subject or "",
                i.notes or "",
                i.outcome or "",
                "; ".join(s.name for s in i.issues),
                "yes" if i.private else "",
            ]
        )
    return rows
