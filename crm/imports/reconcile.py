"""Compare a Snapshot with the directory, then apply the difference.

Planning reads the rows of the snapshot's scope in a handful of bulk queries and compares them in
Python, keyed by the source's ids; it writes nothing, so a dry run is a plan that is never
applied. Applying writes with few statements (bulk inserts, one UPDATE per changed row) inside
the caller's transaction; the caller commits once.

Rules:
- People are matched by source id; failing that, a hand-entered legislator (no external id) with
  the same name, state and chamber is linked; close names are reported for review, not merged.
- Values the source gives overwrite ours; contact channels the source lacks never blank ours;
  fields the source never has (tier, holder, notes, cadence, ...) are never touched.
- People who left are marked out of office, never deleted; committees that disappeared are marked
  inactive; memberships are the source's current list.
- Every change leaves an audit row naming the source and the date of its data.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from types import SimpleNamespace
from typing import Any

import sqlalchemy as sa
from rapidfuzz import fuzz, process

from crm.extensions import db
from crm.imports.records import (
    CommitteeRecord,
    MembershipRecord,
    OrgRecord,
    PersonRecord,
    Snapshot,
)
from crm.models import (
    AuditEntry,
    Committee,
    CommitteeMembership,
    NotDuplicate,
    Office,
    Organization,
    Person,
    fold,
)

KINDS = ("people", "committees", "memberships", "organizations")
NAME_FIELDS = ("first_name", "middle_name", "last_name", "suffix", "nickname", "full_name")
OFFICE_FIELDS = ("kind", "label", "address", "phone", "fax", "external_id", "position")
MEMBERSHIP_FIELDS = ("role", "title", "rank", "side")
REVIEW_SCORE = 85  # rapidfuzz token_sort_ratio at or above this is "close enough to review"
MAX_STORED_CHANGES = 2000


def jsonable(value: Any) -> Any:
    """The value with dates and datetimes as ISO strings (in nested dicts and lists too), fit for a
    JSON column."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value


@dataclass
class Change:
    """One line of the report: what would change (or changed), per field."""

    action: str  # create, update, link, retire, deactivate, review
    entity: str  # person, committee, organization
    key: str
    name: str
    fields: dict[str, list] = field(default_factory=dict)  # field -> [before, after]
    message: str | None = None
    other_id: int | None = None  # reviews: the person entered by hand it may be

    def as_dict(self) -> dict:
        """The change as a report line (fields, message and other record only when set)."""
        out = {"action": self.action, "entity": self.entity, "key": self.key, "name": self.name}
        if self.fields:
            out["fields"] = jsonable(self.fields)
        if self.message:
            out["message"] = self.message
        if self.other_id:
            out["other_id"] = self.other_id
        return out


@dataclass
class PersonOp:
    """A person to create (person is None) or update, with the values to set and whether their
    offices are replaced."""

    person: Person | None  # None: to create
    record: PersonRecord
    values: dict[str, Any]  # attributes to set
    replace_offices: bool
    change: Change


@dataclass
class Plan:
    """What a run would do. `counts[kind][outcome]`, `changes` for people and committees."""

    snapshot: Snapshot
    counts: dict[str, dict[str, int]]
    changes: list[Change]
    reviews: list[Change]
    person_ops: list[PersonOp] = field(default_factory=list)
    retire: list[tuple[Person, Change]] = field(default_factory=list)
    org_creates: list[OrgRecord] = field(default_factory=list)
    org_updates: list[tuple[Organization, dict, Change]] = field(default_factory=list)
    committee_creates: list[CommitteeRecord] = field(default_factory=list)
    committee_updates: list[tuple[Committee, dict, Change]] = field(default_factory=list)
    committee_deactivate: list[tuple[Committee, Change]] = field(default_factory=list)
    membership_creates: list[MembershipRecord] = field(default_factory=list)
    membership_updates: list[tuple[int, dict]] = field(default_factory=list)
    membership_deletes: list[int] = field(default_factory=list)
    membership_changes: dict[str, dict[str, list]] = field(default_factory=dict)
    committee_only: list[tuple[Person, Change]] = field(default_factory=list)
    existing_people: dict[str, Person] = field(default_factory=dict)
    existing_orgs: dict[str, Organization] = field(default_factory=dict)
    existing_committees: dict[str, Committee] = field(default_factory=dict)


