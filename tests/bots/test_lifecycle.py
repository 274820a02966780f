"""Your bots: deactivating and reactivating a bot, and what the owner's own account does to them."""

from flask import Flask
from flask.testing import FlaskClient

from tests.helpers.admin import audit_types
from tests.helpers.api import api_me
from tests.helpers.users import Account
from tests.helpers.web import BOTS, create_bot, log_in, post_form

# Deactivation


def test_deactivating_asks_to_confirm_first(logged_in: FlaskClient) -> None:
    bot = create_bot(logged_in)
    page = logged_in.get(f"{BOTS}/{bot.id}/deactivate").get_data(as_text=True)
    assert "Deactivate Weather Bot?" in page
    assert api_me(logged_in, bot.email, bot.key).status_code == 200


def test_a_deactivated_bot_is_refused_by_the_api_and_listed_inactive(
    logged_in: FlaskClient,
) -> None:
    bot = create_bot(logged_in)
    response = post_form(logged_in, BOTS, {}, action=f"{BOTS}/{bot.id}/deactivate")
    assert response.location == BOTS
    refused = api_me(logged_in, bot.email, bot.key)
    assert refused.status_code == 401 and refused.get_json()["msg"] == "Account is deactivated"
    page = logged_in.get(BOTS).get_data(as_text=True)
    inactive = page.split('id="inactive-bots-heading"')[1]
    assert "Weather Bot" in inactive and "Reactivate" in inactive
    assert "You have no active bots." in page


def test_deactivating_twice_is_harmless(app: Flask, logged_in: FlaskClient) -> None:
    bot = create_bot(logged_in)
    for _ in range(2):
        response = post_form(logged_in, BOTS, {}, action=f"{BOTS}/{bot.id}/deactivate")
        assert response.status_code == 302
    assert audit_types(app).count("bot_deactivated") == 1


def test_reactivating_brings_back_the_same_key(logged_in: FlaskClient) -> None:
    bot = create_bot(logged_in)
    post_form(logged_in, BOTS, {}, action=f"{BOTS}/{bot.id}/deactivate")
    response = post_form(logged_in, BOTS, {}, action=f"{BOTS}/{bot.id}/reactivate")
    assert response.location == BOTS
    assert api_me(logged_in, bot.email, bot.key).status_code == 200
    assert "active again" in logged_in.get(BOTS).get_data(as_text=True)


# The owner's account


def test_deactivating_the_owner_deactivates_their_bots(
    app: Flask, logged_in: FlaskClient, user: Account
) -> None:
    made = [create_bot(logged_in, username=name) for name in ("one", "two")]
    result = app.test_cli_runner().invoke(args=["users", "deactivate", user.email])
    assert result.exit_code == 0, result.output
    assert "2 of their bots" in result.output
    for bot in made:
        assert api_me(logged_in, bot.email, bot.key).status_code == 401
    assert api_me(logged_in, user.email, user.key).status_code == 401


def test_reactivating_the_owner_leaves_the_bots_inactive(
    app: Flask, logged_in: FlaskClient, user: Account
) -> None:
    bot = create_bot(logged_in)
    runner = app.test_cli_runner()
    runner.invoke(args=["users", "deactivate", user.email])
    result = runner.invoke(args=["users", "reactivate", user.email])
    assert result.exit_code == 0, result.output
    assert api_me(logged_in, user.email, user.key).status_code == 200
    assert api_me(logged_in, bot.email, bot.key).status_code == 401


def test_the_cli_refuses_unknown_users_and_bots(app: Flask, logged_in: FlaskClient) -> None:
    bot = create_bot(logged_in)
    runner = app.test_cli_runner()
    for email in ("nobody@example.com", bot.email):
        result = runner.invoke(args=["users", "deactivate", email])
        assert result.exit_code != 0
        assert "No human user has the email" in result.output


def test_bot_events_appear_in_the_owners_security_log(logged_in: FlaskClient) -> None:
    bot = create_bot(logged_in)
    logged_in.get(f"{BOTS}/{bot.id}/key")
    page = logged_in.get("/settings/account").get_data(as_text=True)
    assert "Bot created: Weather Bot" in page
    assert "API key shown: Weather Bot" in page


def test_the_cascade_shows_in_the_owners_security_log(
    app: Flask, logged_in: FlaskClient, user: Account
) -> None:
    create_bot(logged_in)
    runner = app.test_cli_runner()
    runner.invoke(args=["users", "deactivate", user.email])
    runner.invoke(args=["users", "reactivate", user.email])
    log_in(logged_in, user.email)
    page = logged_in.get("/settings/account").get_data(as_text=True)
    assert "Bot deactivated: Weather Bot" in page
    assert "Account deactivated" in page
