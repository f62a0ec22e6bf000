"""Directory imports: one run (used by the CLI, the task and tests), the admin page's use cases.

A run reads the whole source first; any bad record stops it before anything is written, and
every bad record is reported. Otherwise it plans the difference and applies it in one
transaction with one commit.
"""

from __future__ import annotations

import logging
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError
from werkzeug.utils import secure_filename

from crm import audit, jobs
from crm.clock import utcnow
from crm.errors import DomainError
from crm.extensions import db
from crm.forms import US_STATES
from crm.imports import congress, openstates, reconcile
from crm.imports.bills import BillImportResult, import_bills
from crm.imports.billstatus import bulk_data_url, parse_bill_id
from crm.imports.reconcile import Change
from crm.imports.records import HasProblems, Problem, Snapshot
from crm.imports.snapshot import SNAPSHOT, snapshot_label
from crm.imports.sources import DATA_EXTENSIONS, ParseCache, SourceError, UrlPolicy, open_source
from crm.models import AuditEntry, ImportFile, ImportRun, NotDuplicate, Person, User

log = logging.getLogger(__name__)

KINDS = {
    "congress": "Congress (congress-legislators)",
    "openstates": "State legislatures (Open States)",
    "bills": "Bills of Congress (Bill Status XML)",
}
SHORT_KINDS = {"congress": "Congress", "openstates": "Open States", "bills": "Bills"}
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
UPLOAD_EXTENSIONS = (*DATA_EXTENSIONS, ".zip")
BILL_UPLOAD_EXTENSIONS = (".xml", ".zip")
STALE_AFTER = timedelta(minutes=30)  # a "queued" run this old is no longer waited for


class ImportFailed(DomainError):
    """The source could not be opened or the directory changed under the run."""


