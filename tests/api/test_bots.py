"""The API for bots: Zulip's shapes, the same rules as the Your bots page."""

from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.helpers.api import API, api_create_bot, api_error, api_me, api_ok
from tests.helpers.users import Account, MakeUser


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


def test_the_bot_limit_holds_and_names_no_argument(
    make_app: Callable[..., Flask], make_user: MakeUser
) -> None:
    client = make_app(MAX_BOTS_PER_USER=1).test_client()
    owner = make_user()
    api_ok(api_create_bot(client, owner, "A", "a"))
    body = api_error(api_create_bot(client, owner, "B", "b"), 400, "BAD_REQUEST")
    assert "var_name" not in body
    assert str(body["msg"]) == "You already have 1 active bot, the most allowed."


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
