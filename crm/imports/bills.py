"""Import Bill Status XML: create or refresh bills from the official record, all or nothing.

A source is one file, a folder of them, a .zip (GPO's bulk data comes as one zip per congress
and type), a URL, or a bill id ("119 hr 1585": its file in GPO's bulk data, CRM_BILLSTATUS_URL).
URLs are fetched through the guarded fetcher (public addresses only, CRM_IMPORT_URL_ALLOW).
Every file is parsed before anything is written; a bad file is reported by name and nothing is
saved. A refresh records what changed (a new cosponsor, a withdrawal, a new action, a
new referral) with the date the record gives it."""

from __future__ import annotations

import tempfile
import zipfile
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app

from crm import audit
from crm.extensions import db
from crm.imports.billstatus import (
    MAX_FILE_BYTES,
    BadBillFile,
    BillRecord,
    bill_id_of,
    bulk_data_url,
    directory_code,
    parse_bill_id,
    parse_bill_status,
)
from crm.imports.records import RefreshResult
from crm.imports.sources import SourceError, UrlPolicy, fetch
from crm.models import (
    Bill,
    BillAction,
    BillChange,
    BillCommittee,
    BillSponsor,
    Committee,
    User,
)

BILL_FIELDS = (
    "title",
    "introduced_on",
    "chamber",
    "bill_type",
    "policy_area",
    "latest_action_on",
    "latest_action",
    "status",
    "url",
)
SPONSOR_FIELDS = (
    "full_name",
    "first_name",
    "last_name",
    "party",
    "state",
    "district",
    "original",
    "sponsored_on",
    "withdrawn_on",
)
MAX_FILES = 20000


@dataclass
class BillImportResult(RefreshResult):
    """What an import of Bill Status files did."""

    files: int = 0

    def summary(self) -> dict:
        """The refresh's counts plus the files read and the changes recorded."""
        return {**super().summary(), "files": self.files, "changes": len(self.changes)}


def read_source(path: Path) -> tuple[list[tuple[str, bytes]], list[str]]:
    """(name, bytes) of every .xml in a file, folder or zip; problems for what cannot be read."""
    if path.is_dir():
        files = sorted(p for p in path.rglob("*.xml") if p.is_file())
        if not files:
            return [], [f"{path.name}: no .xml files in this folder"]
        return [(str(p.relative_to(path)), p.read_bytes()) for p in files[:MAX_FILES]], []
    if not path.is_file():
        return [], [f"{path}: no such file or folder"]
    if zipfile.is_zipfile(path):
        out, problems = [], []
        with zipfile.ZipFile(path) as archive:
            members = [m for m in archive.infolist() if m.filename.endswith(".xml")]
            if not members:
                problems.append(f"{path.name}: the zip holds no .xml files")
            for member in members[:MAX_FILES]:
                if member.file_size > MAX_FILE_BYTES:
                    problems.append(f"{member.filename}: larger than the limit once unpacked")
                    continue
                out.append((member.filename, archive.read(member)))
        return out, problems
    return [(path.name, path.read_bytes())], []


def url_policy() -> UrlPolicy:
    """The URL policy for bill downloads from the app's allow-list and timeout settings."""
    cfg = current_app.config
    timeout = cfg.get("IMPORT_DOWNLOAD_TIMEOUT", 30)
    return UrlPolicy.from_setting(cfg.get("IMPORT_URL_ALLOW"), timeout)


def source_url(source: str) -> str | None:
    """The URL a source names: itself, or a bill id's file in the bulk data; None for a path.
    SourceError when it is a bill id and no bulk-data address is configured."""
    if source.lower().startswith(("http://", "https://")):
        return source
    if Path(source).expanduser().exists():
        return None
    try:
        congress, kind, number = parse_bill_id(source)
    except ValueError:
        return None
    base = current_app.config.get("BILLSTATUS_URL")
    if not base:
        raise SourceError(
            "No Bill Status address is configured (CRM_BILLSTATUS_URL): download the file and "
            "give its path."
        )
    return bulk_data_url(congress, kind, number, base)


@contextmanager
def local_source(source: str | Path, policy: UrlPolicy | None = None) -> Iterator[Path]:
    """A local path for the source: a URL or bill id is downloaded to a temporary file first
    (removed after). Raises SourceError when it cannot be fetched, saying why."""
    url = source_url(str(source))
    if url is None:
        yield Path(source).expanduser()
        return
    name = Path(urlsplit(url).path).name or "download.xml"
    with tempfile.TemporaryDirectory(prefix="crm-bills-") as tmp:
        dest = Path(tmp) / name
        try:
            fetch(url, dest, policy or url_policy(), limit=MAX_FILE_BYTES)
        except FileNotFoundError:
            raise SourceError(
                f"{url} does not exist (404): check the congress, type and number."
            ) from None
        yield dest


