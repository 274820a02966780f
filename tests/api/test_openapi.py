"""The OpenAPI document is the API's contract: real responses match it, and fuzzing finds no 500."""

import re
from typing import Any

import pytest
import schemathesis
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from werkzeug.test import TestResponse

from app.people import roles
from tests.helpers.api import API, api_create_bot, api_me
from tests.helpers.openapi import DOCUMENT, assert_matches
from tests.helpers.users import PASSWORD, Account

# A line of `flask api-routes`: endpoint, methods (without HEAD and OPTIONS), rule.
ROUTE_LINE = re.compile(
    r"^(?P<endpoint>\S+) +(?:(?P<methods>[A-Z]+(?:, [A-Z]+)*) +)?(?P<rule>/\S*)$"
)


def test_the_document_is_served(client: FlaskClient) -> None:
    response = client.get(f"{API}/openapi.json")
    assert response.get_json() == DOCUMENT
    assert DOCUMENT["openapi"].startswith("3.1")


def test_every_endpoint_is_documented(app: Flask) -> None:
    listed = app.test_cli_runner().invoke(args=["api-routes"])  # as an operator lists them
    assert listed.exit_code == 0, listed.output
    lines = [ROUTE_LINE.match(line) for line in listed.output.splitlines()]
    assert all(lines), listed.output
    rules = {
        (re.sub(r"<int:(\w+)>", r"{\1}", line["rule"].removeprefix(API)), method.lower())
        for line in lines
        if line and line["rule"].startswith(API + "/")
        for method in (line["methods"] or "").split(", ")
        if method
    }
    documented = {(path, method) for path, item in DOCUMENT["paths"].items() for method in item}
    assert rules == documented


def test_real_responses_match_the_document(client: FlaskClient, user: Account) -> None:
    auth = (user.email, user.key)
    assert_matches("/server_settings", "get", client.get(f"{API}/server_settings"))
    assert_matches(
        "/fetch_api_key",
        "post",
        client.post(f"{API}/fetch_api_key", data={"username": user.email, "password": PASSWORD}),
    )
    assert_matches(
        "/fetch_api_key",
        "post",
        client.post(f"{API}/fetch_api_key", data={"username": user.email, "password": "wrong"}),
    )
    assert_matches("/fetch_api_key", "post", client.post(f"{API}/fetch_api_key", data={}))
    assert_matches("/users/me", "get", api_me(client, user.email, user.key))
    assert_matches("/users/me", "get", client.get(f"{API}/users/me"))
    created = api_create_bot(client, user, "C", "c")
    assert_matches("/bots", "post", created)
    bot = created.get_json()
    assert_matches("/users/me", "get", api_me(client, bot["email"], bot["api_key"]))
    assert_matches("/bots", "get", client.get(f"{API}/bots", auth=auth))
    assert_matches("/bots", "get", client.get(f"{API}/bots", auth=(bot["email"], bot["api_key"])))
    assert_matches("/bots", "post", client.post(f"{API}/bots", data={}, auth=auth))
    bot_path = f"{API}/bots/{bot['user_id']}"
    assert_matches(
        "/bots/{bot_id}/api_key/regenerate",
        "post",
        client.post(f"{bot_path}/api_key/regenerate", auth=auth),
    )
    assert_matches("/bots/{bot_id}", "delete", client.delete(bot_path, auth=auth))
    assert_matches(
        "/bots/{bot_id}/reactivate", "post", client.post(f"{bot_path}/reactivate", auth=auth)
    )
    assert_matches("/bots/{bot_id}", "delete", client.delete(f"{API}/bots/999999", auth=auth))
    assert_matches(
        "/users/me/api_key/regenerate",
        "post",
        client.post(f"{API}/users/me/api_key/regenerate", auth=auth),
    )


def test_a_rate_limited_response_matches_the_document(client: FlaskClient, user: Account) -> None:
    for _ in range(6):
        response = client.post(
            f"{API}/fetch_api_key", data={"username": user.email, "password": "wrong"}
        )
    assert response.status_code == 429
    assert_matches("/fetch_api_key", "post", response)


# Fuzzing: schemathesis generates requests from the document; none may get a 500.
fuzz_schema = schemathesis.openapi.from_dict(DOCUMENT)


@pytest.fixture
def fuzz_credentials(live_server: str, make_user: Any) -> dict[str, Any]:
    owner = make_user("fuzz@example.com")
    return {"base_url": live_server + API, "auth": (owner.email, owner.key)}


@fuzz_schema.parametrize()
@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_fuzzing_finds_no_server_error(case: Any, fuzz_credentials: dict[str, Any]) -> None:
    case.call_and_validate(
        base_url=fuzz_credentials["base_url"],
        auth=fuzz_credentials["auth"],
        checks=[not_a_server_error],
        timeout=10,
    )