def new_counts() -> dict[str, dict[str, int]]:
    """Zeroed created/updated/retired/unchanged counts for each kind of record."""
    return {k: {"created": 0, "updated": 0, "retired": 0, "unchanged": 0} for k in KINDS}


# ---- planning ----


def plan(snap: Snapshot) -> Plan:
    """Compare the snapshot with the directory; reads only."""
    result = Plan(snap, new_counts(), [], [])
    plan_organizations(result)
    plan_people(result)
    if snap.committees is not None:
        plan_committees(result)
        if snap.memberships is not None:
            plan_memberships(result)
            attach_membership_changes(result)
    return result


def attach_membership_changes(p: Plan) -> None:
    """A person's committee changes join that person's line of the report (and audit row)."""
    by_key = {c.key: c for c in p.changes if c.entity == "person"}
    for key, fields in p.membership_changes.items():
        change = by_key.get(key)
        if change is None:
            person = p.existing_people[key]
            change = Change("update", "person", key, person.full_name)
            p.changes.append(change)
            p.committee_only.append((person, change))
        change.fields.update(fields)


def plan_organizations(p: Plan) -> None:
    """Add to the plan the organizations the snapshot creates or updates, and count them."""
    snap = p.snapshot
    keys = list(snap.orgs)
    existing = {}
    for chunk in chunks(keys, 900):
        existing.update(
            {
                o.external_id: o
                for o in db.session.scalars(
                    sa.select(Organization).where(Organization.external_id.in_(chunk))
                )
            }
        )
    p.existing_orgs = existing
    ids = {k: o.id for k, o in existing.items()}
    for key, rec in snap.orgs.items():
        org = existing.get(key)
        if org is None:
            p.org_creates.append(rec)
            p.counts["organizations"]["created"] += 1
            continue
        wanted = {
            k: v
            for k, v in rec.values.items()
            if v is not None or k in ("name", "kind", "jurisdiction")
        }
        if rec.parent_key and ids.get(rec.parent_key) != org.parent_id:
            wanted["parent_id"] = ids.get(rec.parent_key)
        diff = {k: [getattr(org, k), v] for k, v in wanted.items() if getattr(org, k) != v}
        if diff:
            change = Change("update", "organization", key, rec.values["name"], diff)
            p.org_updates.append((org, {k: v for k, (_, v) in diff.items()}, change))
            p.changes.append(change)
            p.counts["organizations"]["updated"] += 1
        else:
            p.counts["organizations"]["unchanged"] += 1


def chunks(items: list, size: int):
    """Successive slices of `items`, `size` long (the last may be shorter)."""
    for i in range(0, len(items), size):
        yield items[i : i + size]


def name_keys(
    first: str | None, nickname: str | None, last: str | None, full: str | None
) -> set[str]:
    """The folded names a person may be matched by: full name, and first or nickname with last."""
    keys = {fold(full)} if full else set()
    for given in (first, nickname):
        if given and last:
            keys.add(fold(f"{given} {last}"))
    return {k for k in keys if k}


