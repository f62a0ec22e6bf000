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


@crm_cli.command("generate")
@click.option("--small", is_flag=True, help="The small scale the tests use.")
@click.option("--seed", type=int, default=42, show_default=True)
@click.option("--now", "now_text", default=None, help="ISO time the history ends (default: now).")
@click.option("--legislators", type=int, default=None)
@click.option("--officials", type=int, default=None)
@click.option("--staff", type=int, default=None)
@click.option("--members", type=int, default=None)
@click.option("--interactions", type=int, default=None)
@click.option("--years", type=int, default=None)
def generate(small, seed, now_text, **counts):
    """Fill an empty database with coalition-scale benchmark data (see bench/generate.py)."""
    from datetime import UTC, datetime

    from bench.generate import NotEmpty, Scale, generate

    overrides = {k: v for k, v in counts.items() if v is not None}
    scale = Scale.small(**overrides) if small else Scale(**overrides)
    now = datetime.fromisoformat(now_text) if now_text else utcnow()
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    try:
        summary = generate(scale, seed=seed, now=now, log=click.echo)
    except NotEmpty as e:
        raise click.ClickException(str(e)) from None
    for table, n in summary.counts.items():
        click.echo(f"{table}: {n:,}")
    click.echo(f"done in {summary.seconds}s; sign in as {summary.logins.get('member')} "
               f"(password: bench.BENCH_PASSWORD)")
