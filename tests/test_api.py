"""The REST API scripts use: Zulip's shapes, the same rules as the web UI."""

import gc
import threading
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app import keyformat
from app.models import AuditEvent
from tests.helpers.admin import audit_events, open_database_connections
from tests.helpers.api import API, api_create_bot, api_error, api_me, api_ok
from tests.helpers.users import PASSWORD, Account, MakeUser
from tests.helpers.web import log_in

# server_settings and fetch_api_key


def test_server_settings_need_no_credentials(client: FlaskClient) -> None:
    body = api_ok(client.get(f"{API}/server_settings"))
    assert str(body["zulip_version"]).startswith("keyfob-")
    assert isinstance(body["zulip_feature_level"], int)
    assert body["realm_url"] == "http://localhost"
    assert body["authentication_methods"] == {"password": True}


def test_server_settings_name_the_configured_site(make_app: Callable[..., Flask]) -> None:
    client = make_app(SITE_URL="https://chat.example.com").test_client()
    assert api_ok(client.get(f"{API}/server_settings"))["realm_url"] == "https://chat.example.com"


def test_fetch_api_key_returns_the_current_key(client: FlaskClient, user: Account) -> None:
    response = client.post(
        f"{API}/fetch_api_key", data={"username": user.email.upper(), "password": PASSWORD}
    )
    assert api_ok(response) == {
        "result": "success",
        "msg": "",
        "api_key": user.key,
        "email": user.email,
        "user_id": user.id,
    }
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("username", ["ada@example.com", "nobody@example.com"])
def test_fetch_api_key_refuses_wrong_credentials_alike(
    client: FlaskClient, user: Account, username: str
) -> None:
    response = client.post(
        f"{API}/fetch_api_key", data={"username": username, "password": "not the password"}
    )
    body = api_error(response, 401, "AUTHENTICATION_FAILED")
    assert body["msg"] == "Your username or password is incorrect"
    assert user.key not in response.get_data(as_text=True)


def test_fetch_api_key_names_a_missing_field(client: FlaskClient) -> None:
    body = api_error(
        client.post(f"{API}/fetch_api_key", data={"username": "a@b.c"}),
        400,
        "REQUEST_VARIABLE_MISSING",
    )
    assert body["var_name"] == "password"
    assert "password" in str(body["msg"])


def test_fetch_api_key_shares_the_accounts_password_limit(
    app: Flask, client: FlaskClient, user: Account
) -> None:
    for _ in range(5):
        client.post(f"{API}/fetch_api_key", data={"username": user.email, "password": "guess"})
    response = client.post(
        f"{API}/fetch_api_key", data={"username": user.email, "password": PASSWORD}
    )
    body = api_error(response, 429, "RATE_LIMIT_HIT")
    assert int(str(body["retry-after"])) > 0
    assert int(response.headers["Retry-After"]) > 0
    assert log_in(app.test_client(), user.email).status_code == 429


def test_fetch_api_key_refuses_bots(client: FlaskClient, user: Account) -> None:
    bot = api_ok(api_create_bot(client, user, "B", "b"))
    response = client.post(
        f"{API}/fetch_api_key", data={"username": str(bot["email"]), "password": "any password"}
    )
    body = api_error(response, 401, "AUTHENTICATION_FAILED")
    assert body["msg"] == "Your username or password is incorrect"


# users/me and regenerating one's own key


def test_a_bots_profile_names_its_owner(client: FlaskClient, user: Account) -> None:
    bot = api_ok(api_create_bot(client, user, "Helper", "helper"))
    profile = api_ok(api_me(client, str(bot["email"]), str(bot["api_key"])))
    assert profile["is_bot"] is True
    assert profile["bot_owner_id"] == user.id
    assert "bot_owner_id" not in api_ok(api_me(client, user.email, user.key))