@dataclass
class ImportResult(HasProblems):
    """What one run found and did (or, in a dry run, would do)."""

    kind: str
    source: str
    dry_run: bool
    as_of: date | None = None
    counts: dict[str, dict[str, int]] = field(default_factory=reconcile.new_counts)
    changes: list[Change] = field(default_factory=list)
    reviews: list[Change] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when the import found no errors."""
        return not self.errors

    def summary(self) -> dict:
        """The one-line JSON summary: totals over every kind of record, then per kind."""
        totals = {
            outcome: sum(c[outcome] for c in self.counts.values())
            for outcome in ("created", "updated", "retired", "unchanged")
        }
        return {
            **totals,
            "errors": len(self.errors),
            "warnings": len(self.warnings),
            "review": len(self.reviews),
            "dry_run": self.dry_run,
            "source_date": self.as_of.isoformat() if self.as_of else None,
            **self.counts,
        }


def parse(
    kind: str,
    source,
    *,
    states: tuple[str, ...] = (),
    as_of: date | None = None,
    progress: Callable[[float], None] | None = None,
) -> Snapshot:
    """Read a source into a snapshot of the given kind ("congress" or "openstates"); raises
    ImportFailed when states are given for Congress."""
    if kind == "congress":
        if states:
            raise ImportFailed("--state only applies to Open States imports.")
        return congress.parse(source, as_of)
    return openstates.parse(source, states, as_of, progress)


def published_source() -> str:
    """Where the published congress-legislators files are (CRM_CONGRESS_LEGISLATORS_URL)."""
    return current_app.config.get("CONGRESS_LEGISLATORS_URL") or congress.DEFAULT_URL


def import_directory(
    kind: str,
    source: str | Path | None,
    *,
    now: datetime,
    dry_run: bool = False,
    states: tuple[str, ...] = (),
    as_of: date | None = None,
    label: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> ImportResult:
    """Import a congress-legislators or Open States source; all or nothing, one commit."""
    if kind not in KINDS:
        raise ImportFailed(f"Unknown import kind {kind!r}.")
    report = progress or (lambda percent: None)
    if source is None:
        if kind != "congress":
            raise ImportFailed("Give the folder that holds the Open States data.")
        # No source: the snapshot shipped in the repository (works offline); the published
        # files only when asked for (`--latest`, a URL, Admin → Imports).
        source, label = SNAPSHOT, label or snapshot_label()
    result = ImportResult(kind, label or str(source), dry_run)
    cfg = current_app.config
    cache_dir = cfg.get("IMPORT_CACHE_DIR")
    cache = (
        ParseCache(Path(cache_dir) / kind, max_bytes=cfg.get("IMPORT_CACHE_MAX_MB", 64) << 20)
        if cache_dir
        else None
    )
    timeout = cfg.get("IMPORT_DOWNLOAD_TIMEOUT", 30)
    try:
        with open_source(
            source,
            files=congress.FILES if kind == "congress" else (),
            stem_order=congress.DOWNLOAD_ORDER,
            timeout=timeout,
            cache=cache,
            label=label,
            policy=UrlPolicy.from_setting(cfg.get("IMPORT_URL_ALLOW"), timeout),
        ) as src:
            report(10)
            snap = parse(
                kind,
                src,
                states=states,
                as_of=as_of,
                progress=lambda fraction: report(10 + int(40 * fraction)),
            )
    except SourceError as exc:
        if cache:
            cache.discard_written()
        raise ImportFailed(str(exc)) from None
    except BaseException:
        if cache:
            cache.discard_written()
        raise
    result.as_of, result.problems = snap.as_of, snap.problems
    if snap.errors:
        if cache:
            cache.discard_written()
        return result
    if cache:
        cache.prune()
    report(55)
    try:
        plan = reconcile.plan(snap)
        result.counts, result.changes, result.reviews = plan.counts, plan.changes, plan.reviews
        if dry_run:
            return result
        report(70)
        reconcile.apply(plan, now)
        db.session.commit()
    except IntegrityError as exc:
        log.warning("import conflicted with a concurrent change: %s", exc)
        raise ImportFailed(
            "The directory changed while the import ran (another import?). "
            "Nothing was saved; run it again."
        ) from None
    finally:
        db.session.rollback()  # a dry run or a failure leaves nothing behind
    return result


# ---- history: every run that writes is recorded ----


def new_run(
    kind: str,
    source: str,
    actor: User | None,
    now: datetime,
    *,
    dry_run: bool,
    status: str = "queued",
) -> ImportRun:
    """A new import run, added to the session (the caller commits)."""
    run = ImportRun(
        kind=kind,
        source=source[:500],
        started_by_id=actor.id if actor else None,
        status=status,
        progress=0,
        dry_run=dry_run,
        counts={},
        errors=[],
        changes=[],
        options={},
        created_at=now,
        started_at=now if status == "running" else None,
        heartbeat_at=now if status == "running" else None,
    )
    db.session.add(run)
    return run


def finish_run(
    run_id: int,
    now: datetime,
    result: ImportResult | BillImportResult | None = None,
    failure: str | None = None,
) -> ImportRun:
    """Record the outcome on the run (its own commit, after the import's)."""
    run = db.session.get(ImportRun, run_id)
    if isinstance(result, BillImportResult):
        run.counts = result.summary()
        run.errors = [
            {"file": None, "id": None, "message": p, "level": "error"} for p in result.problems
        ]
        run.changes = [
            {"action": "create", "entity": "bill", "key": "", "name": line.removeprefix("create ")}
            if line.startswith("create ")
            else {"action": "update", "entity": "bill", "key": "", "name": line, "fields": {}}
            for line in result.changes[: reconcile.MAX_STORED_CHANGES]
        ]
        run.status = "done" if result.ok else "failed"
    elif result is not None:
        run.counts = result.summary()
        run.errors = [p.as_dict() for p in result.problems]
        run.changes = [c.as_dict() for c in (*result.reviews, *result.changes)][
            : reconcile.MAX_STORED_CHANGES
        ]
        run.source_date = result.as_of
        run.status = "done" if result.ok else "failed"
    if failure:
        run.status = "failed"
        run.errors = [
            *(run.errors or []),
            {"file": None, "id": None, "message": failure, "level": "error"},
        ]
    run.progress = 100
    run.finished_at = now
    db.session.execute(sa.delete(ImportFile).where(ImportFile.run_id == run_id))
    db.session.commit()
    return run


def run_import(
    kind: str,
    source: str | None,
    *,
    actor: User | None,
    now: datetime,
    dry_run: bool = False,
    states: tuple[str, ...] = (),
    as_of: date | None = None,
) -> tuple[ImportResult, ImportRun | None]:
    """Run an import now (the CLI). A dry run writes nothing at all, not even its history."""
    if dry_run:
        return import_directory(
            kind, source, now=now, dry_run=True, states=states, as_of=as_of
        ), None
    label = source or snapshot_label()
    fail_dead_runs(kind, now)
    run = new_run(kind, str(label), actor, now, dry_run=False, status="running")
    db.session.commit()
    run_id = run.id
    try:
        with keep_alive(run_id):
            result = import_directory(
                kind, source, now=now, states=states, as_of=as_of, label=str(label)
            )
    except ImportFailed as exc:
        finish_run(run_id, utcnow(), failure=exc.message)
        raise
    except Exception:
        db.session.rollback()
        finish_run(
            run_id,
            utcnow(),
            failure="The import stopped on an unexpected error; nothing was saved.",
        )
        raise
    return result, finish_run(run_id, utcnow(), result)


# ---- the admin page: start a run, the worker executes it ----


def parse_states(text: str | None) -> tuple[str, ...]:
    """State codes from text separated by spaces or commas, upper-cased and without repeats; raises
    DomainError on an unknown code."""
    codes = tuple(dict.fromkeys(c.upper() for c in (text or "").replace(",", " ").split()))
    unknown = [c for c in codes if c not in US_STATES]
    if unknown:
        raise DomainError(f"Unknown state code {', '.join(unknown)}.", field="states")
    return codes


def start_import(
    actor: User,
    *,
    kind: str,
    now: datetime,
    url: str | None = None,
    uploads: list[tuple[str, bytes]] | None = None,
    states: str | None = None,
    bill: str | None = None,
    dry_run: bool = False,
) -> tuple[ImportRun, bool]:
    """Queue an import for the worker; returns the run and whether the queue took it."""
    if not actor.is_admin:
        raise DomainError("Only admins can import the directory.")
    if kind not in KINDS:
        raise DomainError("Choose what to import.", field="kind")
    codes = parse_states(states)
    if codes and kind != "openstates":
        raise DomainError("States only apply to Open States imports.", field="states")
    uploads = [(secure_filename(name) or "upload", data) for name, data in uploads or [] if data]
    url = (url or "").strip()
    bill = (bill or "").strip()
    if bill and kind != "bills":
        raise DomainError("A bill id only applies to bill imports.", field="bill")
    if kind == "bills":
        url = bill_source(bill, url, uploads)
    if uploads and url:
        raise DomainError("Upload files or give a URL, not both.", field="url")
    if url and not url.lower().startswith(("http://", "https://")):
        raise DomainError("The URL must start with https:// or http://.", field="url")
    if not uploads and not url and kind == "openstates":
        raise DomainError(
            "Upload a .zip of the Open States data folder, or give its URL.", field="files"
        )
    if sum(len(data) for _, data in uploads) > MAX_UPLOAD_BYTES:
        raise DomainError(f"Uploads are limited to {MAX_UPLOAD_BYTES >> 20} MB.", field="files")
    allowed = BILL_UPLOAD_EXTENSIONS if kind == "bills" else UPLOAD_EXTENSIONS
    bad = [n for n, _ in uploads if not n.lower().endswith(allowed)]
    if bad:
        what = "an .xml or .zip" if kind == "bills" else "a .zip, .yaml, .json or .csv"
        raise DomainError(f"Not {what} file: {', '.join(bad)}.", field="files")
    fail_dead_runs(kind, now)
    busy = db.session.scalar(
        sa.select(ImportRun.id).where(
            ImportRun.kind == kind,
            sa.or_(
                sa.and_(ImportRun.status == "queued", ImportRun.created_at > now - STALE_AFTER),
                ImportRun.status == "running",
            ),
        )
    )
    if busy:
        raise DomainError(f"Import #{busy} of this kind is still queued or running.")
    if uploads:
        label = "upload: " + ", ".join(n for n, _ in uploads)
    else:
        label = url or published_source()
    if codes:
        label += f" (states: {' '.join(codes)})"
    run = new_run(kind, label, actor, now, dry_run=dry_run)
    run.options = {"states": list(codes), "url": url or None}
    db.session.flush()
    db.session.add_all([ImportFile(run_id=run.id, name=name, data=data) for name, data in uploads])
    audit.record(
        actor,
        "import_start",
        run,
        after={"kind": kind, "source": label, "dry_run": dry_run},
        now=now,
    )
    db.session.commit()
    return run, jobs.enqueue("crm.imports.run", run.id)


def bill_source(bill: str, url: str, uploads: list) -> str:
    """A bill import's URL: the bill id's file in the bulk data, or the URL given."""
    if sum(bool(x) for x in (bill, url, uploads)) > 1:
        raise DomainError("Give one of a bill id, files or a URL.", field="bill")
    if bill:
        try:
            congress_no, kind, number = parse_bill_id(bill)
        except ValueError as e:
            raise DomainError(str(e), field="bill") from None
        base = current_app.config.get("BILLSTATUS_URL")
        if not base:
            raise DomainError(
                "No Bill Status address is configured (CRM_BILLSTATUS_URL): upload the file.",
                field="bill",
            )
        return bulk_data_url(congress_no, kind, number, base)
    if not url and not uploads:
        raise DomainError(
            "Give a bill id such as 119 hr 1585, upload Bill Status XML, or give its URL.",
            field="bill",
        )
    return url


def retry_run(actor: User, run: ImportRun, now: datetime) -> bool:
    """Hand a run that no worker picked up to the queue again."""
    if run.status != "queued":
        raise DomainError("Only a queued import can be sent to the queue again.")
    audit.record(actor, "import_requeue", run, now=now)
    db.session.commit()
    return jobs.enqueue("crm.imports.run", run.id)


def lease() -> timedelta:
    """How long a running import may go without a heartbeat before it counts as abandoned
    (IMPORT_LEASE)."""
    return timedelta(seconds=current_app.config.get("IMPORT_LEASE", 120))


def last_sign_of_life():
    """SQL for a run's latest sign of life: its heartbeat, else its start, else its creation."""
    return sa.func.coalesce(ImportRun.heartbeat_at, ImportRun.started_at, ImportRun.created_at)


def is_dead(run: ImportRun, now: datetime) -> bool:
    """For the run's page: running without a heartbeat within the lease."""
    seen = run.heartbeat_at or run.started_at or run.created_at
    return run.status == "running" and seen is not None and seen < now - lease()


def fail_dead_runs(kind: str, now: datetime) -> list[int]:
    """Mark runs of this kind whose worker died as failed, saying so (their own commit).
    A dead worker wrote nothing: an import applies in one transaction."""
    cutoff = now - lease()
    runs = db.session.scalars(
        sa.select(ImportRun).where(
            ImportRun.kind == kind,
            ImportRun.status == "running",
            last_sign_of_life() < cutoff,
        )
    ).all()
    for run in runs:
        seen = run.heartbeat_at or run.started_at or run.created_at
        run.status = "failed"
        run.finished_at = now
        run.errors = [
            *(run.errors or []),
            {
                "file": None,
                "id": None,
                "message": f"The worker running this import stopped without finishing (no sign "
                f"of life since {seen:%Y-%m-%d %H:%M} UTC); nothing was saved. Start it again.",
                "level": "error",
            },
        ]
        log.warning("import run %s lost its worker; marked failed", run.id)
    if runs:
        db.session.execute(sa.delete(ImportFile).where(ImportFile.run_id.in_([r.id for r in runs])))
        db.session.commit()
    return [r.id for r in runs]


@contextmanager
def keep_alive(run_id: int) -> Iterator[None]:
    """Write the run's heartbeat every IMPORT_HEARTBEAT_EVERY seconds while the block runs, on
    a connection of its own (the import's transaction stays open until its commit)."""
    engine = db.engine
    every = float(current_app.config.get("IMPORT_HEARTBEAT_EVERY", 10))
    stop = threading.Event()

    def beat() -> None:
        while not stop.wait(every):
            try:
                with engine.begin() as conn:
                    conn.execute(
                        sa.update(ImportRun)
                        .where(ImportRun.id == run_id, ImportRun.status == "running")
                        .values(heartbeat_at=utcnow())
                    )
            except Exception:  # a missed beat only shortens the lease; the import goes on
                log.warning("import run %s: heartbeat not written", run_id, exc_info=True)

    thread = threading.Thread(target=beat, name=f"import-{run_id}-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=every + 10)


def claim(run_id: int, now: datetime) -> bool:
    """Take a queued run (or one whose worker died) so that two workers never run it twice."""
    claimed = db.session.execute(
        sa.update(ImportRun)
        .where(
            ImportRun.id == run_id,
            sa.or_(
                ImportRun.status == "queued",
                sa.and_(ImportRun.status == "running", last_sign_of_life() < now - lease()),
            ),
        )
        .values(status="running", started_at=now, heartbeat_at=now, progress=1)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return claimed == 1


def set_progress(run_id: int, percent: int) -> None:
    """On its own connection, so the page sees it while the import's transaction is open."""
    with db.engine.begin() as conn:
        conn.execute(
            sa.update(ImportRun)
            .where(ImportRun.id == run_id)
            .values(progress=max(1, min(99, percent)))
        )


def execute_run(run_id: int, now: datetime | None = None) -> None:
    """The worker's side of an admin import: claim it, run it, record the outcome."""
    now = now or utcnow()
    if not claim(run_id, now):
        log.info("import run %s is not queued: skipped", run_id)
        return
    run = db.session.get(ImportRun, run_id)
    kind, dry_run, label, options = run.kind, run.dry_run, run.source, dict(run.options or {})
    starter = run.started_by_id
    files = list(
        db.session.execute(
            sa.select(ImportFile.name, ImportFile.data)
            .where(ImportFile.run_id == run_id)
            .order_by(ImportFile.id)
        )
    )
    db.session.rollback()
    try:
        with keep_alive(run_id), tempfile.TemporaryDirectory(prefix="crm-upload-") as tmp:
            # Admin → Imports with neither files nor URL refreshes from the published files.
            source = options.get("url") or (published_source() if kind == "congress" else None)
            if files:
                root = Path(tmp)
                for name, data in files:
                    (root / name).write_bytes(data)
                zips = [n for n, _ in files if n.lower().endswith(".zip")]
                source = str(root / zips[0]) if len(files) == 1 and zips else str(root)
            if kind == "bills":
                set_progress(run_id, 10)
                actor = db.session.get(User, starter) if starter else None
                result = import_bills(source, actor=actor, now=now, dry_run=dry_run)
                finish_run(run_id, utcnow(), result)
                return
            result = import_directory(
                kind,
                source,
                now=now,
                dry_run=dry_run,
                label=label,
                states=tuple(options.get("states") or ()),
                progress=lambda percent: set_progress(run_id, percent),
            )
    except ImportFailed as exc:
        finish_run(run_id, utcnow(), failure=exc.message)
        return
    except Exception:
        log.exception("import run %s failed", run_id)
        db.session.rollback()
        finish_run(
            run_id,
            utcnow(),
            failure="The import stopped on an unexpected error; "
            "nothing was saved. The error has been logged.",
        )
        return
    finish_run(run_id, utcnow(), result)


def list_runs(limit: int = 50) -> list[ImportRun]:
    """The latest import runs, newest first, with who started them."""
    return list(
        db.session.scalars(
            sa.select(ImportRun)
            .options(sa.orm.joinedload(ImportRun.started_by))
            .order_by(ImportRun.id.desc())
            .limit(limit)
        )
    )


def get_run(run_id: int) -> ImportRun:
    """One import run; raises LookupError when there is none."""
    run = db.session.get(ImportRun, run_id)
    if run is None:
        raise LookupError(run_id)
    return run


@dataclass
class RunDetails:
    """A run's errors, warnings, reviews and changes, shaped for its page."""

    errors: list[dict]
    warnings: list[dict]
    reviews: list[dict]
    changes: list[dict]  # each with "lines": [(field, before, after)] as short text


def open_reviews(reviews: list[dict]) -> list[dict]:
    """Possible duplicates still to decide, each with the imported person's id (to merge), in
    two queries: those merged or marked "not the same" since the run are left out."""
    keys = [r["key"] for r in reviews]
    if not keys:
        return []
    imported = {}
    for pid, bioguide, openstates_id in db.session.execute(
        sa.select(Person.id, Person.bioguide_id, Person.openstates_id).where(
            sa.or_(Person.bioguide_id.in_(keys), Person.openstates_id.in_(keys))
        )
    ):
        imported[bioguide or openstates_id] = pid
    decided = set(
        db.session.execute(
            sa.select(NotDuplicate.person_id, NotDuplicate.other_key).where(
                NotDuplicate.other_key.in_(keys)
            )
        )
    )
    gone = set(db.session.scalars(sa.select(Person.id).where(Person.merged_into_id.is_not(None))))
    return [
        {**r, "person_id": imported.get(r["key"])}
        for r in reviews
        if (r.get("other_id"), r["key"]) not in decided
        and r.get("other_id") not in gone
        and imported.get(r["key"]) not in gone
    ]


def run_details(run: ImportRun, limit: int = 500) -> RunDetails:
    """A run's stored report, ready for the page."""
    problems = run.errors or []
    changes = [
        {
            **c,
            "lines": []
            if c["action"] == "create"
            else [
                (name, short(before), short(after))
                for name, (before, after) in (c.get("fields") or {}).items()
            ],
        }
        for c in run.changes or []
        if c["action"] != "review"
    ][:limit]
    return RunDetails(
        errors=[p for p in problems if p.get("level") != "warning"][:limit],
        warnings=[p for p in problems if p.get("level") == "warning"][:limit],
        reviews=open_reviews([c for c in run.changes or [] if c["action"] == "review"]),
        changes=changes,
    )


def source_history(person_id: int, limit: int = 50) -> list[AuditEntry]:
    """What imports changed on a person, newest first (for the person page)."""
    return list(
        db.session.scalars(
            sa.select(AuditEntry)
            .where(
                AuditEntry.entity_type == "people",
                AuditEntry.entity_id == person_id,
                AuditEntry.action.like("import_%"),
            )
            .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
            .limit(limit)
        )
    )


# ---- reporting (CLI and page) ----


def short(value, limit: int = 60) -> str:
    """A value as short text for a change line: "—" for none, a count of offices, ISO dates, cut to
    `limit` with "…"."""
    if value is None:
        return "—"
    if isinstance(value, list) and value and isinstance(value[0], dict):
        return f"{len(value)} offices"
    if isinstance(value, dict):
        value = ", ".join(f"{k}: {v}" for k, v in value.items())
    if isinstance(value, date):
        value = value.isoformat()
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def field_lines(change: Change) -> list[str]:
    """A change's fields as "name: before -> after" lines (a dict field gives one line per changed
    key)."""
    lines = []
    for name, (before, after) in change.fields.items():
        if isinstance(before, dict) and isinstance(after, dict):
            keys = [k for k in after if before.get(k) != after.get(k)]
            lines += [f"    {name}.{k}: {short(before.get(k))} -> {short(after[k])}" for k in keys]
        else:
            lines.append(f"    {name}: {short(before)} -> {short(after)}")
    return lines


SIGNS = {"create": "+", "update": "~", "link": "=", "retire": "-", "deactivate": "-"}


def report_lines(result: ImportResult, *, list_creates: bool) -> list[str]:
    """Human-readable report: counts per kind, then each change with its fields."""
    lines = [
        f"{KINDS[result.kind]} from {result.source}"
        + (f" (data of {result.as_of.isoformat()})" if result.as_of else "")
        + (": dry run, nothing written" if result.dry_run else "")
    ]
    for kind, c in result.counts.items():
        lines.append(
            f"  {kind}: {c['created']} created, {c['updated']} updated, "
            f"{c['retired']} retired, {c['unchanged']} unchanged"
        )
    creates = 0
    for change in result.changes:
        if change.action == "create" and not list_creates:
            creates += 1
            continue
        note = {
            "link": " (linked to the person entered by hand)",
            "retire": ": out of office",
            "deactivate": ": no longer listed",
        }
        lines.append(
            f"{SIGNS[change.action]} {change.entity} {change.key} {change.name}"
            f"{note.get(change.action, '')}"
        )
        if change.action not in ("retire", "deactivate"):
            lines += field_lines(change)
        else:
            lines += [ln for ln in field_lines(change) if "committee" in ln]
    if creates:
        lines.append(f"+ {creates} records created (list them with --verbose or --dry-run)")
    lines += [f"? review: {c.message}" for c in result.reviews]
    lines += [f"! warning: {p}" for p in result.warnings]
    return lines
