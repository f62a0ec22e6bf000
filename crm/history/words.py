"""Audit rows in words: who did what to which record, each change as "Field: old → new".

Ids in the rows become names, loaded in bulk (one statement per kind of record referenced,
however many rows), enums become their labels, times the viewer's local time, long text is
shortened. A contact the viewer may not see is never named: changes that point at one are left
out (the rows about the contact itself are filtered out before they get here).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa

from crm import clock
from crm.extensions import db
from crm.models import (
    ASSIGNMENT_STATUSES,
    CHAMBERS,
    INTERACTION_KINDS,
    LEVELS,
    ORG_KINDS,
    PATHWAY_STATUSES,
    PERSON_KINDS,
    PRIORITIES,
    STANCES,
    TIERS,
    AdvocacyDay,
    ApiToken,
    Assignment,
    AuditEntry,
    Bill,
    Campaign,
    Committee,
    Conrad30Year,
    FollowUpTemplate,
    ImportRun,
    Interaction,
    Issue,
    LicensurePathway,
    Notification,
    Organization,
    Person,
    Position,
    SavedList,
    Tag,
    User,
)

SHORT = 80  # characters of a long text shown in a change
ROLE_LABELS = {"member": "Member", "coordinator": "Coordinator", "admin": "Admin"}
COMMITMENT_STATUSES = {"pending": "Pending", "kept": "Kept", "broken": "Not kept"}
CAMPAIGN_STATUSES = {"active": "Active", "closed": "Closed"}
WEEKDAYS = dict(enumerate(("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")))
WEEKDAYS[6] = "Sunday"

# What a record is called, by table: (noun, plural).
NOUNS = {
    "people": ("person", "People"),
    "interactions": ("contact", "Contacts"),
    "assignments": ("assignment", "Assignments"),
    "positions": ("position", "Positions"),
    "campaigns": ("campaign", "Campaigns"),
    "issues": ("issue", "Issues"),
    "bills": ("bill", "Bills"),
    "users": ("account", "Accounts"),
    "organizations": ("organization", "Organizations"),
    "committees": ("committee", "Committees"),
    "notifications": ("email", "Emails"),
    "import_runs": ("import", "Imports"),
    "follow_up_templates": ("follow-up", "Follow-ups"),
    "conrad30_years": ("Conrad 30 program year", "Conrad 30 program years"),
    "licensure_pathways": ("licensure pathway", "Licensure pathways"),
    "advocacy_days": ("advocacy day", "Advocacy days"),
    "api_tokens": ("API token", "API tokens"),
    "tags": ("tag", "Tags"),
    "saved_lists": ("saved list", "Saved lists"),
}

# What an action reads as; create has a better verb for some records.
VERBS = {
    "create": "added",
    "update": "changed",
    "delete": "deleted",
    "restore": "restored",
    "reassign": "reassigned",
    "status": "changed the status of",
    "complete": "marked done",
    "snooze": "snoozed",
    "change_role": "changed the role of",
    "activate": "reactivated",
    "deactivate": "deactivated",
    "invite": "sent an invitation",
    "update_profile": "updated the profile of",
    "regenerate_calendar_token": "made a new calendar link for",
    "create_api_token": "made",
    "revoke_api_token": "revoked",
    "api_call": "called the API with",
    "unsubscribe": "unsubscribed",
    "resend": "queued again",
    "confirm_delivered": "confirmed the delivery of",
    "retire": "retired",
    "reinstate": "reinstated",
    "import": "imported",
    "merge": "merged a duplicate into",
    "merged": "merged",
    "import_start": "started",
    "import_requeue": "queued again",
    "import_create": "added",
    "import_update": "updated",
    "tag": "tagged",
    "untag": "took a tag off",
    "add_role": "added a staff role for",
    "end_role": "ended a staff role of",
    "move_role": "moved a staff role of",
}
CREATE_VERBS = {"interactions": "logged", "positions": "recorded", "users": "created"}
# The invitation row is kept on the inviter's account; its words name no record.
NO_RECORD = {"invite"}

# Fields that hold the id of another record, by the kind of record they point at.
REFERENCES = {
    "assignee_id": "users",
    "holder_id": "users",
    "logged_by_id": "users",
    "recorded_by_id": "users",
    "created_by_id": "users",
    "invited_by_id": "users",
    "last_contacted_by_id": "users",
    "person_id": "people",
    "coordinator_id": "people",
    "target_removed": "people",
    "lead_id": "users",
    "started_by_id": "users",
    "merged_into_id": "people",
    "merged_id": "people",
    "into": "people",
    "recipient_id": "users",
    "covering_member_id": "users",
    "program_office_id": "organizations",
    "employer_id": "people",
    "staff_id": "people",
    "organization_id": "organizations",
    "issue_id": "issues",
    "bill_id": "bills",
    "campaign_id": "campaigns",
    "interaction_id": "interactions",
    "completed_interaction_id": "interactions",
    "from_interaction_id": "interactions",
    "saved_list_id": "saved_lists",
    "owner_id": "users",
    "from_organization_id": "organizations",
}
LIST_REFERENCES = {
    "issues": "issues",
    "bills": "bills",
    "people": "people",
    "members": "users",
    "targets_added": "people",
}


@dataclass(frozen=True)
class Shown:
    """How one field reads: its label, and how its values turn into words."""

    label: str
    how: str = "text"  # text, long, bool, date, datetime, days, json, enum, weekday, hour
    choices: dict | None = None


def enum(label: str, choices: dict) -> Shown:
    """A field whose values read as the labels in `choices`."""
    return Shown(label, "enum", choices)


COMMON = {
    "title": Shown("Title"),
    "notes": Shown("Notes", "long"),
    "name": Shown("Name"),
    "status": Shown("Status"),
    "kind": Shown("Kind"),
    "email": Shown("Email"),
    "phone": Shown("Phone"),
    "website": Shown("Website"),
    "source": Shown("Source"),
    "source_date": Shown("Source date", "date"),
    "external_id": Shown("External id"),
    "description": Shown("Description", "long"),
    "active": Shown("Active", "bool"),
    "talking_points": Shown("Talking points", "long"),
    "tracked": Shown("Tracked", "bool"),
    "row": Shown("Row of the imported file"),
}
SHOWN: dict[str, dict[str, Shown]] = {
    "people": {
        "kind": enum("Kind", PERSON_KINDS),
        "first_name": Shown("First name"),
        "middle_name": Shown("Middle name"),
        "last_name": Shown("Last name"),
        "suffix": Shown("Suffix"),
        "nickname": Shown("Nickname"),
        "full_name": Shown("Name"),
        "level": enum("Level", LEVELS),
        "chamber": enum("Chamber", CHAMBERS),
        "state": Shown("State"),
        "district": Shown("District"),
        "party": Shown("Party"),
        "party_label": Shown("Party"),
        "caucus": Shown("Caucus"),
        "in_office": Shown("In office", "bool"),
        "term_start": Shown("Term start", "date"),
        "term_end": Shown("Term end", "date"),
        "contact_form": Shown("Contact form"),
        "photo_url": Shown("Photo"),
        "social": Shown("Social accounts", "json"),
        "external_ids": Shown("External ids", "json"),
        "bioguide_id": Shown("Bioguide id"),
        "openstates_id": Shown("Open States id"),
        "tier": enum("Tier", TIERS),
        "holder_id": Shown("Relationship holder"),
        "cadence_days": Shown("Keep in touch", "days"),
    },
    "interactions": {
        "kind": enum("Kind", INTERACTION_KINDS),
        "occurred_at": Shown("When", "datetime"),
        "subject": Shown("Subject"),
        "outcome": Shown("Outcome", "long"),
        "private": Shown("Private", "bool"),
        "people": Shown("Contacted"),
        "members": Shown("Members present"),
        "issues": Shown("Issues"),
        "bills": Shown("Bills"),
    },
    "assignments": {
        "assignee_id": Shown("Assignee"),
        "person_id": Shown("Person"),
        "due_on": Shown("Due", "date"),
        "priority": enum("Priority", PRIORITIES),
        "status": enum("Status", ASSIGNMENT_STATUSES),
        "snoozed_until": Shown("Snoozed until", "date"),
        "completed_interaction_id": Shown("Done with the contact"),
        "from_interaction_id": Shown("Follow-up of the contact"),
    },
    "positions": {
        "stance": enum("Stance", STANCES),
        "commitment": Shown("Commitment"),
        "commitment_status": enum("Commitment", COMMITMENT_STATUSES),
        "interaction_id": Shown("Stated in the contact"),
        "recorded_at": Shown("Recorded", "datetime"),
    },
    "campaigns": {
        "goal": Shown("Goal", "long"),
        "starts_on": Shown("Starts", "date"),
        "ends_on": Shown("Ends", "date"),
        "status": enum("Status", CAMPAIGN_STATUSES),
        "target_filter": Shown("Targets", "json"),
        "saved_list_id": Shown("Targets from the saved list"),
    },
    "bills": {
        "jurisdiction": Shown("Jurisdiction"),
        "session": Shown("Session"),
        "number": Shown("Number"),
        "url": Shown("Link"),
        "introduced_on": Shown("Introduced", "date"),
        "chamber": enum("Chamber of origin", CHAMBERS),
        "issues": Shown("Issues"),
    },
    "issues": {"slug": Shown("Short name")},
    "users": {
        "role": enum("Role", ROLE_LABELS),
        "is_active": Shown("Active", "bool"),
        "organization": Shown("Organization"),
        "home_state": Shown("Home state"),
        "timezone": Shown("Time zone"),
        "digest_enabled": Shown("Weekly digest", "bool"),
        "digest_weekday": Shown("Digest day", "weekday"),
        "digest_hour": Shown("Digest hour", "hour"),
        "reminders_enabled": Shown("Reminders", "bool"),
    },
    "organizations": {
        "kind": enum("Kind", ORG_KINDS),
        "parent_id": Shown("Part of"),
        "jurisdiction": Shown("Jurisdiction"),
        "address": Shown("Address", "long"),
    },
    "import_runs": {"dry_run": Shown("Dry run", "bool"), "kind": Shown("Dataset")},
    "conrad30_years": {
        "slots_used": Shown("Slots used"),
        "flex_used": Shown("Flex slots used"),
        "window_opens": Shown("Window opens", "date"),
        "window_closes": Shown("Window closes", "date"),
        "program_office_id": Shown("Program office"),
        "coordinator_id": Shown("State coordinator"),
        "covering_member_id": Shown("Covering member"),
    },
    "advocacy_days": {
        "day": Shown("Day", "date"),
        "place": Shown("Place"),
        "timezone": Shown("Time zone"),
        "meeting_minutes": Shown("Meeting length (minutes)"),
        "min_gap_minutes": Shown("Gap between meetings (minutes)"),
        "targets_added": Shown("Offices added"),
        "target_removed": Shown("Office removed"),
        "proposed": Shown("Meetings proposed"),
        "unplaced": Shown("Offices not placed"),
    },
    "licensure_pathways": {
        "status": enum("Status", PATHWAY_STATUSES),
        "law_year": Shown("Law passed in"),
    },
    "follow_up_templates": {
        "label": Shown("Label"),
        "due_in_days": Shown("Due after", "days"),
        "position": Shown("Order"),
    },
}
# organizations.parent_id points at another organization; committees' at a committee.
TABLE_REFERENCES = {
    ("organizations", "parent_id"): "organizations",
    ("committees", "parent_id"): "committees",
    ("api_tokens", "user_id"): "users",
}


def shown(table: str, name: str) -> Shown:
    """How a field of a table reads (a readable label for fields nobody described)."""
    found = SHOWN.get(table, {}).get(name) or COMMON.get(name)
    if found:
        return found
    label = name.removesuffix("_id").replace("_", " ")
    return Shown(label[:1].upper() + label[1:])


def reference(table: str, name: str) -> str | None:
    """The table a field's value points at, if it is an id."""
    return TABLE_REFERENCES.get((table, name)) or REFERENCES.get(name)


