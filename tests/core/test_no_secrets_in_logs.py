"""A whole session of key handling writes no key and no password to any log."""

import logging

import pytest
from flask.testing import FlaskClient

from tests.helpers.api import api_me
from tests.helpers.users import PASSWORD, Account
from tests.helpers.web import create_bot, csrf_token, key_in, log_in, post_form, reauthenticate


def test_no_key_or_password_reaches_the_logs(
    client: FlaskClient, user: Account, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    log_in(client, user.email, "a wrong password")
    log_in(client, user.email)
    reauthenticate(client, "another wrong one")
    reauthenticate(client)
    client.get("/settings/account/api-key")
    client.get("/settings/account/api-key/zuliprc")
    post_form(client, "/settings/account/api-key/regenerate", {})
    page = client.get("/settings/account/api-key").get_data(as_text=True)
    new_key = key_in(page)
    api_me(client, user.email, user.key)
    api_me(client, user.email, new_key)
    for _ in range(6):
        reauthenticate(client, "guessing")
    client.post("/logout", data={"csrf_token": csrf_token(client.get("/settings/account"))})

    logged = caplog.text + "\n".join(str(record.__dict__) for record in caplog.records)
    assert caplog.records, "the flow logged nothing, so this test would prove nothing"
    for secret in (user.key, new_key, PASSWORD, "a wrong password", "guessing"):
        assert secret not in logged


def test_no_bot_key_reaches_the_logs(
    logged_in: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    bot = create_bot(logged_in)
    logged_in.get(f"/settings/bots/{bot.id}/key")
    logged_in.get(f"/settings/bots/{bot.id}/zuliprc")
    post_form(logged_in, "/settings/bots", {}, action=f"/settings/bots/{bot.id}/regenerate")
    new_key = key_in(logged_in.get(f"/settings/bots/{bot.id}/key").get_data(as_text=True))
    api_me(logged_in, bot.email, bot.key)
    api_me(logged_in, bot.email, new_key)
    logged_in.post("/api/v1/users/me/api_key/regenerate", auth=(bot.email, new_key))
    logged = caplog.text + "\n".join(str(record.__dict__) for record in caplog.records)
    assert caplog.records
    for secret in (bot.key, new_key):
        assert secret not in logged
