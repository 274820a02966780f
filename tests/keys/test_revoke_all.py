"""Revoke all my keys: every key of the user and their bots replaced, every other login
session signed out, this one kept; and the same for an operator, from the command line."""

from flask import Flask
from flask.testing import FlaskClient

from tests.helpers.admin import audit_events
from tests.helpers.api import api_me
from tests.helpers.keys import REVOKE_ALL, create_named_key
from tests.helpers.users import Account
from tests.helpers.web import (
    KEY_PAGE,
    KEY_REGENERATE,
    create_bot,
    csrf_token,
    key_in,
    log_in,
    password_step_for,
    post_form,
)


def test_it_needs_the_password_step(logged_in: FlaskClient, user: Account) -> None:
    assert logged_in.get(REVOKE_ALL).location == password_step_for(
        logged_in.application, REVOKE_ALL
    )
    token = csrf_token(logged_in.get("/settings/account"))
    assert logged_in.post(REVOKE_ALL, data={"csrf_token": token}).location == KEY_PAGE
    assert api_me(logged_in, user.email, user.key).status_code == 200


def test_it_asks_to_confirm(reauthed: FlaskClient) -> None:
    page = reauthed.get(REVOKE_ALL).get_data(as_text=True)
    assert "Revoke all your keys?" in page and "Confirm" in page and "Cancel" in page


def test_every_old_key_is_refused_afterwards(reauthed: FlaskClient, user: Account) -> None:
    bot = create_bot(reauthed)
    named = create_named_key(reauthed)
    bot_named = create_named_key(reauthed, bot.id)
    post_form(reauthed, KEY_REGENERATE, {"grace": "86400"})
    rolled_new = key_in(reauthed.get(KEY_PAGE).get_data(as_text=True))
    assert post_form(reauthed, REVOKE_ALL, {}).location == "/settings/account"
    for email, key in (
        (user.email, user.key),  # rolled, in its overlap
        (user.email, rolled_new),
        (user.email, named.key),
        (bot.email, bot.key),
        (bot.email, bot_named.key),
    ):
        assert api_me(reauthed, email, key).status_code == 401


def test_new_primary_keys_replace_them(reauthed: FlaskClient, user: Account) -> None:
    bot = create_bot(reauthed)
    post_form(reauthed, REVOKE_ALL, {})
    own = key_in(reauthed.get(KEY_PAGE).get_data(as_text=True))
    bots_key = key_in(reauthed.get(f"/settings/bots/{bot.id}/key").get_data(as_text=True))
    assert own != user.key and bots_key != bot.key
    assert api_me(reauthed, user.email, own).status_code == 200
    assert api_me(reauthed, bot.email, bots_key).status_code == 200


def test_this_session_stays_and_the_others_are_signed_out(
    app: Flask, reauthed: FlaskClient, user: Account
) -> None:
    other = app.test_client()
    log_in(other, user.email)
    assert other.get("/settings/account").status_code == 200
    post_form(reauthed, REVOKE_ALL, {})
    assert reauthed.get("/settings/account").status_code == 200
    assert other.get("/settings/account").status_code == 302


def test_it_is_in_the_security_log(reauthed: FlaskClient, app: Flask, user: Account) -> None:
    post_form(reauthed, REVOKE_ALL, {})
    event = audit_events(app)[-1]
    assert (event.event_type, event.actor_id, event.subject_user_id) == (
        "all_keys_revoked",
        user.id,
        user.id,
    )
    assert "All API keys revoked" in reauthed.get("/settings/account").get_data(as_text=True)


def test_an_operator_can_revoke_all_from_the_command_line(
    app: Flask, logged_in: FlaskClient, user: Account
) -> None:
    bot = create_bot(logged_in)
    result = app.test_cli_runner().invoke(args=["keys", "revoke-all", user.email])
    assert result.exit_code == 0, result.output
    assert user.key not in result.output
    assert api_me(logged_in, user.email, user.key).status_code == 401
    assert api_me(logged_in, bot.email, bot.key).status_code == 401
    assert logged_in.get("/settings/account").status_code == 302
    event = audit_events(app)[-1]
    assert (event.event_type, event.actor_id) == ("all_keys_revoked", None)


def test_the_command_line_refuses_an_unknown_email(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["keys", "revoke-all", "nobody@example.com"])
    assert result.exit_code != 0 and "No human user" in result.output