def parse_all(files: list[tuple[str, bytes]]) -> tuple[list[BillRecord], list[str]]:
    """Parse every uploaded BILLSTATUS file: the bills read, and a problem line per file that is
    unreadable or repeats a bill already read."""
    records, problems, seen = [], [], {}
    for name, data in files:
        try:
            rec = parse_bill_status(data, name)
        except BadBillFile as e:
            problems.append(f"{name}: {e}")
            continue
        key = (rec.congress, rec.bill_type, rec.number)
        if key in seen:
            problems.append(f"{name}: the same bill as {seen[key]}")
            continue
        seen[key] = name
        records.append(rec)
    return records, problems


def import_bills(
    source: str | Path,
    *,
    actor: User | None,
    now: datetime,
    dry_run: bool = False,
    policy: UrlPolicy | None = None,
) -> BillImportResult:
    """Create or refresh every bill in the source; nothing is written if any file is bad."""
    result = BillImportResult(dry_run=dry_run)
    try:
        with local_source(source, policy) as path:
            files, result.problems = read_source(path)
    except SourceError as exc:
        result.problems = [str(exc)]
        return result
    result.files = len(files)
    records, problems = parse_all(files)
    result.problems += problems
    if result.problems:
        return result
    committees = committee_ids({c.system_code for r in records for c in r.committees})
    for rec in records:
        save_bill(rec, committees, actor, now, result)
    if dry_run:
        db.session.rollback()
    else:
        db.session.commit()
    return result


def committee_ids(system_codes: set[str]) -> dict[str, int]:
    """GPO committee codes -> directory committee ids, in one query."""
    wanted = {directory_code(c): c for c in system_codes}
    if not wanted:
        return {}
    rows = db.session.execute(
        sa.select(Committee.code, Committee.id).where(Committee.code.in_(wanted))
    ).all()
    return {wanted[code]: cid for code, cid in rows}


def save_bill(
    rec: BillRecord, committees: dict[str, int], actor, now: datetime, result: BillImportResult
) -> None:
    """Create or update the bill a record describes, with its sponsors, committees and actions, and
    count the outcome in `result`."""
    bill = db.session.scalars(
        sa.select(Bill).where(
            Bill.jurisdiction == "US", Bill.session == str(rec.congress), Bill.number == rec.label
        )
    ).one_or_none()
    values = {
        "title": rec.title[:500],
        "introduced_on": rec.introduced_on,
        "chamber": rec.origin_chamber,
        "bill_type": rec.bill_type,
        "policy_area": rec.policy_area,
        "latest_action_on": rec.latest_action_on,
        "latest_action": rec.latest_action,
        "status": (rec.latest_action or "")[:120] or None,
        "url": rec.official_url,
    }
    created = bill is None
    refresh = not created and bill.record_updated_at is not None
    changes: list[tuple[str, object, str, str | None]] = []  # kind, date, detail, bioguide
    if created:
        bill = Bill(jurisdiction="US", session=str(rec.congress), number=rec.label, **values)
        bill.record, bill.record_updated_at = rec.record, rec.updated_at
        db.session.add(bill)
        db.session.flush()
        audit.record(actor, "import", bill, after=audit.snapshot(bill, BILL_FIELDS), now=now)
        result.changes.append(f"create {rec.label} ({rec.congress}th Congress)")
        scalar_changed = True
    else:
        before = audit.snapshot(bill, BILL_FIELDS)
        for key, value in values.items():
            setattr(bill, key, value)
        changed_before, changed_after = audit.changes(before, audit.snapshot(bill, BILL_FIELDS))
        scalar_changed = bool(changed_after) or bill.record != rec.record
        if changed_after:
            audit.record(actor, "import", bill, changed_before, changed_after, now)
        bill.record, bill.record_updated_at = rec.record, rec.updated_at
    links_changed = sync_sponsors(bill, rec, changes)
    links_changed |= sync_actions(bill, rec, changes)
    links_changed |= sync_committees(bill, rec, committees, changes)
    if refresh:
        for kind, when, detail, bioguide in changes:
            db.session.add(
                BillChange(
                    bill_id=bill.id,
                    kind=kind,
                    happened_on=when,
                    detail=detail[:500],
                    bioguide_id=bioguide,
                    recorded_at=now,
                )
            )
            result.changes.append(f"{rec.label}: {kind} {detail}")
    if created:
        result.created += 1
    elif scalar_changed or links_changed:
        result.updated += 1
    else:
        result.unchanged += 1


def sync_sponsors(bill: Bill, rec: BillRecord, changes: list) -> bool:
    """Make the bill's sponsors match the record (added, updated, removed), noting new cosponsors
    and withdrawals in `changes`; True if anything changed."""
    existing = {
        (s.role, s.bioguide_id): s
        for s in db.session.scalars(sa.select(BillSponsor).where(BillSponsor.bill_id == bill.id))
    }
    wanted = {(s.role, s.bioguide_id): s for s in rec.sponsors}
    changed = False
    for key, s in wanted.items():
        row = existing.get(key)
        values = {f: getattr(s, f) for f in SPONSOR_FIELDS}
        if row is None:
            db.session.add(
                BillSponsor(bill_id=bill.id, role=s.role, bioguide_id=s.bioguide_id, **values)
            )
            changed = True
            if s.role == "cosponsor":
                changes.append(("cosponsor", s.sponsored_on, s.full_name, s.bioguide_id))
            continue
        if s.withdrawn_on and row.withdrawn_on is None:
            changes.append(("withdrawn", s.withdrawn_on, s.full_name, s.bioguide_id))
        for f, value in values.items():
            if getattr(row, f) != value:
                setattr(row, f, value)
                changed = True
    for key, row in existing.items():
        if key not in wanted:
            db.session.delete(row)
            changed = True
    return changed


