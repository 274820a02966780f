"""Names are one line, and each word of a name uses one script: every way a name comes in
(registration, `flask users create`, bots made and renamed in the pages and the API, named
keys in the pages and the API) refuses a line break of any kind and a lookalike letter of
another script, with a form or JSON error naming the field. Names reach the emails Keyfob
sends, where a line of the sender's choosing could pass for Keyfob's own."""

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.core import db
from app.core.models import ApiKey, User
from tests.helpers.admin import users_create
from tests.helpers.admin_api import new_bot, update_bot
from tests.helpers.api import api_create_bot, api_error
from tests.helpers.api_keys import create_key
from tests.helpers.keys import form_message, submit_named_key
from tests.helpers.users import Account
from tests.helpers.web import BOTS, create_bot, field_error, post_form, register_account

ONE_LINE = "Remove the line breaks: a name is one line."
MIXED = "mixes letters of different scripts (such as Latin and Cyrillic)"
# CR, LF, CR LF, and Unicode's line and paragraph separators: each starts a new line in a
# plain-text email ("Eve" then a line "Bcc: …" or "Open https://…").
BREAKS = ["\r", "\n", "\r\n", "\u2028", "\u2029"]
OTHER_BREAKS = ["\x0b", "\x0c", "\x85", "\x1e"]  # VT, FF, NEL, record separator
OWNER = "Ada Lovelace"  # the user fixture's name
INJECTED = "Open https://evil.example/login to keep your key"


def names_of_users(app: Flask) -> list[str]:
    with app.app_context():
        return list(db.session().scalars(select(User.full_name).order_by(User.id)))


def names_of_keys(app: Flask) -> list[str]:
    with app.app_context():
        return list(db.session().scalars(select(ApiKey.name).where(ApiKey.name.is_not(None))))


# Registration and the command line


@pytest.mark.parametrize("break_", BREAKS)
def test_registration_refuses_a_line_break_in_the_name(
    app: Flask, client: FlaskClient, break_: str
) -> None:
    response = register_account(client, full_name=f"Eve{break_}{INJECTED}")
    assert field_error(response, "full_name") == ONE_LINE
    assert names_of_users(app) == []


@pytest.mark.parametrize("break_", OTHER_BREAKS)
def test_registration_refuses_the_rarer_line_breaks_too(
    app: Flask, client: FlaskClient, break_: str
) -> None:
    response = register_account(client, full_name=f"Eve{break_}{INJECTED}")
    # Control characters as well: every form says so of those (app/web/forms.py).
    assert ONE_LINE in field_error(response, "full_name")
    assert names_of_users(app) == []


def test_registration_refuses_a_header_after_the_name(app: Flask, client: FlaskClient) -> None:
    response = register_account(client, full_name="Eve\r\nBcc: everyone@example.com")
    assert field_error(response, "full_name") == ONE_LINE
    assert names_of_users(app) == []


def test_registration_refuses_a_tab_in_the_name(app: Flask, client: FlaskClient) -> None:
    response = register_account(client, full_name="Grace\tHopper")
    assert field_error(response, "full_name") == "Remove the control characters."
    assert names_of_users(app) == []


@pytest.mark.parametrize("break_", BREAKS)
def test_users_create_refuses_a_line_break_in_the_name(app: Flask, break_: str) -> None:
    result = users_create(app, "eve@example.com", f"Eve{break_}{INJECTED}")
    assert result.exit_code == 1
    assert f"Full name: {ONE_LINE}" in result.output
    assert names_of_users(app) == []


# Bots: made in the pages and the API, renamed in the pages and the API


@pytest.mark.parametrize("break_", BREAKS)
def test_the_bot_form_refuses_a_line_break_in_the_name(
    app: Flask, logged_in: FlaskClient, break_: str
) -> None:
    response = post_form(
        logged_in, BOTS, {"full_name": f"Relay{break_}{INJECTED}", "username": "r"}
    )
    assert field_error(response, "full_name") == ONE_LINE
    assert names_of_users(app) == [OWNER]


@pytest.mark.parametrize("break_", BREAKS)
def test_the_bots_api_refuses_a_line_break_in_the_name(
    app: Flask, client: FlaskClient, user: Account, break_: str
) -> None:
    response = api_create_bot(client, user, f"Relay{break_}{INJECTED}", "relay")
    body = api_error(response, 400, "BAD_REQUEST")
    assert body["var_name"] == "full_name" and str(body["msg"]).endswith(ONE_LINE)
    assert names_of_users(app) == [OWNER]


