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