class HandEntered:
    """Legislators typed in by hand (no external id), by (state, chamber), for linking."""

    def __init__(self, snap: Snapshot):
        states = sorted({r.values["state"] for r in snap.people.values()})
        rows = (
            db.session.scalars(
                sa.select(Person).where(
                    Person.bioguide_id.is_(None),
                    Person.openstates_id.is_(None),
                    Person.kind == "legislator",
                    Person.deleted_at.is_(None),
                    Person.state.in_(states),
                    sa.or_(Person.level.is_(None), Person.level == snap.level),
                )
            )
            if states
            else []
        )
        self.by_seat: dict[tuple, list[Person]] = defaultdict(list)
        for person in rows:
            self.by_seat[(person.state, person.chamber)].append(person)
        self.used: set[int] = set()
        # Pairs a coordinator said are not the same person: never offered again.
        self.not_same = set(
            db.session.execute(sa.select(NotDuplicate.person_id, NotDuplicate.other_key))
        )

    def match(self, rec: PersonRecord) -> tuple[Person | None, list[Person]]:
        """(the one exact match, or None; close or ambiguous candidates to review)."""
        v = rec.values
        seat = self.by_seat.get((v["state"], v["chamber"]), [])
        pool = [c for c in seat if c.id not in self.used]
        if not pool:
            return None, []
        wanted = name_keys(v.get("first_name"), v.get("nickname"), v["last_name"], v["full_name"])
        exact = [
            c
            for c in pool
            if wanted & name_keys(c.first_name, c.nickname, c.last_name, c.full_name)
        ]
        if len(exact) == 1:
            self.used.add(exact[0].id)
            return exact[0], []
        if exact:
            return None, [c for c in exact if (c.id, rec.key) not in self.not_same]
        names = {c.id: fold(c.full_name) for c in pool}
        close = process.extract(
            fold(v["full_name"]),
            names,
            scorer=fuzz.token_sort_ratio,
            score_cutoff=REVIEW_SCORE,
            limit=3,
        )
        by_id = {c.id: c for c in pool}
        return None, [by_id[cid] for _, _, cid in close if (cid, rec.key) not in self.not_same]


def plan_people(p: Plan) -> None:
    """Add to the plan the people to create, update or retire (out of office), matching hand-entered
    people or flagging them for review."""
    snap = p.snapshot
    id_col = getattr(Person, snap.id_field)
    existing = {
        getattr(x, snap.id_field): x
        for x in db.session.scalars(sa.select(Person).where(id_col.is_not(None)))
    }
    p.existing_people = existing
    offices = existing_offices(snap, id_col)
    org_ids = {k: o.id for k, o in p.existing_orgs.items()}
    hand = HandEntered(snap) if any(k not in existing for k in snap.people) else None
    for key, rec in snap.people.items():
        person = existing.get(key)
        action = "update"
        if person is None and hand is not None:
            person, review = hand.match(rec)
            for other in review:
                p.reviews.append(
                    Change(
                        "review",
                        "person",
                        key,
                        rec.name,
                        message=f"{rec.name} ({key}) may be the same person as {other.full_name} "
                        f"(#{other.id}, entered by hand); imported as a new person, "
                        f"not merged.",
                        other_id=other.id,
                    )
                )
            if person is not None:
                action = "link"
        if person is None:
            # Every record sets the same columns, so the inserts batch into few statements.
            values = {
                **rec.values,
                **rec.optional,
                "social": rec.social,
                "external_ids": rec.external_ids,
            }
            change = Change("create", "person", key, rec.name)
            p.person_ops.append(PersonOp(None, rec, values, bool(rec.offices), change))
            p.changes.append(change)
            p.counts["people"]["created"] += 1
            continue
        diff = person_diff(person, rec, offices.get(person.id, []), org_ids)
        if action == "link":
            diff[snap.id_field] = [None, key]
        if not diff:
            p.counts["people"]["unchanged"] += 1
            continue
        change = Change(action, "person", key, rec.name, diff)
        values = {k: v for k, (_, v) in diff.items() if k not in ("offices", "organization")}
        p.person_ops.append(PersonOp(person, rec, values, "offices" in diff, change))
        p.changes.append(change)
        p.counts["people"]["updated"] += 1
    for key, person in existing.items():
        if key in snap.people or not person.in_office:
            continue
        if snap.kind == "openstates" and person.state not in snap.states:
            continue
        change = Change("retire", "person", key, person.full_name, {"in_office": [True, False]})
        p.retire.append((person, change))
        p.changes.append(change)
        p.counts["people"]["retired"] += 1