@dataclass
class Change:
    """One field's change as words: its label and old and new values."""

    label: str
    old: str | None  # None: the record was created with this value
    new: str


@dataclass
class Entry:
    """One audit row in words."""

    id: int
    at: datetime
    actor: str
    verb: str
    noun: str
    label: str | None
    link: tuple[str, dict] | None  # (endpoint, arguments) of the record's page
    changes: list[Change] = field(default_factory=list)
    table: str = ""
    record_id: int | None = None

    @property
    def sentence(self) -> str:
        """Plain text: "Cora Coordinator reassigned the assignment “Call the office”"."""
        what = "" if self.label is None else f" the {self.noun} “{self.label}”"
        if self.noun == "person" and self.label is not None:
            what = f" {self.label}"
        return f"{self.actor} {self.verb}{what}"


class Names:
    """Names of the records audit rows point at, loaded in one statement per kind."""

    def __init__(self, visible_interactions):
        self.wanted: dict[str, set[int]] = defaultdict(set)
        self.found: dict[str, dict[int, str]] = {}
        self.positions: dict[int, Position] = {}
        self.visible_interactions = visible_interactions  # a select of ids, or None for all

    def want(self, table: str, value) -> None:
        """Note a record id to name (ignores values that are not ids)."""
        if isinstance(value, bool) or not isinstance(value, int):
            return
        self.wanted[table].add(value)

    def load(self) -> None:
        """Load the names of every wanted record, one statement per kind (positions first)."""
        # Positions are named after their person and subject: load them first, then the rest.
        if self.wanted.get("positions"):
            rows = db.session.execute(
                sa.select(
                    Position.id, Position.person_id, Position.issue_id, Position.bill_id
                ).where(Position.id.in_(self.wanted["positions"]))
            ).all()
            for row in rows:
                self.positions[row.id] = row
                self.want("people", row.person_id)
                self.want("issues", row.issue_id)
                self.want("bills", row.bill_id)
        for table, ids in self.wanted.items():
            loader = LOADERS.get(table)
            if loader is not None and ids:
                self.found[table] = loader(self, sorted(ids))

    def name(self, table: str, value) -> str | None:
        """The record's name; None when it is unknown or hidden from the viewer."""
        if table == "positions":
            row = self.positions.get(value)
            if row is None:
                return None
            person = self.found.get("people", {}).get(row.person_id, "someone")
            subject = (
                self.found.get("issues", {}).get(row.issue_id)
                if row.issue_id
                else self.found.get("bills", {}).get(row.bill_id)
            )
            return f"{person} on {subject or 'a subject since removed'}"
        return self.found.get(table, {}).get(value)

    def interactions(self, ids: list[int]) -> dict[int, str]:
        """Contacts' names (subject, else kind and date), only those the viewer may see."""
        stmt = sa.select(
            Interaction.id, Interaction.subject, Interaction.kind, Interaction.occurred_at
        ).where(Interaction.id.in_(ids))
        if self.visible_interactions is not None:
            stmt = stmt.where(Interaction.id.in_(self.visible_interactions))
        return {
            row.id: row.subject
            or f"{INTERACTION_KINDS.get(row.kind, 'Contact')} of {row.occurred_at:%b %-d, %Y}"
            for row in db.session.execute(stmt)
        }