@pytest.mark.parametrize("break_", BREAKS)
def test_renaming_a_bot_in_the_pages_refuses_a_line_break(
    app: Flask, logged_in: FlaskClient, user: Account, break_: str
) -> None:
    bot = create_bot(logged_in, "Relay", "relay")
    fields = {"bot_name": f"Relay{break_}{INJECTED}", "new_owner": str(user.id)}
    response = post_form(logged_in, f"{BOTS}/{bot.id}/edit", fields)
    assert field_error(response, "bot_name") == ONE_LINE
    assert names_of_users(app) == [OWNER, "Relay"]


@pytest.mark.parametrize("break_", BREAKS)
def test_renaming_a_bot_through_the_api_refuses_a_line_break(
    app: Flask, client: FlaskClient, user: Account, break_: str
) -> None:
    bot = new_bot(client, user, "relay")
    response = update_bot(client, user, bot.id, full_name=f"Relay{break_}{INJECTED}")
    body = api_error(response, 400, "BAD_REQUEST")
    assert body["var_name"] == "full_name" and str(body["msg"]).endswith(ONE_LINE)
    assert names_of_users(app) == [OWNER, "Relay"]


# Named keys: pages and API


@pytest.mark.parametrize("break_", BREAKS)
def test_the_named_key_form_refuses_a_line_break_in_the_name(
    app: Flask, reauthed: FlaskClient, break_: str
) -> None:
    response = submit_named_key(reauthed, name=f"CI{break_}{INJECTED[:30]}")
    assert ONE_LINE in form_message(response)
    assert names_of_keys(app) == []


@pytest.mark.parametrize("break_", BREAKS)
def test_the_keys_api_refuses_a_line_break_in_the_name(
    app: Flask, client: FlaskClient, user: Account, break_: str
) -> None:
    response = create_key(client, (user.email, user.key), f"CI{break_}{INJECTED[:30]}")
    body = api_error(response, 400, "BAD_REQUEST")
    assert body["var_name"] == "name" and str(body["msg"]).endswith(ONE_LINE)
    assert names_of_keys(app) == []


# One script a word: the rule of every part of an email, for every word of a name


def test_a_bot_name_with_a_cyrillic_letter_in_a_latin_word_is_refused(
    app: Flask, logged_in: FlaskClient
) -> None:
    response = post_form(logged_in, BOTS, {"full_name": "Deploy B\u043et", "username": "deploy"})
    assert MIXED in field_error(response, "full_name")
    assert "B\u043et" in field_error(response, "full_name")  # the word at fault
    assert names_of_users(app) == [OWNER]


def test_the_bots_api_refuses_a_cyrillic_i_in_a_latin_name(
    app: Flask, client: FlaskClient, user: Account
) -> None:
    body = api_error(api_create_bot(client, user, "Adm\u0456n", "admin"), 400, "BAD_REQUEST")
    assert body["var_name"] == "full_name" and MIXED in str(body["msg"])
    assert names_of_users(app) == [OWNER]


def test_renaming_a_bot_to_a_mixed_script_name_is_refused(
    app: Flask, client: FlaskClient, user: Account
) -> None:
    bot = new_bot(client, user, "relay")
    body = api_error(update_bot(client, user, bot.id, full_name="Rel\u0430y"), 400, "BAD_REQUEST")
    assert body["var_name"] == "full_name" and MIXED in str(body["msg"])
    assert names_of_users(app) == [OWNER, "Relay"]


def test_a_person_follows_the_same_rule(app: Flask, client: FlaskClient) -> None:
    response = register_account(client, full_name="Gr\u0430ce Hopper")  # a Cyrillic a
    assert MIXED in field_error(response, "full_name")
    assert names_of_users(app) == []


def test_a_key_name_follows_the_same_rule(app: Flask, client: FlaskClient, user: Account) -> None:
    body = api_error(create_key(client, (user.email, user.key), "d\u0435ploy"), 400, "BAD_REQUEST")
    assert body["var_name"] == "name" and MIXED in str(body["msg"])


@pytest.mark.parametrize(
    "name", ["Sasha Петров", "李 Lee", "田中さん", "Jose\u0301 Mu\u0308ller", "O'Brien-Smith 2"]
)
def test_words_of_different_scripts_still_make_a_name(
    app: Flask, client: FlaskClient, user: Account, name: str
) -> None:
    made = api_create_bot(client, user, name, "named")
    assert made.status_code == 200, made.get_data(as_text=True)
    assert names_of_users(app) == [OWNER, name]
