"""Your bots: creating bots, their keys and rc files, deactivation, and who may touch them."""

import tomllib
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event

from app import bots, db
from app.models import User
from tests.helpers.admin import audit_events, audit_types, count_users
from tests.helpers.api import api_me
from tests.helpers.users import PASSWORD, Account, MakeUser
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


def test_a_bot_cannot_own_bots(app: Flask, logged_in: FlaskClient) -> None:
    made = create_bot(logged_in)
    with app.test_request_context():
        session = db.session()
        bot = session.get_one(User, made.id)
        with pytest.raises(bots.InvalidBot, match="owner"):
            bots.create(session, bot, "Child", "child")


# The list


def test_empty_lists_say_so(logged_in: FlaskClient) -> None:
    page = logged_in.get(BOTS).get_data(as_text=True)
    assert "You have no active bots." in page
    assert "You have no inactive bots." in page


def test_the_list_shows_hints_but_never_a_full_key(logged_in: FlaskClient) -> None:
    made = [create_bot(logged_in, username=name) for name in ("alpha", "beta", "gamma")]
    response = logged_in.get(BOTS)
    page = response.get_data(as_text=True)
    for bot in made:
        assert bot.key not in page
        assert "••••" + bot.key[-4:] in page
        assert bot.email in page
    assert "never used" in page


def test_the_list_page_runs_a_fixed_number_of_queries(
    app: Flask, logged_in: FlaskClient, user: Account
) -> None:
    def queries_for_list_page() -> int:
        statements: list[str] = []
        engine = app.extensions["keyfob.engine"]

        def count(*_args: object) -> None:
            statements.append("query")

        event.listen(engine, "before_cursor_execute", count)
        try:
            assert logged_in.get(BOTS).status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", count)
        return len(statements)

    def add_bots(number: int) -> None:
        with app.test_request_context():
            session = db.session()
            owner = session.get_one(User, user.id)
            start = count_users(app, User.is_bot.is_(True))
            for index in range(start, start + number):
                bots.create(session, owner, f"Bot {index}", f"bot{index}")
            session.commit()

    add_bots(1)
    with_one = queries_for_list_page()
    add_bots(49)
    assert "Bot 49" in logged_in.get(BOTS).get_data(as_text=True)
    assert queries_for_list_page() == with_one


# Keys and rc files


def test_show_key_reveals_it_audited_and_uncached(app: Flask, logged_in: FlaskClient) -> None:
    bot = create_bot(logged_in)
    response = logged_in.get(f"{BOTS}/{bot.id}/key")
    assert key_in(response.get_data(as_text=True)) == bot.key
    assert response.headers["Cache-Control"] == "no-store"
    last = audit_events(app)[-1]
    assert (last.event_type, last.subject_user_id) == ("api_key_revealed", bot.id)


def test_regenerating_asks_to_confirm_first(logged_in: FlaskClient) -> None:
    bot = create_bot(logged_in)
    page = logged_in.get(f"{BOTS}/{bot.id}/regenerate").get_data(as_text=True)
    assert "Any script or integration still using the old key will stop working." in page
    assert api_me(logged_in, bot.email, bot.key).status_code == 200


def test_regenerating_replaces_the_bots_key(app: Flask, logged_in: FlaskClient) -> None:
    bot = create_bot(logged_in)
    response = post_form(logged_in, BOTS, {}, action=f"{BOTS}/{bot.id}/regenerate")
    assert response.location == f"{BOTS}/{bot.id}/key"
    new_key = key_in(logged_in.get(response.location).get_data(as_text=True))
    assert new_key.startswith("kfb_") and new_key != bot.key
    assert api_me(logged_in, bot.email, bot.key).status_code == 401
    assert api_me(logged_in, bot.email, new_key).status_code == 200
    assert "api_key_regenerated" in audit_types(app)


def test_the_bots_zuliprc_round_trips(app: Flask, logged_in: FlaskClient) -> None:
    bot = create_bot(logged_in)
    response = logged_in.get(f"{BOTS}/{bot.id}/zuliprc")
    assert response.headers["Content-Disposition"] == 'attachment; filename="zuliprc"'
    assert response.headers["Cache-Control"] == "no-store"
    assert tomllib.loads(response.get_data(as_text=True)) == {
        "api": {"email": bot.email, "key": bot.key, "site": "http://localhost"}
    }
    last = audit_events(app)[-1]
    assert (last.event_type, last.subject_user_id) == ("rc_downloaded", bot.id)


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


# Ownership: one 404 for everything that is not yours

ROUTES = [
    ("GET", "/key"),
    ("GET", "/regenerate"),
    ("POST", "/regenerate"),
    ("GET", "/zuliprc"),
    ("GET", "/deactivate"),
    ("POST", "/deactivate"),
    ("POST", "/reactivate"),
]


@pytest.fixture
def foreign_ids(app: Flask, make_user: MakeUser, user: Account) -> dict[str, int]:
    """Bot ids the logged-in user must not reach: another owner's bot, a human, no one."""
    stranger = make_user("stranger@example.com")
    client = app.test_client()
    log_in(client, stranger.email)
    strangers_bot = create_bot(client, username="secret")
    return {
        "another owner's bot": strangers_bot.id,
        "a human": stranger.id,
        "no one": 999_999,
        "a number no database holds": 10**20,
    }


@pytest.mark.parametrize(("method", "suffix"), ROUTES)
def test_bot_routes_answer_the_same_404_for_anything_not_owned(
    app: Flask, logged_in: FlaskClient, foreign_ids: dict[str, int], method: str, suffix: str
) -> None:
    token = csrf_token(logged_in.get(BOTS))
    answers = set()
    for target in foreign_ids.values():
        response = logged_in.open(
            f"{BOTS}/{target}{suffix}", method=method, data={"csrf_token": token}
        )
        assert response.status_code == 404
        answers.add(response.get_data(as_text=True))
    assert len(answers) == 1
    with app.app_context():
        stranger_bot = db.session().get_one(User, foreign_ids["another owner's bot"])
        assert stranger_bot.is_active


@pytest.mark.parametrize("action", ["", "/{id}/regenerate", "/{id}/deactivate", "/{id}/reactivate"])
def test_every_bot_post_needs_a_csrf_token(app: Flask, logged_in: FlaskClient, action: str) -> None:
    bot = create_bot(logged_in)
    data = {"full_name": "Other", "username": "other"}
    response = logged_in.post(BOTS + action.format(id=bot.id), data=data)
    assert response.status_code == 400
    assert count_users(app, User.is_bot.is_(True)) == 1
    assert api_me(logged_in, bot.email, bot.key).status_code == 200


def test_bots_cannot_log_in(client: FlaskClient, logged_in: FlaskClient) -> None:
    bot = create_bot(logged_in)
    fresh = client.application.test_client()
    for password in (bot.key, "", PASSWORD):
        page = log_in(fresh, bot.email, password or "x").get_data(as_text=True)
        assert "Email or password is incorrect." in page
    assert fresh.get("/settings/account").status_code == 302


def test_a_session_naming_a_bot_is_not_a_login(app: Flask, logged_in: FlaskClient) -> None:
    bot = create_bot(logged_in)
    fresh = app.test_client()
    with fresh.session_transaction() as session:
        session["_user_id"] = str(bot.id)
    assert fresh.get("/settings/account").status_code == 302


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
