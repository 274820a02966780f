"""Bot types (Zulip's): chosen at creation on the page or through the API, shown on the card,
answered by the API; an incoming-webhook bot's key reaches nothing in Keyfob but users/me."""

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.bots import types as bot_types
from tests.helpers.admin_api import api_routes, call, new_bot
from tests.helpers.api import API, api_create_bot, api_error, api_me, api_ok
from tests.helpers.users import Account
from tests.helpers.web import BOTS, field_error, submit_bot_form

# The routes an incoming-webhook bot's key may call: users/me, and those that take no key.
OPEN_TO_WEBHOOK_BOTS = {
    "api.users_me",
    "api.server_settings",
    "api.fetch_api_key",
    "api.openapi",
    "api.revoke_reported_keys",
    "api.github_report",
    "api.forward_auth",  # asked by a proxy: tests/gateway say what it lets a webhook bot do
}


def test_the_form_offers_both_types_generic_first(logged_in: FlaskClient) -> None:
    page = logged_in.get(BOTS).get_data(as_text=True)
    assert '<option selected value="1">Generic</option>' in page
    assert '<option value="2">Incoming webhook</option>' in page


def test_a_webhook_bot_made_on_the_page_is_one(logged_in: FlaskClient, user: Account) -> None:
    page = submit_bot_form(logged_in, bot_type="2").get_data(as_text=True)
    assert '<dd class="bot-type">Incoming webhook</dd>' in page
    bots = api_ok(logged_in.get(f"{API}/bots", auth=(user.email, user.key)))["bots"]
    assert isinstance(bots, list) and bots[0]["bot_type"] == bot_types.INCOMING_WEBHOOK


def test_the_card_says_generic_by_default(logged_in: FlaskClient) -> None:
    page = submit_bot_form(logged_in).get_data(as_text=True)
    assert '<dd class="bot-type">Generic</dd>' in page


@pytest.mark.parametrize("value", ["3", "0", "x", ""])
def test_another_type_on_the_page_is_a_field_error(logged_in: FlaskClient, value: str) -> None:
    response = submit_bot_form(logged_in, bot_type=value)
    assert field_error(response, "bot_type") == "Choose one of the offered bot types."
    assert 'class="card bot"' not in response.get_data(as_text=True)


def test_the_api_makes_the_type_asked_for(client: FlaskClient, user: Account) -> None:
    hook = new_bot(client, user, "hook", bot_types.INCOMING_WEBHOOK)
    plain = api_ok(api_create_bot(client, user, "Plain", "plain"))
    listed = api_ok(client.get(f"{API}/bots", auth=(user.email, user.key)))["bots"]
    assert isinstance(listed, list)
    types = {bot["user_id"]: bot["bot_type"] for bot in listed}
    assert types == {hook.id: 2, plain["user_id"]: 1}


@pytest.mark.parametrize("value", ["3", "4", "0", "generic", "1.0"])
def test_another_type_through_the_api_is_a_400_naming_it(
    client: FlaskClient, user: Account, value: str
) -> None:
    body = api_error(api_create_bot(client, user, "Odd", "odd", value), 400, "BAD_REQUEST")
    assert body["var_name"] == "bot_type"


@pytest.mark.parametrize("bot_type", [bot_types.GENERIC, bot_types.INCOMING_WEBHOOK])
def test_users_me_answers_the_type(client: FlaskClient, user: Account, bot_type: int) -> None:
    bot = new_bot(client, user, "me", bot_type)
    assert api_ok(api_me(client, bot.email, bot.key))["bot_type"] == bot_type


def test_a_webhook_bot_is_refused_on_every_other_keyed_route(
    app: Flask, client: FlaskClient, user: Account
) -> None:
    hook = new_bot(client, user, "hook", bot_types.INCOMING_WEBHOOK)
    tried = 0
    for endpoint, method, path in api_routes(app):
        if endpoint in OPEN_TO_WEBHOOK_BOTS:
            continue
        response = call(client, method, path.replace("/1", f"/{hook.id}"), (hook.email, hook.key))
        api_error(response, 403, "INCOMING_WEBHOOK_BOT")
        tried += 1
    assert tried >= 14
    assert api_ok(api_me(client, hook.email, hook.key))["user_id"] == hook.id
    assert client.get(f"{API}/server_settings").status_code == 200


def test_a_generic_bot_is_not_refused_as_a_webhook_bot(
    app: Flask, client: FlaskClient, user: Account
) -> None:
    bot = new_bot(client, user, "plain")
    for endpoint, method, path in api_routes(app):
        if endpoint in OPEN_TO_WEBHOOK_BOTS or endpoint == "api.regenerate_own_key":
            continue
        response = call(client, method, path.replace("/1", f"/{bot.id}"), (bot.email, bot.key))
        assert response.get_json().get("code") != "INCOMING_WEBHOOK_BOT", (method, path)
    api_ok(client.get(f"{API}/users", auth=(bot.email, bot.key)))


def test_a_generic_bot_regenerates_its_own_key_a_webhook_bot_cannot(
    client: FlaskClient, user: Account
) -> None:
    plain = new_bot(client, user, "plain")
    hook = new_bot(client, user, "hook", bot_types.INCOMING_WEBHOOK)
    regenerate = f"{API}/users/me/api_key/regenerate"
    assert str(api_ok(client.post(regenerate, auth=(plain.email, plain.key)))["api_key"])
    api_error(client.post(regenerate, auth=(hook.email, hook.key)), 403, "INCOMING_WEBHOOK_BOT")
    assert api_me(client, hook.email, hook.key).status_code == 200  # its key still works