def simple(*columns, render=lambda row: row[1]):
    """A names loader for a table: `columns` (id first) of the rows with those ids, each rendered
    to a name."""

    def load(names: Names, ids: list[int]) -> dict[int, str]:
        key = columns[0]
        rows = db.session.execute(sa.select(*columns).where(key.in_(ids)))
        return {row[0]: render(row) for row in rows}

    return load


LOADERS = {
    "users": simple(User.id, User.name),
    "people": simple(Person.id, Person.full_name),
    "organizations": simple(Organization.id, Organization.name),
    "issues": simple(Issue.id, Issue.name),
    "bills": simple(
        Bill.id,
        Bill.jurisdiction,
        Bill.number,
        Bill.session,
        render=lambda r: f"{'' if r[1] == 'US' else r[1] + ' '}{r[2]} ({r[3]})",
    ),
    "assignments": simple(Assignment.id, Assignment.title),
    "campaigns": simple(Campaign.id, Campaign.name),
    "saved_lists": simple(SavedList.id, SavedList.name),
    "tags": simple(Tag.id, Tag.name),
    "committees": simple(Committee.id, Committee.name),
    "api_tokens": simple(ApiToken.id, ApiToken.name),
    "follow_up_templates": simple(FollowUpTemplate.id, FollowUpTemplate.label),
    "import_runs": simple(
        ImportRun.id, ImportRun.kind, render=lambda r: f"{r[1].title()} import of run {r[0]}"
    ),
    "notifications": simple(
        Notification.id,
        Notification.kind,
        Notification.to_email,
        render=lambda r: f"{r[1]} to {r[2]}",
    ),
    "interactions": Names.interactions,
    "conrad30_years": simple(
        Conrad30Year.id,
        Conrad30Year.state,
        Conrad30Year.fiscal_year,
        render=lambda r: f"{r[1]}, fiscal year {r[2]}",
    ),
    "licensure_pathways": simple(LicensurePathway.id, LicensurePathway.state),
    "advocacy_days": simple(AdvocacyDay.id, AdvocacyDay.name),
}

