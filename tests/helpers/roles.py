"""What a test needs to see someone's role: as a script does (users/me) and as the operator
sets it (flask users set-role)."""

from click.testing import Result
from flask import Flask

from tests.helpers.api import api_me, api_ok
from tests.helpers.users import Account


def role_of(app: Flask, account: Account) -> tuple[int, bool, bool]:
    """``role``, ``is_owner``, ``is_admin`` as users/me answers them."""
    body = api_ok(api_me(app.test_client(), account.email, account.key))
    return int(str(body["role"])), bool(body["is_owner"]), bool(body["is_admin"])


def set_role(app: Flask, email: str, role: str) -> Result:
    return app.test_cli_runner().invoke(args=["users", "set-role", email, role])