def test_key_responses_match_the_document(client: FlaskClient, user: Account) -> None:
    auth = (user.email, user.key)
    own, one = "/users/me/keys", "/users/me/keys/{key_id}"
    created = client.post(f"{API}{own}", data={"name": "ci", "expires_in_days": 30}, auth=auth)
    assert_matches(own, "post", created)
    assert_matches(own, "post", client.post(f"{API}{own}", data={"name": ""}, auth=auth))
    assert_matches(own, "get", client.get(f"{API}{own}", auth=auth))
    key_id = created.get_json()["id"]
    assert_matches(one, "delete", client.delete(f"{API}{own}/{key_id}", auth=auth))
    assert_matches(one, "delete", client.delete(f"{API}{own}/{key_id}", auth=auth))
    primary = client.get(f"{API}{own}", auth=auth).get_json()["keys"][0]["id"]
    assert_matches(one, "delete", client.delete(f"{API}{own}/{primary}", auth=auth))
    bot = api_create_bot(client, user, "C", "c").get_json()
    bot_keys, bot_one = "/bots/{bot_id}/keys", "/bots/{bot_id}/keys/{key_id}"
    path = f"{API}/bots/{bot['user_id']}/keys"
    made = client.post(path, json={"name": "ci"}, auth=auth)
    assert_matches(bot_keys, "post", made)
    assert_matches(bot_keys, "get", client.get(path, auth=auth))
    assert_matches(bot_keys, "get", client.get(path, auth=(bot["email"], bot["api_key"])))
    assert_matches(bot_keys, "get", client.get(f"{API}/bots/999999/keys", auth=auth))
    assert_matches(bot_one, "delete", client.delete(f"{path}/{made.get_json()['id']}", auth=auth))


def test_rotation_responses_match_the_document(client: FlaskClient, user: Account) -> None:
    own, bot_path = "/users/me/api_key/regenerate", "/bots/{bot_id}/api_key/regenerate"

    def roll(key: str, idempotency_key: str = "k", **data: object) -> TestResponse:
        headers = {"Idempotency-Key": idempotency_key}
        return client.post(f"{API}{own}", data=data, headers=headers, auth=(user.email, key))

    rolled = roll(user.key, grace_seconds=60)
    assert_matches(own, "post", rolled)
    new = rolled.get_json()["api_key"]
    for response, status in (
        (roll(new, grace_seconds=5), 422),
        (roll(new, grace_seconds=-1), 400),
        (newest := roll(new, "other"), 200),  # no grace: the key that asked dies at once
        (roll(new, "other"), 401),
        (roll(newest.get_json()["api_key"], grace_seconds=60), 409),  # "k" was superseded
    ):
        assert response.status_code == status
        assert_matches(own, "post", response)
    newest_key = newest.get_json()["api_key"]
    made = client.post(
        f"{API}/bots", data={"full_name": "C", "short_name": "c"}, auth=(user.email, newest_key)
    )
    bot = made.get_json()
    response = client.post(
        f"{API}/bots/{bot['user_id']}/api_key/regenerate",
        data={"grace_seconds": 60},
        headers={"Idempotency-Key": "bot"},
        auth=(user.email, newest_key),
    )
    assert_matches(bot_path, "post", response)


def test_a_named_keys_refusal_matches_the_document(client: FlaskClient, user: Account) -> None:
    made = client.post(f"{API}/users/me/keys", data={"name": "ci"}, auth=(user.email, user.key))
    named = (user.email, made.get_json()["api_key"])
    refused = client.post(f"{API}/users/me/api_key/regenerate", auth=named)
    assert refused.status_code == 403
    assert_matches("/users/me/api_key/regenerate", "post", refused)


def test_organization_responses_match_the_document(
    client: FlaskClient, user: Account, make_user: Any
) -> None:
    admin = make_user(role=roles.ADMINISTRATOR)
    bot = api_create_bot(client, user, "Hook", "hook", 2).get_json()
    as_admin, as_member = (admin.email, admin.key), (user.email, user.key)
    one, back = "/users/{user_id}", "/users/{user_id}/reactivate"
    assert_matches("/users", "get", client.get(f"{API}/users", auth=as_admin))
    assert_matches("/users", "get", client.get(f"{API}/users", auth=as_member))
    hook = (bot["email"], bot["api_key"])
    assert_matches("/users", "get", client.get(f"{API}/users", auth=hook))
    assert_matches("/bots", "get", client.get(f"{API}/bots", auth=as_member))
    for who, user_id in ((as_admin, bot["user_id"]), (as_member, bot["user_id"]), (as_member, 1)):
        assert_matches(one, "get", client.get(f"{API}/users/{user_id}", auth=who))
    assert_matches(one, "get", client.get(f"{API}/users/999999", auth=as_member))
    path = f"{API}/bots/{bot['user_id']}"
    assert_matches(
        "/bots/{bot_id}", "patch", client.patch(path, json={"full_name": "H"}, auth=as_member)
    )
    assert_matches(
        "/bots/{bot_id}", "patch", client.patch(path, json={"bot_owner_id": 0}, auth=as_member)
    )
    assert_matches("/bots/{bot_id}", "patch", client.patch(path, auth=hook))
    assert_matches(one, "delete", client.delete(f"{API}/users/{bot['user_id']}", auth=as_member))
    assert_matches(one, "delete", client.delete(f"{API}/users/{user.id}", auth=as_admin))
    assert_matches(back, "post", client.post(f"{API}/users/{user.id}/reactivate", auth=as_admin))
    assert_matches(back, "post", client.post(f"{API}/users/{admin.id}/reactivate", auth=as_member))