def test_regenerating_ones_own_key_kills_the_old_one(client: FlaskClient, user: Account) -> None:
    response = client.post(f"{API}/users/me/api_key/regenerate", auth=(user.email, user.key))
    new_key = str(api_ok(response)["api_key"])
    assert response.headers["Cache-Control"] == "no-store"
    assert new_key.startswith("kfu_") and new_key != user.key
    assert api_me(client, user.email, user.key).status_code == 401
    assert api_me(client, user.email, new_key).status_code == 200


def test_a_bot_can_rotate_its_own_key(client: FlaskClient, user: Account) -> None:
    bot = api_ok(api_create_bot(client, user, "Rotator", "rot"))
    email, old_key = str(bot["email"]), str(bot["api_key"])
    new_key = str(
        api_ok(client.post(f"{API}/users/me/api_key/regenerate", auth=(email, old_key)))["api_key"]
    )
    assert new_key.startswith("kfb_")
    assert api_me(client, email, old_key).status_code == 401
    assert api_me(client, email, new_key).status_code == 200


# Bots


def test_creating_a_bot_returns_its_key(client: FlaskClient, user: Account) -> None:
    response = api_create_bot(client, user, "Weather", "weather")
    bot = api_ok(response)
    assert bot["email"] == "weather-bot@localhost"
    assert str(bot["api_key"]).startswith("kfb_")
    assert response.headers["Cache-Control"] == "no-store"


def test_creating_a_bot_accepts_json(client: FlaskClient, user: Account) -> None:
    response = client.post(
        f"{API}/bots",
        json={"full_name": "Json", "short_name": "json"},
        auth=(user.email, user.key),
    )
    assert api_ok(response)["email"] == "json-bot@localhost"


@pytest.mark.parametrize(
    ("data", "var_name", "code"),
    [
        ({"short_name": "x"}, "full_name", "REQUEST_VARIABLE_MISSING"),
        ({"full_name": "X"}, "short_name", "REQUEST_VARIABLE_MISSING"),
        ({"full_name": " ", "short_name": "x"}, "full_name", "BAD_REQUEST"),
        ({"full_name": "X", "short_name": "Not Valid"}, "short_name", "BAD_REQUEST"),
        ({"full_name": "x" * 101, "short_name": "x"}, "full_name", "BAD_REQUEST"),
    ],
)
def test_bad_bot_input_is_a_400_naming_the_field(
    client: FlaskClient, user: Account, data: dict[str, str], var_name: str, code: str
) -> None:
    response = client.post(f"{API}/bots", data=data, auth=(user.email, user.key))
    body = api_error(response, 400, code)
    assert body["var_name"] == var_name
    assert var_name in str(body["msg"])


@pytest.mark.parametrize("body", ["not json", "[1, 2]", '{"full_name": 5, "short_name": "x"}', "{"])
def test_malformed_json_is_a_400(client: FlaskClient, user: Account, body: str) -> None:
    response = client.post(
        f"{API}/bots", data=body, content_type="application/json", auth=(user.email, user.key)
    )
    api_error(response, 400, "BAD_REQUEST")


def test_a_taken_short_name_is_a_400(client: FlaskClient, user: Account) -> None:
    api_ok(api_create_bot(client, user, "Same", "same"))
    api_error(api_create_bot(client, user, "Same", "same"), 400, "BAD_REQUEST")


def test_listing_bots_shows_no_keys(client: FlaskClient, user: Account) -> None:
    made = api_ok(api_create_bot(client, user, "L", "l"))
    response = client.get(f"{API}/bots", auth=(user.email, user.key))
    bots = api_ok(response)["bots"]
    assert isinstance(bots, list) and len(bots) == 1
    assert bots[0]["user_id"] == made["user_id"] and bots[0]["is_active"] is True
    assert bots[0]["api_key_hint"] == str(made["api_key"])[-4:]
    assert str(made["api_key"]) not in response.get_data(as_text=True)


