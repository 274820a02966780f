"""The command line: `flask users create` and `flask db upgrade`."""

import pytest
from flask import Flask
from sqlalchemy import select

from app.core import db
from app.core.models import User
from tests.helpers.admin import count_users
from tests.helpers.users import PASSWORD


def test_users_create_reads_the_password_from_stdin(app: Flask) -> None:
    result = app.test_cli_runner().invoke(
        args=[
            "users",
            "create",
            "--email",
            "Cli@Example.com",
            "--full-name",
            "Cli User",
            "--password-stdin",
        ],
        input=PASSWORD + "\n",
    )
    assert result.exit_code == 0, result.output
    assert "cli@example.com" in result.output
    assert PASSWORD not in result.output
    with app.app_context():
        user = db.session().scalars(select(User)).one()
        assert user.email == "cli@example.com"


def test_users_create_prompts_for_the_password(app: Flask) -> None:
    result = app.test_cli_runner().invoke(
        args=["users", "create", "--email", "p@example.com", "--full-name", "Prompted"],
        input=f"{PASSWORD}\n{PASSWORD}\n",
    )
    assert result.exit_code == 0, result.output


def test_users_create_refuses_a_taken_email(app: Flask) -> None:
    runner = app.test_cli_runner()
    args = ["users", "create", "--email", "dup@example.com", "--full-name", "D", "--password-stdin"]
    assert runner.invoke(args=args, input=PASSWORD).exit_code == 0
    again = runner.invoke(args=args, input=PASSWORD)
    assert again.exit_code != 0
    assert "already exists" in again.output


def test_users_create_refuses_a_short_password(app: Flask) -> None:
    result = app.test_cli_runner().invoke(
        args=[
            "users",
            "create",
            "--email",
            "s@example.com",
            "--full-name",
            "S",
            "--password-stdin",
        ],
        input="short\n",
    )
    assert result.exit_code != 0
    assert "Password: Use 10 to 256 characters." in result.output


@pytest.mark.parametrize(
    ("email", "full_name", "message"),
    [
        ("", "Someone", "Email: Enter a valid email."),
        ("not an email", "Someone", "Email: Enter a valid email."),
        ("long@example.com", "x" * 101, "Full name: Use at most 100 characters."),
        ("nul@example.com", "A\x00B", "Full name: Remove the control characters."),
    ],
)
def test_users_create_applies_the_registration_rules(
    app: Flask, email: str, full_name: str, message: str
) -> None:
    result = app.test_cli_runner().invoke(
        args=["users", "create", "--email", email, "--full-name", full_name, "--password-stdin"],
        input=PASSWORD + "\n",
    )
    assert result.exit_code != 0
    assert message in result.output
    assert count_users(app) == 0


def test_db_upgrade_is_idempotent(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert "up to date" in result.output
