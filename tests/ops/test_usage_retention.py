"""`flask keys prune-usage` keeps USAGE_RETENTION_DAYS (400 by default) of per-key usage and
deletes older days; a key deleted by `flask keys prune` takes its usage with it."""

from collections.abc import Callable

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from app.core import db
from app.core.models import KeyUsage
from tests.conftest import Clock
from tests.helpers.api import api_me, api_ok
from tests.helpers.api_keys import create_key, revoke_key
from tests.helpers.usage import primary_id, usage_of
from tests.helpers.users import Account


def days_kept(app: Flask) -> list[str]:
    with app.app_context():
        days = db.session().scalars(select(KeyUsage.day).distinct().order_by(KeyUsage.day))
        return [day.isoformat() for day in days]


def run(app: Flask, *args: str) -> str:
    result = app.test_cli_runner().invoke(args=list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_prune_usage_deletes_the_days_past_keeping_and_keeps_the_rest(
    app: Flask, client: FlaskClient, user: Account, clock: Clock
) -> None:
    auth = (user.email, user.key)
    key_id = primary_id(client, auth)  # a call on the first day
    clock.advance(days=10)
    usage_of(client, auth, key_id)  # and one ten days later, written as it is read
    first, later = days_kept(app)
    assert run(app, "keys", "prune-usage", "--older-than", "5").startswith("Deleted ")
    assert days_kept(app) == [later] and first < later


def test_prune_usage_keeps_400_days_by_default(
    make_app: Callable[..., Flask], user: Account
) -> None:
    app = make_app()
    assert app.config["USAGE_RETENTION_DAYS"] == 400
    assert run(app, "keys", "prune-usage") == "Deleted 0 usage counts older than 400 days.\n"


def test_a_pruned_dead_key_takes_its_usage_with_it(
    app: Flask, client: FlaskClient, user: Account, clock: Clock
) -> None:
    auth = (user.email, user.key)
    made = api_ok(create_key(client, auth, "gone"))
    api_ok(api_me(client, user.email, str(made["api_key"])))
    usage_of(client, auth, int(str(made["id"])))  # written now
    revoke_key(client, auth, int(str(made["id"])))
    clock.advance(days=100)
    run(app, "keys", "prune", "--older-than", "30")
    with app.app_context():
        left = db.session().scalar(
            select(func.count()).where(KeyUsage.key_id == int(str(made["id"])))
        )
    assert left == 0


def test_prune_usage_refuses_a_number_of_days_past_reason(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["keys", "prune-usage", "--older-than", "1000000"])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "1000000 is not in the range" in result.output
