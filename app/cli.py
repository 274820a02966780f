"""`flask users create`: the same rules as the registration form, from the command line."""

import sys

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from werkzeug.datastructures import MultiDict

from app import db
from app.accounts import users
from app.accounts.forms import RegisterForm


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
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    fields = {"email": email, "full_name": full_name, "password": password, "confirm": password}
    with current_app.test_request_context():  # forms and their messages expect a request
        form = RegisterForm(formdata=MultiDict(fields), meta={"csrf": False})
        if not form.validate():
            raise click.ClickException(_describe_errors(form))
    db_session = db.session()
    try:
        user = users.create_human(db_session, form.email.data, form.full_name.data, password)
    except users.EmailTaken:
        raise click.ClickException("An account with this email already exists.") from None
    db_session.commit()
    click.echo(f"Created user {user.id} <{user.email}>.")


def _describe_errors(form: RegisterForm) -> str:
    return " ".join(
        f"{field.label.text}: {' '.join(str(error) for error in field.errors)}"
        for field in form
        if field.errors
    )


def init_app(app: Flask) -> None:
    app.cli.add_command(users_cli)