# The page of each kind of record, as (endpoint, argument name).
PAGES = {
    "people": ("people.show", "person_id"),
    "interactions": ("interactions.show", "interaction_id"),
    "assignments": ("assignments.show", "assignment_id"),
    "campaigns": ("campaigns.show", "campaign_id"),
    "issues": ("policy.issue_whip", "issue_id"),
    "bills": ("policy.bill_whip", "bill_id"),
    "import_runs": ("imports.show", "run_id"),
    "organizations": ("organizations.show", "org_id"),
    "advocacy_days": ("events.show", "day_id"),
}


def shorten(text: str, limit: int = SHORT) -> str:
    """The text on one line (whitespace collapsed), cut to `limit` with "…"."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def words(table: str, name: str, value, names: Names, tz: str) -> str | None:
    """One value in words; None when it points at a contact the viewer may not see."""
    if value is None or value == "" or value == [] or value == {}:
        return "—"
    ref = reference(table, name)
    if ref is not None:
        found = names.name(ref, value)
        if found is None and ref == "interactions":
            return None
        return found or f"a {NOUNS.get(ref, ('record',))[0]} since removed"
    if name in LIST_REFERENCES and isinstance(value, list):
        ref = LIST_REFERENCES[name]
        return ", ".join(names.name(ref, v) or "one since removed" for v in value)
    how = shown(table, name)
    if how.how == "enum":
        return how.choices.get(value, str(value))
    if how.how == "bool" or isinstance(value, bool):
        return "Yes" if value else "No"
    if how.how == "datetime" and isinstance(value, str):
        try:
            return clock.local(datetime.fromisoformat(value), tz).strftime("%b %-d, %Y %-I:%M %p")
        except ValueError:
            return shorten(value)
    if how.how == "date" and isinstance(value, str):
        try:
            return date.fromisoformat(value[:10]).strftime("%b %-d, %Y")
        except ValueError:
            return shorten(value)
    if how.how == "days" and isinstance(value, int):
        return "1 day" if value == 1 else f"{value} days"
    if how.how == "weekday" and isinstance(value, int):
        return WEEKDAYS.get(value, str(value))
    if how.how == "hour" and isinstance(value, int):
        return f"{value:02d}:00"
    if isinstance(value, dict):
        return shorten(", ".join(f"{k.replace('_', ' ')}: {v}" for k, v in value.items() if v))
    if isinstance(value, list):
        return shorten(", ".join(str(v) for v in value))
    return shorten(str(value), SHORT if how.how == "long" else 2 * SHORT)


MERGE_SHOWN = {"merged_id": "Duplicate", "into": "Into"}


def changes(row: AuditEntry, names: Names, tz: str) -> list[Change]:
    """An audit row's changed fields as words (values alone for a creation or a merge), leaving
    out what the reader may not see."""
    before, after = row.before or {}, row.after or {}
    if row.action in ("merge", "merged"):  # the kept values are on the surviving record
        out = [
            Change(label, None, words(row.entity_type, key, after[key], names, tz))
            for key, label in MERGE_SHOWN.items()
            if key in after
        ]
        moved = sum((after.get("moved") or {}).values())
        if moved:
            out.append(Change("References moved", None, str(moved)))
        return out
    created = row.before is None  # a creation (or an import's first sight): values, no arrows
    out = []
    for name in dict.fromkeys([*after, *before]):
        label = shown(row.entity_type, name).label
        new = words(row.entity_type, name, after.get(name), names, tz)
        if created:
            if new is None or new == "—":
                continue
            out.append(Change(label, None, new))
            continue
        old = words(row.entity_type, name, before.get(name), names, tz)
        if old is None or new is None or old == new:
            continue  # a hidden contact, or nothing a reader could tell apart
        out.append(Change(label, old, new))
    return out


def actor_name(row: AuditEntry, users: dict[int, str]) -> str:
    """Who did it: the member's name ("A former member" when gone), else the import or the CRM."""
    if row.actor_id is not None:
        return users.get(row.actor_id, "A former member")
    if row.action.startswith("import_"):
        return "The directory import"
    return "An import" if row.action == "import" else "The CRM"


