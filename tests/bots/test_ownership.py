"""Your bots: one 404 for everything that is not yours, CSRF on every change, no bot logins."""

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.core import db
from app.core.models import User
from tests.helpers.admin import count_users
from tests.helpers.api import api_me
from tests.helpers.users import PASSWORD, Account, MakeUser
from tests.helpers.web import BOTS, CSRF_INPUT, create_bot, csrf_token, log_in

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
        # The page's logout form carries a CSRF token signed with the current second: the
        # same for every target, but two requests a second apart get two tokens.
        answers.add(CSRF_INPUT.sub("csrf_token", response.get_data(as_text=True)))
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