def existing_offices(snap: Snapshot, id_col) -> dict[int, list[dict]]:
    """Imported people's offices of the kinds this source owns, as field dicts, by person id."""
    rows = db.session.execute(
        sa.select(Office.person_id, *(getattr(Office, f) for f in OFFICE_FIELDS))
        .join(Person, Person.id == Office.person_id)
        .where(id_col.is_not(None), Office.kind.in_(sorted(snap.office_kinds)))
        .order_by(Office.person_id, Office.position, Office.id)
    )
    out: dict[int, list[dict]] = defaultdict(list)
    for row in rows:
        out[row[0]].append(dict(zip(OFFICE_FIELDS, row[1:], strict=True)))
    return out


def person_diff(
    person: Person, rec: PersonRecord, offices: list[dict], org_ids: dict[str, int]
) -> dict[str, list]:
    """Field -> [ours, theirs] for what the source would change on this person."""
    diff: dict[str, list] = {}
    for name, value in rec.values.items():
        if getattr(person, name) != value:
            diff[name] = [getattr(person, name), value]
    for name, value in rec.optional.items():
        if value is not None and getattr(person, name) != value:
            diff[name] = [getattr(person, name), value]
    for name, incoming in (("social", rec.social), ("external_ids", rec.external_ids)):
        current = getattr(person, name) or {}
        merged = {**current, **incoming}
        if merged != current:
            diff[name] = [current, merged]
    if rec.offices and offices != rec.offices:
        diff["offices"] = [offices, rec.offices]
    if rec.org_key and person.organization_id != org_ids.get(rec.org_key, -1):
        diff["organization"] = [person.organization_id, rec.org_key]
    return diff


def plan_committees(p: Plan) -> None:
    """Add to the plan the committees to create, update or deactivate, and count them."""
    snap = p.snapshot
    key_col = getattr(Committee, snap.committee_key_field)
    existing = {
        getattr(c, snap.committee_key_field): c
        for c in db.session.scalars(sa.select(Committee).where(key_col.is_not(None)))
    }
    p.existing_committees = existing
    for key, rec in snap.committees.items():
        committee = existing.get(key)
        if committee is None:
            p.committee_creates.append(rec)
            p.changes.append(Change("create", "committee", key, rec.values["name"]))
            p.counts["committees"]["created"] += 1
            continue
        wanted = {**rec.values, **{k: v for k, v in rec.optional.items() if v is not None}}
        diff = {
            k: [getattr(committee, k), v] for k, v in wanted.items() if getattr(committee, k) != v
        }
        parent = existing.get(rec.parent_key) if rec.parent_key else None
        if rec.parent_key and (parent is None or committee.parent_id != parent.id):
            diff["parent"] = [committee.parent_id, rec.parent_key]
        elif not rec.parent_key and committee.parent_id is not None:
            diff["parent"] = [committee.parent_id, None]
        if diff:
            change = Change("update", "committee", key, rec.values["name"], diff)
            p.committee_updates.append((committee, diff, change))
            p.changes.append(change)
            p.counts["committees"]["updated"] += 1
        else:
            p.counts["committees"]["unchanged"] += 1
    for key, committee in existing.items():
        if key in snap.committees or not committee.active or not in_scope(committee, snap):
            continue
        change = Change("deactivate", "committee", key, committee.name, {"active": [True, False]})
        p.committee_deactivate.append((committee, change))
        p.changes.append(change)
        p.counts["committees"]["retired"] += 1


def in_scope(committee: Committee, snap: Snapshot) -> bool:
    """Whether an import of this snapshot owns the committee (federal for Congress, its states for
    Open States)."""
    if snap.kind == "congress":
        return committee.level == "federal"
    return committee.jurisdiction in snap.states