def verb(row: AuditEntry) -> str:
    """What was done to the record, as a verb phrase (e.g. "woke up" for a snooze cleared)."""
    if row.action == "create" and row.entity_type in CREATE_VERBS:
        return CREATE_VERBS[row.entity_type]
    if row.action == "snooze" and not (row.after or {}).get("snoozed_until"):
        return "woke up"
    return VERBS.get(row.action) or row.action.replace("_", " ")


def describe(rows: Iterable[AuditEntry], *, tz: str, visible_interactions=None) -> list[Entry]:
    """Audit rows in words, in the order given. `visible_interactions` is a select of the ids of
    the contacts the viewer may see (None: all); no other contact is ever named."""
    rows = list(rows)
    names = Names(visible_interactions)
    for row in rows:
        names.want("users", row.actor_id)
        names.want(row.entity_type, row.entity_id)
        for values in (row.before or {}, row.after or {}):
            for name, value in values.items():
                ref = reference(row.entity_type, name)
                if ref is not None:
                    names.want(ref, value)
                elif name in LIST_REFERENCES and isinstance(value, list):
                    for v in value:
                        names.want(LIST_REFERENCES[name], v)
    names.load()
    users = names.found.get("users", {})
    out = []
    for row in rows:
        noun = NOUNS.get(row.entity_type, ("record",))[0]
        label = None if row.action in NO_RECORD else names.name(row.entity_type, row.entity_id)
        if label is None and row.action not in NO_RECORD:
            label = "since removed" if row.entity_type != "interactions" else "hidden"
        page = PAGES.get(row.entity_type)
        link = None
        if page and row.entity_id is not None and row.action not in NO_RECORD:
            link = (page[0], {page[1]: row.entity_id})
        if row.entity_type == "positions" and row.entity_id in names.positions:
            link = ("people.show", {"person_id": names.positions[row.entity_id].person_id})
        out.append(
            Entry(
                id=row.id,
                at=row.at,
                actor=actor_name(row, users),
                verb=verb(row),
                noun=noun,
                label=label,
                link=link,
                changes=changes(row, names, tz),
                table=row.entity_type,
                record_id=None if row.action in NO_RECORD else row.entity_id,
            )
        )
    return out
