"""A token dies on its own: after the lifetime asked (15 minutes unless asked, at most
TOKEN_MAX_TTL_SECONDS), and never later than the key that minted it."""

from collections.abc import Callable
from datetime import datetime, timedelta

from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import Clock
from tests.helpers.api import api_error, api_ok
from tests.helpers.api_keys import create_key
from tests.helpers.tokens import me, mint, minted
from tests.helpers.users import Account, MakeUser


def lifetime(made: dict[str, object], now: datetime) -> timedelta:
    return datetime.fromisoformat(str(made["expires_at"])) - now


def test_a_token_minted_for_60_seconds_works_then_fails_after_its_lifetime(
    client: FlaskClient, user: Account, clock: Clock
) -> None:
    token = minted(client, (user.email, user.key), ttl_seconds=60)["token"]
    clock.advance(seconds=59)
    api_ok(me(client, user.email, token))
    clock.advance(seconds=1)
    api_error(me(client, user.email, token), 401, "API_KEY_EXPIRED")


def test_a_token_lives_fifteen_minutes_unless_asked(
    client: FlaskClient, user: Account, clock: Clock
) -> None:
    made = minted(client, (user.email, user.key))
    assert lifetime(made, clock.current) == timedelta(minutes=15)


def test_a_token_lives_as_long_as_asked_up_to_an_hour(
    client: FlaskClient, user: Account, clock: Clock
) -> None:
    made = minted(client, (user.email, user.key), ttl_seconds=3600)
    assert lifetime(made, clock.current) == timedelta(hours=1)


def test_a_lifetime_out_of_bounds_is_refused_naming_the_argument(
    client: FlaskClient, user: Account
) -> None:
    for asked in (0, 3601, -5, "soon", 1.5, True, "9" * 40):
        answer = mint(client, (user.email, user.key), ttl_seconds=asked)
        assert api_error(answer, 400, "BAD_REQUEST")["var_name"] == "ttl_seconds", asked


def test_the_longest_lifetime_is_the_deployments_to_choose(
    make_app: Callable[..., Flask],
) -> None:
    app = make_app(TOKEN_MAX_TTL_SECONDS=120)
    ada = MakeUser(app)()
    client = app.test_client()
    api_error(mint(client, (ada.email, ada.key), ttl_seconds=121), 400, "BAD_REQUEST")
    api_ok(mint(client, (ada.email, ada.key), ttl_seconds=120))


def test_a_bad_longest_lifetime_stops_the_start(make_app: Callable[..., Flask]) -> None:
    for bad in (0, "an hour", True):
        try:
            make_app(TOKEN_MAX_TTL_SECONDS=bad)
        except RuntimeError as problem:
            assert "TOKEN_MAX_TTL_SECONDS" in str(problem)
        else:
            raise AssertionError(f"{bad!r} was accepted")


def test_a_token_never_outlives_its_key(client: FlaskClient, user: Account, clock: Clock) -> None:
    key = api_ok(create_key(client, (user.email, user.key), "CI", expires_in_days=1))
    clock.advance(days=1, minutes=-30)
    made = minted(client, (user.email, str(key["api_key"])), ttl_seconds=3600)
    assert made["expires_at"] == key["expires_at"]
    clock.advance(minutes=30)
    api_error(me(client, user.email, str(made["token"])), 401, "API_KEY_EXPIRED")
