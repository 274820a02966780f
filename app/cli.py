"""`flask users create | deactivate | reactivate`, `flask keys revoke-all | prune` and
`flask audit prune` for administrators."""

import sys
from datetime import timedelta

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from app import db, retention, revocation, users
from app.models import User

DEAD_KEY_DAYS = 30  # how long a dead key's row stays, for the record, by default


@click.group("users", cls=AppGroup)
def users_cli() -> None:
    """Manage user accounts."""


@users_cli.command("create")
@click.option("--email", required=True)
@click.option("--full-name", required=True)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def create_command(email: str, full_name: str, password_stdin: bool) -> None:
    """Create a human user (prompts for the password), under the registration rules."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = users.register(db.session(), email, full_name, password)
    except users.InvalidRegistration as problem:
        label = {"email": "Email", "full_name": "Full name", "password": "Password"}[problem.field]
        raise click.ClickException(f"{label}: {problem.message}") from None
    click.echo(f"Created user {user.id} <{user.email}>.")


@users_cli.command("deactivate")
@click.argument("email")
def deactivate_command(email: str) -> None:
    """Deactivate a human user and all their bots: every key of theirs stops working."""
    user = _human_or_fail(email)
    stopped = users.deactivate(db.session(), user, actor_id=None)
    click.echo(f"Deactivated {user.email} and {len(stopped)} of their bots.")


@users_cli.command("reactivate")
@click.argument("email")
def reactivate_command(email: str) -> None:
    """Reactivate a human user; their bots stay inactive until the owner revives them."""
    user = _human_or_fail(email)
    users.reactivate(db.session(), user, actor_id=None)
    click.echo(f"Reactivated {user.email}. Their bots stay inactive; they can reactivate them.")


@click.group("keys", cls=AppGroup)
def keys_cli() -> None:
    """Manage API keys."""


@keys_cli.command("revoke-all")
@click.argument("email")
def revoke_all_command(email: str) -> None:
    """Revoke every key of a human user and their bots (new primary keys replace them) and
    sign them out everywhere."""
    user = _human_or_fail(email)
    bot_count = revocation.revoke_all(db.session(), user, actor_id=None)
    click.echo(
        f"Revoked every key of {user.email} and {bot_count} of their bots; "
        "new keys replace them, and every login session has ended."
    )


@keys_cli.command("prune")
@click.option(
    "--older-than",
    "days",
    type=click.IntRange(min=0),
    default=DEAD_KEY_DAYS,
    show_default=True,
    help="Days since a key stopped working (revoked, or its overlap ended).",
)
def prune_keys_command(days: int) -> None:
    """Delete keys that stopped working more than DAYS ago, in batches."""
    removed = retention.prune_dead_keys(db.session(), timedelta(days=days))
    click.echo(f"Deleted {removed} keys that stopped working more than {days} days ago.")


@click.group("audit", cls=AppGroup)
def audit_cli() -> None:
    """Manage the audit log."""


@audit_cli.command("prune")
@click.option(
    "--older-than",
    "days",
    type=click.IntRange(min=1),
    default=None,
    help="Days to keep (default: the AUDIT_RETENTION_DAYS setting).",
)
def prune_audit_command(days: int | None) -> None:
    """Delete audit events older than DAYS, in batches."""
    keep = days if days is not None else int(current_app.config["AUDIT_RETENTION_DAYS"])
    removed = retention.prune_audit(db.session(), timedelta(days=keep))
    click.echo(f"Deleted {removed} audit events older than {keep} days.")


def _human_or_fail(email: str) -> User:
    user = users.find_human(db.session(), email)
    if user is None:
        raise click.ClickException(f"No human user has the email {email}.")
    return user


def init_app(app: Flask) -> None:
    app.cli.add_command(users_cli)
    app.cli.add_command(keys_cli)
    app.cli.add_command(audit_cli)