def test_bots_cannot_manage_bots(client: FlaskClient, user: Account) -> None:
    bot = api_ok(api_create_bot(client, user, "B", "b"))
    auth = (str(bot["email"]), str(bot["api_key"]))
    api_error(client.get(f"{API}/bots", auth=auth), 403, "FORBIDDEN")
    api_error(
        client.post(f"{API}/bots", data={"full_name": "C", "short_name": "c"}, auth=auth),
        403,
        "FORBIDDEN",
    )
    api_error(client.delete(f"{API}/bots/{bot['user_id']}", auth=auth), 403, "FORBIDDEN")


def test_regenerating_a_bots_key(client: FlaskClient, user: Account) -> None:
    auth = (user.email, user.key)
    bot = api_ok(api_create_bot(client, user, "R", "r"))
    response = client.post(f"{API}/bots/{bot['user_id']}/api_key/regenerate", auth=auth)
    new_key = str(api_ok(response)["api_key"])
    assert response.headers["Cache-Control"] == "no-store"
    assert api_me(client, str(bot["email"]), str(bot["api_key"])).status_code == 401
    assert api_me(client, str(bot["email"]), new_key).status_code == 200


def test_deactivating_and_reactivating_a_bot(client: FlaskClient, user: Account) -> None:
    auth = (user.email, user.key)
    bot = api_ok(api_create_bot(client, user, "D", "d"))
    bot_auth = (str(bot["email"]), str(bot["api_key"]))
    api_ok(client.delete(f"{API}/bots/{bot['user_id']}", auth=auth))
    api_ok(client.delete(f"{API}/bots/{bot['user_id']}", auth=auth))  # harmless twice
    deactivated = api_error(api_me(client, *bot_auth), 401, "USER_DEACTIVATED")
    assert deactivated["msg"] == "Account is deactivated"
    assert api_ok(client.get(f"{API}/bots", auth=auth))["bots"][0]["is_active"] is False  # type: ignore[index]
    api_ok(client.post(f"{API}/bots/{bot['user_id']}/reactivate", auth=auth))
    assert api_me(client, *bot_auth).status_code == 200


@pytest.mark.parametrize(
    ("method", "suffix"),
    [("POST", "/api_key/regenerate"), ("DELETE", ""), ("POST", "/reactivate")],
)
def test_bot_routes_answer_the_same_404_for_anything_not_owned(
    client: FlaskClient, make_user: MakeUser, user: Account, method: str, suffix: str
) -> None:
    stranger = make_user("stranger@example.com")
    theirs = api_ok(api_create_bot(client, stranger, "S", "s"))
    bodies = set()
    for target in (theirs["user_id"], stranger.id, 999_999, 10**20):
        response = client.open(
            f"{API}/bots/{target}{suffix}", method=method, auth=(user.email, user.key)
        )
        api_error(response, 404, "NOT_FOUND")
        bodies.add(response.get_data(as_text=True))
    assert len(bodies) == 1
    assert api_me(client, str(theirs["email"]), str(theirs["api_key"])).status_code == 200


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


def test_the_bot_limit_holds_and_names_no_argument(
    make_app: Callable[..., Flask], make_user: MakeUser
) -> None:
    client = make_app(MAX_BOTS_PER_USER=1).test_client()
    owner = make_user()
    api_ok(api_create_bot(client, owner, "A", "a"))
    body = api_error(api_create_bot(client, owner, "B", "b"), 400, "BAD_REQUEST")
    assert "var_name" not in body
    assert str(body["msg"]) == "You already have 1 active bot, the most allowed."


def test_fetch_api_key_is_audited(app: Flask, client: FlaskClient, user: Account) -> None:
    client.post(f"{API}/fetch_api_key", data={"username": user.email, "password": "wrong"})
    client.post(f"{API}/fetch_api_key", data={"username": user.email, "password": PASSWORD})
    fetches = audit_events(app, AuditEvent.event_type.startswith("api_key_fetch"))
    assert [(e.event_type, e.actor_id, e.subject_user_id) for e in fetches] == [
        ("api_key_fetch_failed", None, user.id),
        ("api_key_fetched", user.id, user.id),
    ]


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