def sync_actions(bill: Bill, rec: BillRecord, changes: list) -> bool:
    """Actions as a multiset of (date, text, code, source): new ones added, vanished removed."""
    rows = list(db.session.scalars(sa.select(BillAction).where(BillAction.bill_id == bill.id)))
    have = Counter((r.acted_on, r.text, r.action_code, r.source) for r in rows)
    want = Counter(a.key for a in rec.actions)
    changed = False
    extra = have - want
    for row in rows:
        key = (row.acted_on, row.text, row.action_code, row.source)
        if extra[key]:
            extra[key] -= 1
            db.session.delete(row)
            changed = True
    missing = want - have
    for action in rec.actions:
        if missing[action.key]:
            missing[action.key] -= 1
            db.session.add(
                BillAction(
                    bill_id=bill.id,
                    acted_on=action.acted_on,
                    text=action.text,
                    action_type=action.action_type,
                    action_code=action.action_code,
                    source=action.source,
                    committee_codes=action.committee_codes,
                )
            )
            changes.append(("action", action.acted_on, action.text, None))
            changed = True
    return changed


def sync_committees(bill: Bill, rec: BillRecord, committees: dict[str, int], changes) -> bool:
    """Make the bill's committee referrals match the record, noting new referrals in `changes`; True
    if anything changed."""
    existing = {
        c.system_code: c
        for c in db.session.scalars(
            sa.select(BillCommittee).where(BillCommittee.bill_id == bill.id)
        )
    }
    changed = False
    wanted = {c.system_code: c for c in rec.committees}
    for code, c in wanted.items():
        values = {
            "name": c.name[:255],
            "chamber": c.chamber,
            "activity": c.activity,
            "activity_on": c.activity_on,
            "committee_id": committees.get(code),
        }
        row = existing.get(code)
        if row is None:
            db.session.add(BillCommittee(bill_id=bill.id, system_code=code, **values))
            changes.append(("referral", c.activity_on, c.name, None))
            changed = True
            continue
        for f, value in values.items():
            if getattr(row, f) != value:
                setattr(row, f, value)
                changed = True
    for code, row in existing.items():
        if code not in wanted:
            db.session.delete(row)
            changed = True
    return changed


# ---- the periodic refresh of tracked bills ----


@dataclass
class TrackedRefresh:
    """What one refresh of the tracked bills did (the job's recorded summary)."""

    skipped: str | None = None
    bills: int = 0
    updated: int = 0
    unchanged: int = 0
    changes: int = 0
    failed: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        """The tracked-bills refresh as a job summary (or why it was skipped)."""
        if self.skipped:
            return {"skipped": self.skipped}
        out = {
            "bills": self.bills,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "changes": self.changes,
            "failed": len(self.failed),
        }
        if self.failed:
            out["first failure"] = self.failed[0][:300]
        return out


def refresh_tracked_bills(now: datetime, policy: UrlPolicy | None = None) -> TrackedRefresh:
    """Fetch every tracked bill's Bill Status file and refresh it, each bill in its own
    transaction (one that cannot be fetched does not hold back the others); each change the
    refresh finds is recorded with its date. Skipped, saying so, when no Bill Status address
    is configured (an installation without network)."""
    base = current_app.config.get("BILLSTATUS_URL")
    if not base:
        return TrackedRefresh(
            skipped="no Bill Status address is configured (CRM_BILLSTATUS_URL is empty), so "
            "tracked bills are not refreshed"
        )
    policy = policy or url_policy()
    tracked = db.session.execute(
        sa.select(Bill.id, Bill.number, Bill.session)
        .where(Bill.tracked.is_(True), Bill.jurisdiction == "US")
        .order_by(Bill.id)
    ).all()
    db.session.rollback()
    out = TrackedRefresh(bills=len(tracked))
    for _bill_id, label, session in tracked:
        ids = bill_id_of(label, session)
        if ids is None:
            out.failed.append(
                f"{label} ({session}): not a bill of Congress with a Bill Status file"
            )
            continue
        result = import_bills(bulk_data_url(*ids, base), actor=None, now=now, policy=policy)
        if not result.ok:
            out.failed.append(f"{label} ({session}): {result.problems[0]}")
            continue
        out.updated += result.updated
        out.unchanged += result.unchanged
        out.changes += sum(1 for line in result.changes if not line.startswith("create "))
    return out
