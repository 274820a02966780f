"""`flask users create | deactivate | reactivate`."""

import sys

import click
from flask import Flask
from flask.cli import AppGroup

from app import db
from app.accounts import users
from app.accounts.forms import PASSWORD_MIN


@click.group("users", cls=AppGroup)
def users_cli() -> None:
    """Manage user accounts."""


@users_cli.command("create")
@click.option("--email", required=True)
@click.option("--full-name", required=True)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def create_command(email: str, full_name: str, password_stdin: bool) -> None:
    """Create a human user (prompts for the password)."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    if len(password) < PASSWORD_MIN:
        raise click.ClickException(f"The password must have at least {PASSWORD_MIN} characters.")
    if not full_name.strip():
        raise click.ClickException("The full name must not be blank.")
    db_session = db.session()
    try:
        user = users.create_human(db_session, email, full_name, password)
    except users.EmailTaken:
        raise click.ClickException("An account with this email already exists.") from None
    db_session.commit()
    click.echo(f"Created user {user.id} <{user.email}>.")


def init_app(app: Flask) -> None:
    app.cli.add_command(users_cli)
