"""`flask users create | deactivate | reactivate` for administrators."""

import sys

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from werkzeug.datastructures import MultiDict

from app import audit, bots, db
from app.accounts import users
from app.accounts.forms import RegisterForm
from app.models import User


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


@users_cli.command("deactivate")
@click.argument("email")
def deactivate_command(email: str) -> None:
    """Deactivate a human user and all their bots: every key of theirs stops working."""
    db_session = db.session()
    user = _human_or_fail(email)
    bots_stopped = bots.set_user_active(db_session, user, active=False)
    audit.record(db_session, "user_deactivated", actor_id=None, subject_user_id=user.id)
    for bot in bots_stopped:
        audit.record(db_session, "bot_deactivated", actor_id=None, subject_user_id=bot.id)
    db_session.commit()
    click.echo(f"Deactivated {user.email} and {len(bots_stopped)} of their bots.")


@users_cli.command("reactivate")
@click.argument("email")
def reactivate_command(email: str) -> None:
    """Reactivate a human user; their bots stay inactive until the owner revives them."""
    db_session = db.session()
    user = _human_or_fail(email)
    bots.set_user_active(db_session, user, active=True)
    audit.record(db_session, "user_reactivated", actor_id=None, subject_user_id=user.id)
    db_session.commit()
    click.echo(f"Reactivated {user.email}. Their bots stay inactive; they can reactivate them.")


def _human_or_fail(email: str) -> User:
    user = users.find_by_email(db.session(), email)
    if user is None or user.is_bot:
        raise click.ClickException(f"No human user has the email {email}.")
    return user


def _describe_errors(form: RegisterForm) -> str:
    return " ".join(
        f"{field.label.text}: {' '.join(str(error) for error in field.errors)}"
        for field in form
        if field.errors
    )


def init_app(app: Flask) -> None:
    app.cli.add_command(users_cli)
