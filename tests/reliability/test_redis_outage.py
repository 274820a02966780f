"""Redis (the rate-limit store) stops: key authentication keeps working, every password
entry point fails closed with 503 and says why, and all of it recovers when Redis returns."""

from collections.abc import Callable, Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.helpers.api import API, api_error, api_me, api_ok
from tests.helpers.openapi import assert_matches
from tests.helpers.services import PrivateRedis, private_redis
from tests.helpers.users import PASSWORD, Account
from tests.helpers.web import log_in, register_account


@pytest.fixture
def redis() -> Iterator[PrivateRedis]:
    with private_redis() as server:
        yield server


@pytest.fixture
def on_redis(make_app: Callable[..., Flask], redis: PrivateRedis) -> FlaskClient:
    """A client of an app whose rate limits count in the private Redis."""
    return make_app(RATELIMIT_STORAGE_URI=redis.url).test_client()


@pytest.fixture
def redis_down(on_redis: FlaskClient, redis: PrivateRedis) -> FlaskClient:
    redis.stop()
    return on_redis


def test_a_valid_key_still_authenticates(redis_down: FlaskClient, user: Account) -> None:
    assert api_ok(api_me(redis_down, user.email, user.key))["user_id"] == user.id


def test_a_wrong_key_is_still_refused(redis_down: FlaskClient, user: Account, a_key: str) -> None:
    api_error(api_me(redis_down, user.email, a_key), 401, "INVALID_API_KEY")


def test_fetch_api_key_fails_closed(redis_down: FlaskClient, user: Account) -> None:
    data = {"username": user.email, "password": PASSWORD}
    response = redis_down.post(f"{API}/fetch_api_key", data=data)
    body = api_error(response, 503, "SERVICE_UNAVAILABLE")
    assert "rate-limit store" in str(body["msg"]) and response.headers["Retry-After"]


def test_the_login_form_fails_closed_and_says_why(redis_down: FlaskClient, user: Account) -> None:
    response = log_in(redis_down, user.email)
    assert response.status_code == 503
    assert "Sign-in is paused for a moment" in response.get_data(as_text=True)


def test_registration_fails_closed(redis_down: FlaskClient) -> None:
    response = register_account(redis_down)
    assert response.status_code == 503
    assert "Sign-in is paused for a moment" in response.get_data(as_text=True)


def test_everything_recovers_when_redis_returns(
    redis_down: FlaskClient, redis: PrivateRedis, user: Account
) -> None:
    assert log_in(redis_down, user.email).status_code == 503
    redis.start()
    assert log_in(redis_down, user.email).status_code == 302


def test_the_outage_answer_matches_the_document(redis_down: FlaskClient, user: Account) -> None:
    data = {"username": user.email, "password": PASSWORD}
    assert_matches("/fetch_api_key", "post", redis_down.post(f"{API}/fetch_api_key", data=data))
