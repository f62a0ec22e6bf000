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
        user = create(email=email, name=name, role=role, password=password, actor=None,
                      now=utcnow(), home_state=home_state, timezone=timezone)
    except DomainError as e:
        raise click.ClickException(e.message) from None
    click.echo(f"Created {user.role} {user.email}.")


@crm_cli.command("seed-demo")
def seed_demo():
    """Load a believable demo coalition on top of the directory (safe to run twice)."""
    from crm.demo import seed

    summary = seed(utcnow())
    for key, value in summary.items():
        click.echo(f"{key}: {value}")


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


def deliver_and_report(summary, as_json: bool, label: str) -> None:
    """Send the queued rows in this process, then print the summary (one JSON line last)."""
    import json

    from crm.email.delivery import deliver_notification

    for notification_id in summary.ids:
        outcome = deliver_notification(notification_id)
        if outcome == "sent":
            summary.sent += 1
        elif outcome in ("failed", "retry"):
            summary.failed += 1
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

    summary = run_job("crm.reminders.dispatch_due", parse_now(now_text),
                      lambda now: dispatch_due_reminders(now, deliver=False))
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
        summary = run_job("crm.digests.dispatch", now,
                          lambda now: dispatch_digests(now, deliver=False))
    deliver_and_report(summary, as_json, "digests (dry run)" if dry_run else "digests")


@crm_cli.command("send-test-email")
@click.argument("to")
@click.option("--json", "as_json", is_flag=True, help="Print a one-line JSON summary.")
def send_test_email(to, as_json):
    """Send one message through the configured mail backend, now, to check the settings."""
    from email.utils import parseaddr

    from crm.email import Summary, queue_email
    from crm.extensions import db

    address = parseaddr(to)[1]
    if "@" not in address or address != to.strip():
        raise click.BadParameter(f"not an email address: {to!r}", param_hint="TO")
    now = utcnow()
    row = queue_email(to_email=address, kind="test", subject_key="test", occurrence=now.isoformat(),
                      template="test", subject="IMG Taskforce CRM: test email",
                      context={"message": "If you can read this, email works.",
                               "sent_at": f"{now:%Y-%m-%d %H:%M:%S}"}, now=now)
    db.session.commit()
    summary = Summary(queued=1, ids=[row.id])
    deliver_and_report(summary, as_json, "test email")
    if summary.failed:
        from crm.models import Notification

        error = db.session.get(Notification, row.id).last_error
        click.echo(f"Sending failed: {error}", err=True)
        raise SystemExit(1)
