"""Scopes narrow what a named key may do: chosen at creation (a JSON list or a comma-
separated form field), checked against the deployment's vocabulary, shown in the key list,
and told to the key itself by users/me."""

from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text

from app.core import db
from tests.helpers.api import API, api_error, api_me, api_ok
from tests.helpers.api_keys import create_key, keys_of, list_keys, regenerate, scoped_key
from tests.helpers.users import Account, MakeUser

READ_ONLY = ["bots:read", "keys:read", "profile:read", "users:read"]


def test_a_named_key_holds_the_scopes_it_was_made_with(client: FlaskClient, user: Account) -> None:
    auth = (user.email, user.key)
    made = api_ok(
        client.post(keys_of(), json={"name": "CI", "scopes": ["profile:read"]}, auth=auth)
    )
    assert made["scopes"] == ["profile:read"]
    assert [key["scopes"] for key in list_keys(client, auth) if key["kind"] == "named"] == [
        ["profile:read"]
    ]


def test_scopes_may_come_as_one_comma_separated_field(client: FlaskClient, user: Account) -> None:
    response = create_key(client, (user.email, user.key), "CI", scopes="users:read, profile:read")
    assert api_ok(response)["scopes"] == ["profile:read", "users:read"]


def test_scopes_may_come_as_a_json_list_in_a_form_field(client: FlaskClient, user: Account) -> None:
    response = create_key(client, (user.email, user.key), "CI", scopes='["messages:write"]')
    assert api_ok(response)["scopes"] == ["messages:write"]


def test_an_unknown_scope_is_refused_by_name(client: FlaskClient, user: Account) -> None:
    response = create_key(client, (user.email, user.key), "CI", scopes="profile:read,mesages:write")
    error = api_error(response, 400, "BAD_REQUEST")
    assert error["var_name"] == "scopes"
    assert "mesages:write" in str(error["msg"])
    assert len(list_keys(client, (user.email, user.key))) == 1  # nothing was made


def test_a_scope_of_the_primary_key_alone_is_refused(client: FlaskClient, user: Account) -> None:
    response = create_key(client, (user.email, user.key), "CI", scopes="keys:write")
    error = api_error(response, 400, "BAD_REQUEST")
    assert "keys:write" in str(error["msg"])


def test_an_empty_choice_is_refused(client: FlaskClient, user: Account) -> None:
    response = client.post(
        keys_of(), json={"name": "CI", "scopes": []}, auth=(user.email, user.key)
    )
    assert api_error(response, 400, "BAD_REQUEST")["var_name"] == "scopes"


@pytest.mark.parametrize("value", [["profile:read", 7], {"profile:read": True}, 3])
def test_scopes_that_are_not_a_list_of_names_are_refused(
    client: FlaskClient, user: Account, value: object
) -> None:
    response = client.post(
        keys_of(), json={"name": "CI", "scopes": value}, auth=(user.email, user.key)
    )
    assert api_error(response, 400, "BAD_REQUEST")["var_name"] == "scopes"


def test_a_key_made_without_scopes_holds_every_scope_a_named_key_may(
    client: FlaskClient, user: Account
) -> None:
    scopes = api_ok(create_key(client, (user.email, user.key), "CI"))["scopes"]
    assert isinstance(scopes, list)
    assert set(READ_ONLY) <= set(scopes)
    assert "messages:write" in scopes
    assert not {"keys:write", "bots:write", "organization:admin"} & set(scopes)


def test_users_me_tells_a_named_key_what_it_may_do(client: FlaskClient, user: Account) -> None:
    response = client.post(
        keys_of(),
        json={"name": "CI", "scopes": ["profile:read"], "expires_in_days": 30},
        auth=(user.email, user.key),
    )
    made = api_ok(response)
    me = api_ok(api_me(client, user.email, str(made["api_key"])))
    assert me["key"] == {
        "id": made["id"],
        "kind": "named",
        "name": "CI",
        "scopes": ["profile:read"],
        "expires_at": made["expires_at"],
        "allowed_networks": [],
        "rate_limit_per_minute": None,
        "token_id": None,
    }


def test_users_me_tells_the_primary_key_it_may_do_everything(
    client: FlaskClient, user: Account
) -> None:
    key = api_ok(api_me(client, user.email, user.key))["key"]
    assert isinstance(key, dict)
    assert key["kind"] == "primary"
    assert {"keys:write", "bots:write", "organization:admin", *READ_ONLY} <= set(key["scopes"])


def test_users_me_tells_a_replaced_key_it_no_longer_manages(
    client: FlaskClient, user: Account
) -> None:
    api_ok(regenerate(client, (user.email, user.key), grace_seconds="3600"))
    key = api_ok(api_me(client, user.email, user.key))["key"]
    assert isinstance(key, dict)
    assert key["kind"] == "rolled"
    assert "profile:read" in key["scopes"] and "keys:write" not in key["scopes"]


def test_a_scope_the_key_holds_opens_its_routes(client: FlaskClient, user: Account) -> None:
    key = scoped_key(client, (user.email, user.key), "users:read")
    assert api_ok(client.get(f"{API}/users", auth=(user.email, key)))["members"]


def test_a_missing_scope_names_the_one_that_would_do(client: FlaskClient, user: Account) -> None:
    key = scoped_key(client, (user.email, user.key), "profile:read")
    response = client.get(f"{API}/users", auth=(user.email, key))
    error = api_error(response, 403, "MISSING_SCOPE")
    assert error["accepted_scopes"] == ["users:read"]
    assert response.headers["X-Accepted-Scopes"] == "users:read"


def test_a_key_from_before_scopes_keeps_its_powers(
    app: Flask, client: FlaskClient, user: Account
) -> None:
    key = scoped_key(client, (user.email, user.key), "profile:read")
    with app.app_context(), db.engine().begin() as connection:
        connection.execute(text("UPDATE api_keys SET scopes = NULL WHERE name = 'CI'"))
    api_ok(client.get(f"{API}/users", auth=(user.email, key)))
    api_error(create_key(client, (user.email, key), "more"), 403, "PRIMARY_KEY_REQUIRED")


def test_narrowing_a_key_in_the_database_holds_on_the_next_call(
    app: Flask, client: FlaskClient, user: Account
) -> None:
    key = scoped_key(client, (user.email, user.key), "users:read", "profile:read")
    api_ok(client.get(f"{API}/users", auth=(user.email, key)))  # now a verified key
    with app.app_context(), db.engine().begin() as connection:
        connection.execute(text("UPDATE api_keys SET scopes = 'profile:read' WHERE name = 'CI'"))
    api_error(client.get(f"{API}/users", auth=(user.email, key)), 403, "MISSING_SCOPE")


def test_the_deployment_names_the_platforms_scopes(make_app: Callable[..., Flask]) -> None:
    app = make_app(PLATFORM_SCOPES=["tickets:write"])
    user = MakeUser(app)()
    client = app.test_client()
    made = create_key(client, (user.email, user.key), "CI", scopes="tickets:write")
    assert api_ok(made)["scopes"] == ["tickets:write"]
    refused = create_key(client, (user.email, user.key), "CI2", scopes="messages:write")
    assert "messages:write" in str(api_error(refused, 400, "BAD_REQUEST")["msg"])


@pytest.mark.parametrize("configured", [["Tickets Write"], ["tickets"], "tickets:write"])
def test_a_badly_named_platform_scope_stops_the_start(
    make_app: Callable[..., Flask], configured: object
) -> None:
    with pytest.raises(RuntimeError, match="PLATFORM_SCOPES"):
        make_app(PLATFORM_SCOPES=configured)