def committee_label(name: str, code: str | None) -> str:
    """A committee's name with its code in parentheses, when it has one."""
    return f"{name} ({code})" if code else name


def plan_memberships(p: Plan) -> None:
    """Add to the plan the committee memberships to create, update or delete; hand-made memberships
    of people the source does not know stay."""
    snap = p.snapshot
    by_id = {c.id: k for k, c in p.existing_committees.items() if in_scope(c, snap)}
    people_by_id = {x.id: k for k, x in p.existing_people.items()}
    rows = db.session.execute(
        sa.select(
            CommitteeMembership.id,
            CommitteeMembership.committee_id,
            CommitteeMembership.person_id,
            *(getattr(CommitteeMembership, f) for f in MEMBERSHIP_FIELDS),
        )
        .join(Committee, Committee.id == CommitteeMembership.committee_id)
        .where(getattr(Committee, snap.committee_key_field).is_not(None))
    )
    existing: dict[tuple[str, str], tuple[int, dict]] = {}
    for row in rows:
        committee_key, person_key = by_id.get(row[1]), people_by_id.get(row[2])
        if committee_key is None or person_key is None:
            continue  # hand-made memberships of people the source does not know stay
        existing[(committee_key, person_key)] = (
            row[0],
            dict(zip(MEMBERSHIP_FIELDS, row[3:], strict=True)),
        )
    names = {
        k: committee_label(c.values["name"], c.values.get("code"))
        for k, c in snap.committees.items()
    }
    new_people = {op.record.key for op in p.person_ops if op.person is None}
    counts = p.counts["memberships"]

    def note(person_key: str, label: str, before: dict | None, after: dict | None) -> None:
        if person_key not in new_people:
            p.membership_changes.setdefault(person_key, {})[f"committee {label}"] = [
                seat_in_committee(before),
                seat_in_committee(after),
            ]

    for key, rec in snap.memberships.items():
        found = existing.get(key)
        if found is None:
            p.membership_creates.append(rec)
            counts["created"] += 1
            note(rec.person_key, names[rec.committee_key], None, rec.values)
        elif found[1] != rec.values:
            p.membership_updates.append((found[0], rec.values))
            counts["updated"] += 1
            note(rec.person_key, names[rec.committee_key], found[1], rec.values)
        else:
            counts["unchanged"] += 1
    for key, (row_id, values) in existing.items():
        if key not in snap.memberships:
            p.membership_deletes.append(row_id)
            counts["retired"] += 1
            gone = p.existing_committees[key[0]]
            note(key[1], committee_label(gone.name, gone.code), values, None)


def seat_in_committee(values: dict | None) -> str | None:
    """'chair', 'member #4': how a membership reads in the report and the audit log."""
    if values is None:
        return None
    rank = f" #{values['rank']}" if values.get("rank") else ""
    return f"{values['role']}{rank}"


# ---- applying ----


ORG_COLUMNS = ("name", "kind", "jurisdiction", "website", "phone", "email", "address")


def insert_rows(model, rows: list[dict]) -> None:
    """One executemany per table. (ORM flushes and ORM bulk inserts send a statement per row on
    SQLite, and group rows by which values are None.)"""
    if rows:
        keys = list(dict.fromkeys(k for row in rows for k in row))
        db.session.execute(
            sa.insert(model.__table__), [{k: row.get(k) for k in keys} for row in rows]
        )


def ids_by_key(column, keys: list[str]) -> dict[str, int]:
    """Ids of rows just inserted, by their natural key."""
    model = column.class_
    out: dict[str, int] = {}
    for chunk in chunks(keys, 900):
        out.update(db.session.execute(sa.select(column, model.id).where(column.in_(chunk))).all())
    return out


