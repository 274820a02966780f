"""Your bots: adding a bot, the names it may have, and the limit on active bots."""

from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.bots import lifecycle
from app.core import db
from app.core.models import User
from tests.helpers.admin import audit_types, count_users
from tests.helpers.api import api_me
from tests.helpers.users import MakeUser
from tests.helpers.web import (
    BOTS,
    create_bot,
    csrf_token,
    key_in,
    log_in,
    post_form,
    submit_bot_form,
)

# Creating bots


def test_a_new_bot_gets_a_bot_key_shown_at_once(app: Flask, logged_in: FlaskClient) -> None:
    response = submit_bot_form(logged_in, full_name=" Weather Bot ")
    page = response.get_data(as_text=True)
    key = key_in(page)
    assert key.startswith("kfb_")
    assert "weather-bot@localhost" in page
    assert response.headers["Cache-Control"] == "no-store"
    response = api_me(logged_in, "weather-bot@localhost", key)
    assert response.status_code == 200
    me = response.get_json()
    assert me["is_bot"] is True and me["full_name"] == "Weather Bot"
    assert audit_types(app)[-1] == "bot_created"


def test_the_bot_domain_is_configurable(
    make_app: Callable[..., Flask], make_user: MakeUser
) -> None:
    app = make_app(BOT_EMAIL_DOMAIN="Bots.Example.org")
    owner = make_user()
    client = app.test_client()
    log_in(client, owner.email)
    assert create_bot(client).email == "weather-bot@bots.example.org"


def test_the_bot_domain_defaults_to_the_site_urls_host(
    make_app: Callable[..., Flask], make_user: MakeUser
) -> None:
    app = make_app(SITE_URL="https://chat.example.com:8443/")
    owner = make_user()
    client = app.test_client()
    log_in(client, owner.email)
    assert create_bot(client).email == "weather-bot@chat.example.com"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"full_name": ""}, "This field is required."),
        ({"full_name": "    "}, "Enter a name for the bot."),
        ({"full_name": "x" * 101}, "Use at most 100 characters."),
        ({"full_name": "Bad\x07Name"}, "Remove the control characters."),
        ({"username": ""}, "This field is required."),
        ({"username": "Weather"}, "Use 1 to 40 lower-case letters, digits and hyphens."),
        ({"username": "weather_bot"}, "Use 1 to 40 lower-case letters, digits and hyphens."),
        ({"username": "w" * 41}, "Use 1 to 40 lower-case letters, digits and hyphens."),
        ({"username": "wéather"}, "Use 1 to 40 lower-case letters, digits and hyphens."),
    ],
)
def test_bad_bot_input_is_a_form_error(
    app: Flask, logged_in: FlaskClient, fields: dict[str, str], message: str
) -> None:
    page = submit_bot_form(logged_in, **fields).get_data(as_text=True)
    assert message in page
    assert 'class="key"' not in page
    assert count_users(app, User.is_bot.is_(True)) == 0


def test_the_longest_allowed_names_are_accepted(logged_in: FlaskClient) -> None:
    bot = create_bot(logged_in, full_name="x" * 100, username="a-1" + "b" * 37)
    assert bot.email.startswith("a-1" + "b" * 37 + "-bot@")


def test_a_taken_username_is_a_form_error(
    app: Flask, logged_in: FlaskClient, make_user: MakeUser
) -> None:
    create_bot(logged_in)
    page = submit_bot_form(logged_in).get_data(as_text=True)
    assert "A bot or user with this email already exists." in page
    other = app.test_client()
    log_in(other, make_user().email)
    page = submit_bot_form(other).get_data(as_text=True)
    assert "A bot or user with this email already exists." in page
    assert count_users(app, User.is_bot.is_(True)) == 1


def test_a_bot_cannot_own_bots(app: Flask, logged_in: FlaskClient) -> None:
    made = create_bot(logged_in)
    with app.test_request_context():
        session = db.session()
        bot = session.get_one(User, made.id)
        with pytest.raises(lifecycle.InvalidBot, match="Bots cannot own bots") as refused:
            lifecycle.create(session, bot, "Child", "child")
    assert refused.value.field == "owner"


# The limit on active bots


def test_the_active_bot_limit_holds(make_app: Callable[..., Flask], make_user: MakeUser) -> None:
    app = make_app(MAX_BOTS_PER_USER=2)
    client = app.test_client()
    log_in(client, make_user().email)
    create_bot(client, username="one")
    create_bot(client, username="two")
    page = submit_bot_form(client, username="three").get_data(as_text=True)
    assert "You already have 2 active bots, the most allowed." in page
    assert count_users(app, User.is_bot.is_(True)) == 2


def test_inactive_bots_do_not_count_but_reactivation_respects_the_limit(
    make_app: Callable[..., Flask], make_user: MakeUser
) -> None:
    app = make_app(MAX_BOTS_PER_USER=1)
    client = app.test_client()
    log_in(client, make_user().email)
    first = create_bot(client, username="one")
    post_form(client, BOTS, {}, action=f"{BOTS}/{first.id}/deactivate")
    create_bot(client, username="two")
    post_form(client, BOTS, {}, action=f"{BOTS}/{first.id}/reactivate")
    assert "You already have 1 active bot, the most allowed." in client.get(BOTS).get_data(
        as_text=True
    )
    assert api_me(client, first.email, first.key).status_code == 401


def test_the_limit_error_stands_above_the_form(
    make_app: Callable[..., Flask], make_user: MakeUser
) -> None:
    app = make_app(MAX_BOTS_PER_USER=1)
    client = app.test_client()
    log_in(client, make_user().email)
    create_bot(client, username="one")
    page = submit_bot_form(client, username="two").get_data(as_text=True)
    assert '<p class="field-error" role="alert">You already have 1 active bot' in page
    assert 'aria-invalid="true"' not in page


# Odd input is a form error, never a crash or a strange bot


@pytest.mark.parametrize("name", ["\u200b", "Evil\u202eBot", "\ufeffBot"])
def test_invisible_characters_in_a_name_are_refused(
    app: Flask, logged_in: FlaskClient, name: str
) -> None:
    page = submit_bot_form(logged_in, full_name=name).get_data(as_text=True)
    assert "Remove the control characters." in page
    assert count_users(app, User.is_bot.is_(True)) == 0


@pytest.mark.parametrize("host", ["evil..example", "x" * 300 + ".example", "[::1]:5000"])
def test_an_odd_host_header_cannot_pick_a_strange_bot_domain(
    logged_in: FlaskClient, host: str
) -> None:
    token = csrf_token(logged_in.get(BOTS))
    response = logged_in.post(
        BOTS,
        data={"full_name": "Host", "username": "host", "csrf_token": token},
        headers={"Host": host},
    )
    page = response.get_data(as_text=True)
    assert response.status_code in (200, 400)  # werkzeug refuses hosts it cannot encode
    assert "host-bot@localhost" in page or response.status_code == 400


def test_a_json_body_is_a_form_error_not_a_crash(app: Flask, logged_in: FlaskClient) -> None:
    token = csrf_token(logged_in.get(BOTS))
    for body in ({"full_name": 123, "username": "x"}, [1, 2], "text"):
        response = logged_in.post(BOTS, json=body, headers={"X-CSRFToken": token})
        assert response.status_code == 200
        assert "This field is required." in response.get_data(as_text=True)
    assert count_users(app, User.is_bot.is_(True)) == 0
