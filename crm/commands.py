"""The `flask --app wsgi crm ...` commands."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

from crm.clock import utcnow
from crm.errors import DomainError

crm_cli = AppGroup("crm", help="Outreach CRM commands.")


@crm_cli.command("create-user")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", type=click.Choice(["member", "coordinator", "admin"]), default="member")
@click.option("--home-state", default=None)
@click.option("--timezone", default=None)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def create_user(email, name, role, home_state, timezone, password_stdin):
    """Create an account (asks for the password unless --password-stdin)."""
    from crm.auth.services import create_user as create

    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = create(
            email=email,
            name=name,
            role=role,
            password=password,
            actor=None,
            now=utcnow(),
            home_state=home_state,
            timezone=timezone,
        )
    except DomainError as e:
        raise click.ClickException(e.message) from None
    click.echo(f"Created {user.role} {user.email}.")


@crm_cli.command("seed-demo")
def seed_demo():
    """Load a believable demo coalition on top of the directory (safe to run twice).

    With no members of Congress yet, the bundled congress-legislators snapshot is imported
    first (no network needed): the demo works on the real directory, never an invented one.
    """
    from flask import current_app

    from crm.demo import has_congress, seed

    if current_app.config.get("ENV_NAME") == "production":
        # The demo accounts include an admin whose password is printed in the README.
        click.echo(
            "seed-demo is refused in production: it creates demo accounts (an admin among them) "
            "whose password is published. Create real accounts with `crm create-user`.",
            err=True,
        )
        sys.exit(1)
    if not has_congress():
        run_import_command("congress", None, (), False, False, None, False)
    summary = seed(utcnow())
    for key, value in summary.items():
        click.echo(f"{key}: {value}")


@crm_cli.command("reindex-search")
def reindex_search():
    """Rebuild the search index from the records (it is kept on every write; this is for a
    database restored or filled around the app)."""
    from crm.search.services import rebuild

    for kind, n in rebuild().items():
        click.echo(f"{kind}: {n:,}")


@crm_cli.command("deploy-check")
@click.option("--json", "as_json", is_flag=True, help="Print the findings as JSON.")
def deploy_check(as_json):
    """List unsafe production settings; exit code 1 when there is any."""
    import json

    from flask import current_app

    from crm.deploycheck import check_app

    findings = check_app(current_app)
    if as_json:
        click.echo(
            json.dumps(
                {
                    "ok": not findings,
                    "environment": current_app.config.get("ENV_NAME"),
                    "findings": [f.as_dict() for f in findings],
                }
            )
        )
    elif findings:
        click.echo(f"{len(findings)} unsafe setting(s) for production:")
        for f in findings:
            click.echo(f"- {f.setting}: {f.problem}. {f.fix}")
    else:
        click.echo("No unsafe production settings found.")
    if findings:
        sys.exit(1)


def run_import_command(
    kind: str,
    source: str | None,
    states: tuple[str, ...],
    dry_run: bool,
    as_json: bool,
    as_of,
    verbose: bool,
) -> None:
    """Shared by both import commands: run, print the report, exit non-zero on bad input."""
    import json

    from crm.imports.services import ImportFailed, report_lines, run_import

    try:
        result, _run = run_import(
            kind,
            source,
            actor=None,
            now=utcnow(),
            dry_run=dry_run,
            states=states,
            as_of=as_of.date() if as_of else None,
        )
    except ImportFailed as e:
        raise click.ClickException(e.message) from None
    if result.ok:
        for line in report_lines(result, list_creates=verbose or dry_run):
            click.echo(line)
    else:
        click.echo(f"{len(result.errors)} bad record(s); nothing was imported:", err=True)
        for problem in result.errors:
            click.echo(f"error: {problem}", err=True)
    if as_json:
        click.echo(json.dumps(result.summary(), sort_keys=False))
    if not result.ok:
        sys.exit(1)


def import_options(command):
    """--dry-run, --json, --as-of and --verbose, common to the import commands."""
    for option in reversed(
        [
            click.option(
                "--dry-run",
                is_flag=True,
                help="Print what would be created, updated and retired; write nothing.",
            ),
            click.option(
                "--json", "as_json", is_flag=True, help="End with a one-line JSON summary."
            ),
            click.option(
                "--as-of",
                type=click.DateTime(formats=["%Y-%m-%d"]),
                default=None,
                help="Date of the data (default: the files' date).",
            ),
            click.option("--verbose", "-v", is_flag=True, help="List every record created too."),
        ]
    ):
        command = option(command)
    return command


@crm_cli.command("import-congress")
@click.argument("source", required=False)
@click.option(
    "--latest",
    is_flag=True,
    help="Download the published files (CRM_CONGRESS_LEGISLATORS_URL) instead of the snapshot.",
)
@import_options
def import_congress(source, latest, dry_run, as_json, as_of, verbose):
    """Import members of Congress, offices and committees from congress-legislators files.

    SOURCE is a folder, a .zip or a URL holding legislators-current (YAML, JSON or CSV) and
    optionally legislators-social-media, legislators-district-offices, committees-current and
    committee-membership-current. Without SOURCE, the snapshot shipped in crm/data/ (no network
    needed); with --latest, the published files are downloaded.
    """
    if latest and source:
        raise click.UsageError("Give a SOURCE or --latest, not both.")
    if latest:
        from crm.imports.services import published_source

        source = published_source()
    run_import_command("congress", source, (), dry_run, as_json, as_of, verbose)


@crm_cli.command("import-openstates")
@click.argument("path")
@click.option(
    "--state",
    "states",
    multiple=True,
    metavar="XX",
    help="Only this state (repeatable); default: every state folder found.",
)
@import_options
def import_openstates(path, states, dry_run, as_json, as_of, verbose):
    """Import state legislators and committees from Open States people YAML.

    PATH holds data/<state>/legislature and data/<state>/committees (a folder, .zip or URL of a
    .zip).
    """
    run_import_command("openstates", path, states, dry_run, as_json, as_of, verbose)


def report_result(result, totals: str, as_json: bool) -> None:
    """The end of an all-or-nothing import: its changes and totals, or its problems and exit 1;
    with --json, a one-line summary last."""
    import json

    if result.ok:
        for line in result.changes:
            click.echo(line)
        click.echo(totals)
    else:
        click.echo(f"{len(result.problems)} problem(s); nothing was imported:", err=True)
        for problem in result.problems:
            click.echo(f"error: {problem}", err=True)
    if as_json:
        click.echo(json.dumps(result.summary()))
    if not result.ok:
        sys.exit(1)


@crm_cli.command("import-agencies")
@click.argument("path", required=False, type=click.Path(exists=True, dir_okay=False))
@click.option("--dry-run", is_flag=True, help="List what would change; write nothing.")
@click.option("--json", "as_json", is_flag=True, help="End with a one-line JSON summary.")
def import_agencies(path, dry_run, as_json):
    """Load or refresh the starter agency directory (federal agencies and offices; each state's
    Conrad 30 program office and medical board). PATH: another file of the same format."""
    from pathlib import Path

    from crm.organizations.agencies import import_agencies as run

    result = run(Path(path) if path else None, actor=None, now=utcnow(), dry_run=dry_run)
    report_result(
        result,
        f"{'Would create' if dry_run else 'Created'} {result.created}, "
        f"{'update' if dry_run else 'updated'} {result.updated}, unchanged {result.unchanged}.",
        as_json,
    )


@crm_cli.command("import-bills")
@click.argument("source")
@click.option("--dry-run", is_flag=True, help="List what would change; write nothing.")
@click.option("--json", "as_json", is_flag=True, help="End with a one-line JSON summary.")
def import_bills(source, dry_run, as_json):
    """Create or refresh bills from Bill Status XML (GPO / Library of Congress).

    SOURCE: a BILLSTATUS-*.xml file, a folder of them, a .zip of them, a URL, or a bill id
    such as "119 hr 1585" (fetched from GPO's bulk data, CRM_BILLSTATUS_URL).
    """

    from crm.imports.bills import import_bills as run

    result = run(source, actor=None, now=utcnow(), dry_run=dry_run)
    report_result(
        result,
        f"{result.files} file(s): created {result.created}, updated {result.updated}, "
        f"unchanged {result.unchanged}" + (" (dry run: nothing saved)" if dry_run else "."),
        as_json,
    )


@crm_cli.command("import-contacts")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--kind",
    type=click.Choice(["people", "history"]),
    required=True,
    help="people (and their organizations), or contact history",
)
@click.option("--actor", "actor_email", required=True, help="The member the import is made by.")
@click.option(
    "--new-when-unsure",
    is_flag=True,
    help="Rows with only a close name in the directory create a new person.",
)
@click.option("--dry-run", is_flag=True, help="Say what each row would do; write nothing.")
@click.option("--json", "as_json", is_flag=True, help="End with a one-line JSON summary.")
def import_contacts(file, kind, actor_email, new_when_unsure, dry_run, as_json):
    """Import people or contact history from a CSV or Excel file (columns guessed from the
    headers). All or nothing: rows that are wrong are listed with their line."""
    import json
    from pathlib import Path

    import sqlalchemy as sa
    from flask import current_app

    from crm.extensions import db
    from crm.intake import services
    from crm.intake.mapping import guess_mapping
    from crm.intake.reader import BadTable, read_table
    from crm.models import User

    actor = db.session.scalars(sa.select(User).where(User.email == actor_email.lower())).first()
    if actor is None:
        raise click.ClickException(f"no account {actor_email}")
    try:
        table = read_table(Path(file).read_bytes(), file)
    except BadTable as e:
        raise click.ClickException(str(e)) from None
    mapping = guess_mapping(kind, table.headers)
    for i, key in sorted(mapping.items()):
        click.echo(f"column {table.headers[i]!r} -> {key}")
    if kind == "people":
        plan = services.plan_people(table.rows, mapping, {})
        if new_when_unsure:
            for r in plan.rows:
                if r.action == "review" and r.message.startswith("a close name"):
                    r.action, r.message = "create", "new person (--new-when-unsure)"
    else:
        plan = services.plan_history(table.rows, mapping, current_app.config["TIMEZONE"], utcnow())
    for r in plan.rows:
        if r.action in ("error", "review"):
            extra = "; ".join(f"{c.name} (#{c.person_id})" for c in r.candidates)
            click.echo(
                f"line {r.number}: {r.action}: {r.message}" + (f": {extra}" if extra else ""),
                err=True,
            )
    summary = plan.summary()
    if plan.ok and not dry_run:
        summary.update(services.apply_plan(actor, plan, utcnow()))
    click.echo(
        ("Dry run: " if dry_run else "")
        + ", ".join(f"{n} {a}" for a, n in plan.summary().items() if n)
        + ("" if plan.ok else ". Nothing was imported: fix the lines above.")
    )
    if as_json:
        click.echo(json.dumps({"ok": plan.ok, "dry_run": dry_run, **summary}))
    if not plan.ok:
        sys.exit(1)


# ---- email: reminders, digests, test ----


def parse_now(value: str | None):
    """--now: an ISO date-time (UTC unless it names an offset); default the real now."""
    from datetime import datetime

    from crm.clock import as_utc

    if not value:
        return utcnow()
    try:
        return as_utc(datetime.fromisoformat(value))
    except ValueError:
        raise click.BadParameter(f"not an ISO date-time: {value!r}", param_hint="--now") from None


def deliver_and_report(summary, as_json: bool, label: str, *, delivered: bool = False) -> None:
    """Send the queued rows in this process (unless done), then print the summary (JSON last)."""
    import json

    from crm.email.outbox import deliver_now

    if not delivered:
        deliver_now(summary)
    figures = summary.as_dict()
    if as_json:
        click.echo(json.dumps(figures, sort_keys=True))
    else:
        click.echo(f"{label}: " + ", ".join(f"{k} {v}" for k, v in figures.items()))


@crm_cli.command("send-reminders")
@click.option("--now", "now_text", default=None, help="Act as if it were this ISO time (UTC).")
@click.option("--json", "as_json", is_flag=True, help="Print a one-line JSON summary.")
def send_reminders(now_text, as_json):
    """Send the reminders due now (what the worker does every few minutes)."""
    from crm.heartbeat import run_job
    from crm.reminders.services import dispatch_due_reminders

    summary = run_job(
        "crm.reminders.dispatch_due",
        parse_now(now_text),
        lambda now: dispatch_due_reminders(now, deliver=False),
    )
    deliver_and_report(summary, as_json, "reminders")


@crm_cli.command("send-digests")
@click.option("--now", "now_text", default=None, help="Act as if it were this ISO time (UTC).")
@click.option("--dry-run", is_flag=True, help="Build the digests due now but send nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print a one-line JSON summary.")
def send_digests(now_text, dry_run, as_json):
    """Send the weekly digests due now (each user's own weekday and hour)."""
    from crm.digests.services import dispatch_digests
    from crm.heartbeat import run_job

    now = parse_now(now_text)
    if dry_run:
        summary = dispatch_digests(now, dry_run=True, deliver=False)
    else:
        summary = run_job(
            "crm.digests.dispatch", now, lambda now: dispatch_digests(now, deliver=False)
        )
    deliver_and_report(summary, as_json, "digests (dry run)" if dry_run else "digests")


@crm_cli.command("send-test-email")
@click.argument("to")
@click.option("--json", "as_json", is_flag=True, help="Print a one-line JSON summary.")
def send_test_email(to, as_json):
    """Send one message through the configured mail backend, now, to check the settings."""
    from email.utils import parseaddr

    from crm.email.outbox import send_test_email as send

    address = parseaddr(to)[1]
    if "@" not in address or address != to.strip():
        raise click.BadParameter(f"not an email address: {to!r}", param_hint="TO")
    summary, error = send(address, utcnow())
    deliver_and_report(summary, as_json, "test email", delivered=True)
    if error is not None:
        click.echo(f"Sending failed: {error}", err=True)
        raise SystemExit(1)


def read_messages(path: str) -> list[bytes]:
    """The messages in a file: an mbox (starts with a "From " line) or one .eml message."""
    import mailbox

    with open(path, "rb") as f:
        head = f.read(5)
    if head != b"From ":
        with open(path, "rb") as f:
            return [f.read()]
    box = mailbox.mbox(path, create=False)
    try:
        return [box.get_bytes(key) for key in box.iterkeys()]
    finally:
        box.close()


@crm_cli.command("ingest-email")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="One JSON line per message.")
def ingest_email(file, as_json):
    """File the messages of a .eml or mbox file as email contacts, as the mailbox poll would:
    once per Message-ID; unknown senders and messages to nobody in the directory go to review."""
    import json

    from crm.inbound.services import ingest_message

    counts: dict[str, int] = {}
    for number, raw in enumerate(read_messages(file), start=1):
        outcome = ingest_message(raw, utcnow(), source="file")
        counts[outcome.status] = counts.get(outcome.status, 0) + 1
        if as_json:
            click.echo(json.dumps({"message": number, **outcome.as_dict()}))
            continue
        what = {
            "filed": f"filed as contact {outcome.interaction_id}",
            "review": f"waiting for review: {outcome.reason}",
            "duplicate": f"already received: {outcome.reason}",
        }[outcome.status]
        click.echo(f"{number}. {outcome.subject or '(no subject)'} <{outcome.message_id}>: {what}")
    if not as_json:
        click.echo(", ".join(f"{n} {status}" for status, n in counts.items()) or "no messages")