class Applier:
    """Writes a plan in the current transaction (the caller commits): bulk inserts for what is
    new, ORM updates (versioned, audited) for what changed."""

    def __init__(self, plan: Plan, now: datetime):
        self.plan = plan
        self.snap = plan.snapshot
        self.now = now
        self.stamp = datetime.combine(self.snap.as_of, datetime.min.time(), UTC)
        self.source = {"source": self.snap.dataset, "source_date": self.snap.as_of.isoformat()}
        self.audit: list[dict] = []

    def run(self) -> None:
        """Write the plan in order (organizations to memberships), then its audit rows."""
        orgs = self.organizations()
        people = self.people(orgs)
        self.offices(people)
        committees = self.committees()
        self.memberships(people, committees)
        db.session.flush()
        insert_rows(AuditEntry, self.audit)

    def log(
        self, action: str, table: str, entity_id: int, before: dict | None, after: dict | None
    ) -> None:
        """Queue an audit row for this import change, stamped with the source."""
        self.audit.append(
            {
                "actor_id": None,
                "action": action,
                "entity_type": table,
                "entity_id": entity_id,
                "before": jsonable(before),
                "after": jsonable({**(after or {}), **self.source}),
                "at": self.now,
            }
        )

    def log_change(self, table: str, entity_id: int, change: Change) -> None:
        """Queue the audit row of a change, its before and after split by field."""
        self.log(
            f"import_{change.action}",
            table,
            entity_id,
            {k: b for k, (b, _) in change.fields.items()},
            {k: a for k, (_, a) in change.fields.items()},
        )

    def organizations(self) -> dict[str, int]:
        """Insert new organizations (chambers before offices) and apply updates; ids by key."""
        p = self.plan
        ids = {k: o.id for k, o in p.existing_orgs.items()}
        for chambers in (True, False):  # chambers first: offices hang under them
            batch = [rec for rec in p.org_creates if (rec.parent_key is None) == chambers]
            insert_rows(
                Organization,
                [
                    {
                        **{k: rec.values.get(k) for k in ORG_COLUMNS},
                        "external_id": rec.key,
                        "parent_id": ids.get(rec.parent_key),
                        "created_at": self.now,
                        "updated_at": self.now,
                    }
                    for rec in batch
                ],
            )
            ids.update(ids_by_key(Organization.external_id, [rec.key for rec in batch]))
            for rec in batch:
                self.log(
                    "import_create",
                    "organizations",
                    ids[rec.key],
                    None,
                    {**rec.values, "external_id": rec.key},
                )
        for org, values, change in p.org_updates:
            if "parent_id" in values:
                values["parent_id"] = ids.get(self.snap.orgs[change.key].parent_key)
            for k, v in values.items():
                setattr(org, k, v)
            self.log_change("organizations", org.id, change)
        return ids

    def people(self, orgs: dict[str, int]) -> dict[str, int]:
        """Insert new people, apply updates and retirements; the ids by record key."""
        p = self.plan
        id_field = self.snap.id_field
        creates = [op for op in p.person_ops if op.person is None]
        rows = []
        for op in creates:
            names = SimpleNamespace(**{f: op.values.get(f) for f in NAME_FIELDS})
            Person.set_names(names)  # the model's rule for sort and search names
            rows.append(
                {
                    **op.values,
                    id_field: op.record.key,
                    "full_name": names.full_name,
                    "sort_name": names.sort_name,
                    "search_name": names.search_name,
                    "organization_id": orgs.get(op.record.org_key),
                    "tier": "unknown",
                    "source": self.snap.kind,
                    "source_updated_at": self.stamp,
                    "created_at": self.now,
                    "updated_at": self.now,
                }
            )
        insert_rows(Person, rows)
        ids = {k: x.id for k, x in p.existing_people.items()}
        ids.update(ids_by_key(getattr(Person, id_field), [op.record.key for op in creates]))
        for op in creates:
            self.log(
                "import_create",
                "people",
                ids[op.record.key],
                None,
                {**op.values, id_field: op.record.key},
            )
        for op in p.person_ops:
            if op.person is None:
                continue
            person = op.person
            for k, v in op.values.items():
                setattr(person, k, v)
            if "organization" in op.change.fields:
                person.organization_id = orgs.get(op.record.org_key)
            if any(f in op.values for f in NAME_FIELDS):
                person.set_names()
            person.source_updated_at = self.stamp
            ids[op.record.key] = person.id  # a person linked just now had no key yet
            self.log_change("people", person.id, op.change)
        for person, change in p.retire:
            person.in_office = False
            person.source_updated_at = self.stamp
            self.log_change("people", person.id, change)
        for person, change in p.committee_only:
            self.log_change("people", person.id, change)
        return ids

    def offices(self, people: dict[str, int]) -> None:
        """Replace the offices of the people whose offices the source gives."""
        ops = [op for op in self.plan.person_ops if op.replace_offices]
        replaced = [op.person.id for op in ops if op.person is not None]
        for chunk in chunks(replaced, 900):
            db.session.execute(
                sa.delete(Office).where(
                    Office.person_id.in_(chunk), Office.kind.in_(sorted(self.snap.office_kinds))
                )
            )
        insert_rows(
            Office,
            [
                {**office, "person_id": people[op.record.key]}
                for op in ops
                for office in op.record.offices
            ],
        )

    def committees(self) -> dict[str, int]:
        """Insert new committees (parents first) and apply updates; the ids by key."""
        p = self.plan
        key_column = getattr(Committee, self.snap.committee_key_field)
        ids = {k: c.id for k, c in p.existing_committees.items()}
        pending = list(p.committee_creates)
        while pending:  # parents before their subcommittees
            ready = [r for r in pending if r.parent_key is None or r.parent_key in ids]
            if not ready:
                raise ValueError("committee parents form a cycle")
            insert_rows(
                Committee,
                [
                    {
                        "code": None,
                        "external_id": None,
                        **r.values,
                        **r.optional,
                        "parent_id": ids.get(r.parent_key),
                        "created_at": self.now,
                        "updated_at": self.now,
                    }
                    for r in ready
                ],
            )
            ids.update(ids_by_key(key_column, [r.key for r in ready]))
            for rec in ready:
                self.log(
                    "import_create",
                    "committees",
                    ids[rec.key],
                    None,
                    {**rec.values, **rec.optional, "parent": rec.parent_key},
                )
            pending = [r for r in pending if r.key not in ids]
        for committee, diff, change in p.committee_updates:
            for k, (_, v) in diff.items():
                if k == "parent":
                    committee.parent_id = ids.get(v) if v else None
                else:
                    setattr(committee, k, v)
            self.log_change("committees", committee.id, change)
        for committee, change in p.committee_deactivate:
            committee.active = False
            self.log_change("committees", committee.id, change)
        return ids

    def memberships(self, people: dict[str, int], committees: dict[str, int]) -> None:
        """Delete, update and insert committee memberships as planned."""
        p = self.plan
        for chunk in chunks(p.membership_deletes, 900):
            db.session.execute(
                sa.delete(CommitteeMembership).where(CommitteeMembership.id.in_(chunk))
            )
        if p.membership_updates:
            table = CommitteeMembership.__table__
            db.session.execute(
                sa.update(table)
                .where(table.c.id == sa.bindparam("row_id"))
                .values({f: sa.bindparam(f) for f in MEMBERSHIP_FIELDS}),
                [{"row_id": row_id, **values} for row_id, values in p.membership_updates],
            )
        insert_rows(
            CommitteeMembership,
            [
                {
                    "committee_id": committees[m.committee_key],
                    "person_id": people[m.person_key],
                    **m.values,
                }
                for m in p.membership_creates
            ],
        )


def apply(plan: Plan, now: datetime) -> None:
    """Write the plan in the current transaction; the caller commits."""
    Applier(plan, now).run()
