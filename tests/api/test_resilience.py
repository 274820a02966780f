"""What a misbehaving script cannot do: guess keys, crash the API, or leak connections."""

import gc
import threading
from collections.abc import Callable

from flask import Flask
from flask.testing import FlaskClient

from keyfob_client import keyformat
from tests.helpers.admin import open_database_connections
from tests.helpers.api import API, api_error, api_me, api_ok
from tests.helpers.users import Account, MakeUser

# Guessing keys


def test_failed_keys_are_limited_per_ip(
    make_app: Callable[..., Flask], make_user: MakeUser
) -> None:
    client = make_app(KEY_GUESS_LIMIT_PER_IP="3 per hour").test_client()
    owner = make_user()
    for _ in range(3):
        wrong = keyformat.generate(keyformat.USER_PREFIX)
        api_error(api_me(client, owner.email, wrong), 401, "INVALID_API_KEY")
    unknown = keyformat.generate(keyformat.USER_PREFIX)
    body = api_error(api_me(client, owner.email, unknown), 429, "RATE_LIMIT_HIT")
    assert int(str(body["retry-after"])) > 0
    api_error(api_me(client, owner.email, owner.key), 429, "RATE_LIMIT_HIT")


def test_valid_keys_do_not_use_up_the_guess_limit(
    make_app: Callable[..., Flask], make_user: MakeUser
) -> None:
    client = make_app(KEY_GUESS_LIMIT_PER_IP="3 per hour").test_client()
    owner = make_user()
    for _ in range(10):
        api_ok(api_me(client, owner.email, owner.key))


def test_unauthenticated_endpoints_ignore_a_logged_in_browser(
    logged_in: FlaskClient, user: Account
) -> None:
    # The API takes no cookies: a browser session does not make fetch_api_key count
    # against the logged-in account, nor does it authenticate anything.
    response = logged_in.post(
        f"{API}/fetch_api_key", data={"username": "other@example.com", "password": "x"}
    )
    api_error(response, 401, "AUTHENTICATION_FAILED")
    api_error(logged_in.post(f"{API}/users/me/api_key/regenerate"), 401, "UNAUTHORIZED")


# Odd input never crashes


def test_undecodable_basic_credentials_are_401(client: FlaskClient) -> None:
    response = client.get(f"{API}/users/me", headers={"Authorization": "Basic éé"})
    api_error(response, 401, "UNAUTHORIZED")


def test_deeply_nested_json_is_a_400(client: FlaskClient) -> None:
    body = '{"a":' + "[" * 100_000 + "]" * 100_000 + "}"
    response = client.post(f"{API}/fetch_api_key", data=body, content_type="application/json")
    api_error(response, 400, "BAD_REQUEST")


def test_control_characters_in_an_argument_are_a_400(client: FlaskClient) -> None:
    response = client.post(
        f"{API}/fetch_api_key", data={"username": "a\x00@example.com", "password": "x"}
    )
    assert api_error(response, 400, "BAD_REQUEST")["var_name"] == "username"


# Database connections


def test_threads_do_not_leak_database_connections(app: Flask, user: Account) -> None:
    # A threaded server starts a thread per request; each thread's lookup connection must
    # close when the thread ends, or a long-running server runs out of connections.
    client = app.test_client()
    before = open_database_connections(app)

    def call() -> None:
        assert api_me(client, user.email, user.key).status_code == 200

    for _ in range(30):
        thread = threading.Thread(target=call)
        thread.start()
        thread.join()
    gc.collect()
    assert open_database_connections(app) <= before + 1
