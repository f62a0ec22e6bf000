"""The starter agency directory (crm/data/agencies.yaml): read it, then create or refresh its
organizations in one transaction, matched by key, audited, and idempotent."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import sqlalchemy as sa
import yaml

from crm import audit
from crm.contact import InvalidContact, normalize_url
from crm.extensions import db
from crm.forms import US_STATES
from crm.imports.records import RefreshResult
from crm.models import ORG_KINDS, Organization, User

DEFAULT_PATH = Path(__file__).resolve().parents[1] / "data" / "agencies.yaml"
KEY_PREFIX = "agency:"
# What the file owns; the coalition's own phone, email, address, notes and retirement stay.
FIELDS = ("name", "kind", "jurisdiction", "parent_id", "website", "checked_on")


@dataclass
class AgencyEntry:
    """One entry of the starter agency directory."""

    key: str
    name: str
    kind: str
    jurisdiction: str
    website: str | None
    checked_on: date | None
    parent_key: str | None = None


class AgencyResult(RefreshResult):
    """What an import of the agency directory did."""


def entry(raw, where: str, problems: list[str], **defaults) -> AgencyEntry | None:
    """One organization of the file, or None with a problem naming where it is."""
    values = {**defaults, **(raw if isinstance(raw, dict) else {})}
    key, name, kind = (str(values.get(k) or "").strip() for k in ("key", "name", "kind"))
    if not key or not name:
        problems.append(f"{where}: needs a key and a name")
        return None
    if kind not in ORG_KINDS:
        problems.append(f"{where} ({key}): unknown kind {kind!r}")
        return None
    try:
        website = normalize_url(values.get("website"))
    except InvalidContact as e:
        problems.append(f"{where} ({key}): website: {e}")
        return None
    checked = values.get("checked")
    if checked is not None and not isinstance(checked, date):
        problems.append(f"{where} ({key}): checked must be a date (YYYY-MM-DD) or null")
        return None
    return AgencyEntry(
        key=key,
        name=name,
        kind=kind,
        jurisdiction=values.get("jurisdiction", "US"),
        website=website,
        checked_on=checked,
        parent_key=values.get("parent"),
    )


def pair(value, where: str, problems: list[str]) -> tuple[str, str | None] | None:
    """A state's [name, website]."""
    if isinstance(value, list) and 1 <= len(value) <= 2 and isinstance(value[0], str):
        return value[0], (value[1] if len(value) == 2 else None)
    problems.append(f"{where}: expected [name, website]")
    return None


def read_agency_file(path: Path) -> tuple[list[AgencyEntry], list[str]]:
    """Every organization of the file, parents before their offices, and what is wrong in it."""
    problems: list[str] = []
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as e:
        return [], [f"{path.name}: cannot be read ({e.__class__.__name__})"]
    if not isinstance(data, dict):
        return [], [f"{path.name}: expected 'federal' and 'states' sections"]
    entries: list[AgencyEntry] = []
    for n, raw in enumerate(data.get("federal") or [], start=1):
        if (e := entry(raw, f"federal entry {n}", problems)) is not None:
            entries.append(e)
    for code, raw in (data.get("states") or {}).items():
        code = str(code).upper()
        where = f"states.{code}"
        if code not in US_STATES or not isinstance(raw, dict):
            problems.append(f"{where}: unknown state code, or not a mapping")
            continue
        health = pair(raw.get("health"), f"{where}.health", problems)
        board = pair(raw.get("board"), f"{where}.board", problems)
        if health is None or board is None:
            continue
        # The program page (optional) is the website of the generated Conrad 30 organization.
        common = {"jurisdiction": code, "checked": raw.get("checked")}
        slug = code.lower()
        for e in (
            entry(
                {"key": f"{slug}-health", "name": health[0], "website": health[1]},
                where,
                problems,
                kind="state_agency",
                **common,
            ),
            entry(
                {
                    "key": f"{slug}-conrad30",
                    "name": f"{US_STATES[code]} Conrad 30 J-1 Visa Waiver Program",
                    "parent": f"{slug}-health",
                    "website": raw.get("program"),
                },
                where,
                problems,
                kind="state_program",
                **common,
            ),
            entry(
                {"key": f"{slug}-medical-board", "name": board[0], "website": board[1]},
                where,
                problems,
                kind="medical_board",
                **common,
            ),
        ):
            if e is not None:
                entries.append(e)
    seen: set[str] = set()
    for e in entries:
        if e.key in seen:
            problems.append(f"{e.key}: the key is used twice")
        if e.parent_key and e.parent_key not in seen:
            problems.append(f"{e.key}: parent {e.parent_key!r} must be listed before it")
        seen.add(e.key)
    return entries, problems


def import_agencies(
    path: Path | None, *, actor: User | None, now: datetime, dry_run: bool = False
) -> AgencyResult:
    """Create or refresh the file's organizations; all or nothing, nothing on a problem."""
    result = AgencyResult(dry_run=dry_run)
    entries, result.problems = read_agency_file(path or DEFAULT_PATH)
    if result.problems:
        return result
    keys = [KEY_PREFIX + e.key for e in entries]
    existing = {
        o.external_id: o
        for o in db.session.scalars(
            sa.select(Organization).where(Organization.external_id.in_(keys))
        )
    }
    ids: dict[str, int | None] = {}
    for e in entries:
        external_id = KEY_PREFIX + e.key
        values = {
            "name": e.name,
            "kind": e.kind,
            "jurisdiction": e.jurisdiction,
            "parent_id": ids.get(e.parent_key) if e.parent_key else None,
            "website": e.website,
            "checked_on": e.checked_on,
        }
        org = existing.get(external_id)
        if org is None:
            org = Organization(external_id=external_id, **values)
            db.session.add(org)
            db.session.flush()
            audit.record(actor, "import", org, after=audit.snapshot(org, FIELDS), now=now)
            result.created += 1
            result.changes.append(f"create {e.key}: {e.name}")
        else:
            before = audit.snapshot(org, FIELDS)
            for key, value in values.items():
                setattr(org, key, value)
            changed_before, changed_after = audit.changes(before, audit.snapshot(org, FIELDS))
            if changed_after:
                audit.record(actor, "import", org, changed_before, changed_after, now)
                result.updated += 1
                result.changes.append(f"update {e.key}: {', '.join(sorted(changed_after))}")
            else:
                result.unchanged += 1
        ids[e.key] = org.id
    if dry_run:
        db.session.rollback()
    else:
        db.session.commit()
    return result
