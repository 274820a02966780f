"""The key alone authenticates: Authorization: Bearer <key> or X-API-Key: <key>, beside
Zulip's HTTP Basic email:key, with the same lookup, limits and error codes."""

from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.helpers.api import API, api_error, api_me, api_ok, basic_auth
from tests.helpers.api_keys import bearer
from tests.helpers.users import Account, MakeUser

ME = f"{API}/users/me"


def x_api_key(key: str) -> dict[str, str]:
    return {"X-API-Key": key}


@pytest.mark.parametrize("header", [bearer, x_api_key])
def test_the_key_alone_identifies_the_user(
    client: FlaskClient, user: Account, header: Callable[[str], dict[str, str]]
) -> None:
    assert api_ok(client.get(ME, headers=header(user.key)))["user_id"] == user.id


@pytest.mark.parametrize("header", [bearer, x_api_key])
def test_surrounding_spaces_are_ignored(
    client: FlaskClient, user: Account, header: Callable[[str], dict[str, str]]
) -> None:
    api_ok(client.get(ME, headers=header(f"  {user.key} ")))


@pytest.mark.parametrize("header", [bearer, x_api_key])
def test_a_wrong_key_alone_is_invalid(
    client: FlaskClient, a_key: str, header: Callable[[str], dict[str, str]]
) -> None:
    api_error(client.get(ME, headers=header(a_key)), 401, "INVALID_API_KEY")


def test_basic_still_works(client: FlaskClient, user: Account) -> None:
    api_ok(api_me(client, user.email, user.key))


def test_both_headers_at_once_are_refused(client: FlaskClient, user: Account) -> None:
    headers = {**bearer(user.key), **x_api_key(user.key)}
    api_error(client.get(ME, headers=headers), 400, "BAD_REQUEST")


@pytest.mark.parametrize(
    ("authorization", "alone"),
    [("basic", ""), ("basic", "  "), ("bearer", ""), ("", "key"), ("", "")],
)
def test_both_headers_are_refused_whatever_their_values(
    client: FlaskClient, user: Account, authorization: str, alone: str
) -> None:
    """Two credential headers are ambiguous even when one is empty: a proxy or client that
    adds one must not have the other silently win."""
    values = {
        "basic": basic_auth(user.email, user.key)["Authorization"],
        "bearer": bearer(user.key)["Authorization"],
        "": "",
    }
    alone_value = user.key if alone == "key" else alone
    headers = {"Authorization": values[authorization], **x_api_key(alone_value)}
    api_error(client.get(ME, headers=headers), 400, "BAD_REQUEST")


def test_an_empty_bearer_is_401(client: FlaskClient) -> None:
    api_error(client.get(ME, headers={"Authorization": "Bearer  "}), 401, "UNAUTHORIZED")


def test_another_scheme_is_400(client: FlaskClient, user: Account) -> None:
    headers = {"Authorization": f"Token {user.key}"}
    api_error(client.get(ME, headers=headers), 400, "BAD_REQUEST")


def test_wrong_keys_alone_count_against_the_guess_limit(
    make_app: Callable[..., Flask], make_user: MakeUser, a_key: str
) -> None:
    client = make_app(KEY_GUESS_LIMIT_PER_IP="4 per hour").test_client()
    owner = make_user()
    for headers in (bearer(a_key), x_api_key(a_key), bearer(a_key), x_api_key(a_key)):
        api_error(client.get(ME, headers=headers), 401, "INVALID_API_KEY")
    for headers in (bearer(a_key), x_api_key(owner.key)):  # no key is checked any more
        assert "retry-after" in api_error(client.get(ME, headers=headers), 429, "RATE_LIMIT_HIT")


def test_right_keys_alone_do_not_count(make_app: Callable[..., Flask], make_user: MakeUser) -> None:
    client = make_app(KEY_GUESS_LIMIT_PER_IP="2 per hour").test_client()
    owner = make_user()
    for _ in range(5):
        api_ok(client.get(ME, headers=bearer(owner.key)))
        api_ok(client.get(ME, headers=x_api_key(owner.key)))
