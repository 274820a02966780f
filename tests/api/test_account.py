"""The API for one's own account: server_settings, fetch_api_key, users/me, one's own key."""

from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.core.models import AuditEvent
from tests.helpers.admin import audit_events
from tests.helpers.api import API, api_create_bot, api_error, api_me, api_ok
from tests.helpers.users import PASSWORD, Account
from tests.helpers.web import log_in

# server_settings and fetch_api_key


def test_server_settings_need_no_credentials(client: FlaskClient) -> None:
    body = api_ok(client.get(f"{API}/server_settings"))
    assert str(body["zulip_version"]).startswith("keyfob-")
    assert isinstance(body["zulip_feature_level"], int)
    assert body["realm_url"] == "http://localhost"


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


def test_fetch_api_key_is_audited(app: Flask, client: FlaskClient, user: Account) -> None:
    client.post(f"{API}/fetch_api_key", data={"username": user.email, "password": "wrong"})
    client.post(f"{API}/fetch_api_key", data={"username": user.email, "password": PASSWORD})
    fetches = audit_events(app, AuditEvent.event_type.startswith("api_key_fetch"))
    assert [(e.event_type, e.actor_id, e.subject_user_id) for e in fetches] == [
        ("api_key_fetch_failed", None, user.id),
        ("api_key_fetched", user.id, user.id),
    ]


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


@pytest.mark.parametrize("how", ["basic", "x-api-key"])
def test_no_answer_about_a_caller_may_be_cached(
    client: FlaskClient, user: Account, how: str
) -> None:
    """A shared cache must not keep users/me (or its error) for whoever asks next, whatever
    header carried the key."""
    if how == "basic":
        answers = [api_me(client, user.email, user.key), api_me(client, user.email, "x")]
    else:
        answers = [client.get(f"{API}/users/me", headers={"X-API-Key": user.key})]
    assert [answer.headers.get("Cache-Control") for answer in answers] == ["no-store"] * len(
        answers
    )
