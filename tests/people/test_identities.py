"""Identities that cannot be faked: emails that pass for another, names that show nothing.

Every attack goes through a real surface: the registration form (with its CSRF token),
`flask users create`, the Your bots form and `POST /api/v1/bots` with a human's key.
Lookalike letters are written as escapes, so the test shows which one it is.
"""

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.core import db
from app.core.models import User
from tests.helpers.admin import users_create
from tests.helpers.api import api_create_bot, api_error, api_me, api_ok
from tests.helpers.users import Account, MakeUser
from tests.helpers.web import field_error, log_in, register_account, submit_bot_form

MIXED = "mixes letters of different scripts"
LOOKALIKE = "looks like another character, so an email cannot contain it."
INVISIBLE_IN_EMAIL = "Remove the invisible characters from the email."
NOTHING_TO_SEE = "Enter a name with visible characters."

# Names that show nothing: the seven, then more fillers, lone combining marks and
# variation selectors, and spaces around a filler.
INVISIBLE_NAMES = [
    "\u2060",  # WORD JOINER
    "\u200d",  # ZERO WIDTH JOINER
    "\u3164",  # HANGUL FILLER
    "\u00ad",  # SOFT HYPHEN
    "\u200c",  # ZERO WIDTH NON-JOINER
    "\u2800",  # BRAILLE PATTERN BLANK
    "\u180e",  # MONGOLIAN VOWEL SEPARATOR
    "\uffa0\u115f\u1160",  # the other Hangul fillers
    "\u0301\u0301",  # combining acute accents with nothing to sit on
    "\ufe0f\u034f",  # VARIATION SELECTOR-16, COMBINING GRAPHEME JOINER
    "\u3000\u3164 ",  # ideographic space, filler, space
]
GOOD_NAMES = ["张伟", "José Müller", "Sasha Петров", "李 Lee"]


def emails(app: Flask) -> list[str]:
    with app.app_context():
        return list(db.session().scalars(select(User.email)))


def names(app: Flask) -> list[str]:
    with app.app_context():
        return list(db.session().scalars(select(User.full_name)))


# Registration: emails


def test_a_cyrillic_a_in_the_local_part_is_refused(app: Flask, client: FlaskClient) -> None:
    response = register_account(client, email="\u0430dmin@example.com")
    assert MIXED in field_error(response, "email")
    assert emails(app) == []


def test_a_cyrillic_a_in_the_domain_is_refused(app: Flask, client: FlaskClient) -> None:
    response = register_account(client, email="admin@ex\u0430mple.com")
    assert MIXED in field_error(response, "email")
    assert emails(app) == []


def test_a_hangul_filler_local_part_is_refused(app: Flask, client: FlaskClient) -> None:
    response = register_account(client, email="\u3164@example.com")
    assert field_error(response, "email") == INVISIBLE_IN_EMAIL
    assert emails(app) == []


@pytest.mark.parametrize("character", ["\u2060", "\u00ad", "\uffa0", "\u2800", "\ufe0f"])
def test_an_invisible_character_in_an_email_is_refused(
    app: Flask, client: FlaskClient, character: str
) -> None:
    response = register_account(client, email=f"grace{character}@example.com")
    assert field_error(response, "email") == INVISIBLE_IN_EMAIL
    assert emails(app) == []


def test_an_address_of_cyrillic_lookalikes_only_is_refused(app: Flask, client: FlaskClient) -> None:
    response = register_account(client, email="\u0430\u0441\u0435@example.com")  # "ace"
    error = field_error(response, "email")
    assert "U+0430 CYRILLIC SMALL LETTER A" in error and LOOKALIKE in error
    assert emails(app) == []


def test_a_punycode_domain_is_judged_by_the_letters_it_stands_for(
    app: Flask, client: FlaskClient
) -> None:
    response = register_account(client, email="admin@xn--80ak6aa92e.com")  # Cyrillic "apple"
    assert LOOKALIKE in field_error(response, "email")
    assert emails(app) == []


def test_a_latin_letter_that_imitates_ascii_is_refused(app: Flask, client: FlaskClient) -> None:
    response = register_account(client, email="gr\u0251ce@example.com")  # LATIN SMALL ALPHA
    assert LOOKALIKE in field_error(response, "email")
    assert emails(app) == []


def test_a_right_to_left_letter_that_imitates_ascii_is_refused(
    app: Flask, client: FlaskClient
) -> None:
    response = register_account(client, email="\u05e1\u05d5\u05e1@example.com")  # Hebrew "sus"
    assert "U+05E1 HEBREW LETTER SAMEKH" in field_error(response, "email")  # it looks like "o"
    assert emails(app) == []


def test_a_plain_ascii_email_registers(app: Flask, client: FlaskClient) -> None:
    assert register_account(client, email="Grace.Hopper+navy@Example.com").location == "/login"
    assert emails(app) == ["grace.hopper+navy@example.com"]


def test_an_accented_latin_email_registers(app: Flask, client: FlaskClient) -> None:
    assert register_account(client, email="jörg.müller@example.de").location == "/login"
    assert emails(app) == ["jörg.müller@example.de"]


def test_a_chinese_email_registers(app: Flask, client: FlaskClient) -> None:
    assert register_account(client, email="用户@例子.中国").location == "/login"
    assert emails(app) == ["用户@例子.中国"]


def test_a_japanese_domain_of_kanji_and_kana_registers(app: Flask, client: FlaskClient) -> None:
    assert register_account(client, email="tanaka@例え.jp").location == "/login"
    assert emails(app) == ["tanaka@例え.jp"]


def test_an_internationalised_email_authenticates_to_the_api(
    client: FlaskClient, make_user: MakeUser
) -> None:
    owner = make_user("用户@例子.中国")  # the test client sends Basic credentials in UTF-8
    response = api_me(client, owner.email, owner.key)
    assert response.status_code == 200 and response.get_json()["email"] == "用户@例子.中国"


def test_the_email_is_stored_in_its_normalised_form(app: Flask, client: FlaskClient) -> None:
    decomposed = "Jose\u0301@XN--BCHER-KVA.DE"  # e + combining acute; punycode for bücher
    assert register_account(client, email=decomposed).location == "/login"
    assert emails(app) == ["jos\u00e9@b\u00fccher.de"]


def test_another_spelling_of_a_taken_email_is_refused(app: Flask, client: FlaskClient) -> None:
    register_account(client, email="josé@bücher.de")
    response = register_account(client, email="Jose\u0301@xn--bcher-kva.de")
    assert field_error(response, "email") == "An account with this email already exists."
    assert len(emails(app)) == 1


def test_any_spelling_of_the_email_logs_in(client: FlaskClient) -> None:
    register_account(client, email="josé@bücher.de")
    assert log_in(client, "JOSE\u0301@xn--bcher-kva.de").location == "/settings/account"


# Registration: full names


def test_a_full_name_of_hangul_fillers_is_refused(app: Flask, client: FlaskClient) -> None:
    response = register_account(client, full_name="\u3164\u3164")
    assert field_error(response, "full_name") == NOTHING_TO_SEE
    assert emails(app) == []


@pytest.mark.parametrize("name", INVISIBLE_NAMES)
def test_a_full_name_that_shows_nothing_is_refused(
    app: Flask, client: FlaskClient, name: str
) -> None:
    assert field_error(register_account(client, full_name=name), "full_name") == NOTHING_TO_SEE
    assert emails(app) == []


@pytest.mark.parametrize("name", GOOD_NAMES)
def test_real_full_names_register(app: Flask, client: FlaskClient, name: str) -> None:
    assert register_account(client, full_name=name).location == "/login"
    assert names(app) == [name]


# The command line applies the same rules


def test_users_create_refuses_a_lookalike_email(app: Flask) -> None:
    result = users_create(app, "\u0430dmin@example.com", "Admin")
    assert result.exit_code == 1
    assert "Email: " in result.output and MIXED in result.output
    assert emails(app) == []


def test_users_create_refuses_a_name_that_shows_nothing(app: Flask) -> None:
    result = users_create(app, "filler@example.com", "\u3164")
    assert result.exit_code == 1
    assert f"Full name: {NOTHING_TO_SEE}" in result.output
    assert emails(app) == []


def test_users_create_stores_the_normalised_email(app: Flask) -> None:
    result = users_create(app, "Jose\u0301@XN--BCHER-KVA.DE", "张伟")
    assert result.exit_code == 0, result.output
    assert emails(app) == ["jos\u00e9@b\u00fccher.de"]


# Bots: the Your bots form and the API share bots.clean_full_name


@pytest.mark.parametrize("name", INVISIBLE_NAMES)
def test_a_bot_name_that_shows_nothing_is_a_form_error(
    app: Flask, logged_in: FlaskClient, name: str
) -> None:
    assert field_error(submit_bot_form(logged_in, full_name=name), "full_name") == NOTHING_TO_SEE
    assert len(emails(app)) == 1  # the owner alone


@pytest.mark.parametrize("name", INVISIBLE_NAMES)
def test_a_bot_name_that_shows_nothing_is_a_400_from_the_api(
    app: Flask, client: FlaskClient, user: Account, name: str
) -> None:
    body = api_error(api_create_bot(client, user, name, "b"), 400, "BAD_REQUEST")
    assert body["var_name"] == "full_name" and NOTHING_TO_SEE in str(body["msg"])
    assert len(emails(app)) == 1


def test_a_bot_name_still_refuses_a_bidi_override(logged_in: FlaskClient) -> None:
    response = submit_bot_form(logged_in, full_name="Evil\u202eBot")
    assert "Remove the control characters." in field_error(response, "full_name")


@pytest.mark.parametrize("name", GOOD_NAMES)
def test_real_names_are_fine_for_bots_in_the_form(
    app: Flask, logged_in: FlaskClient, name: str
) -> None:
    assert field_error(submit_bot_form(logged_in, full_name=name), "full_name") == ""
    assert name in names(app)


@pytest.mark.parametrize("name", GOOD_NAMES)
def test_real_names_are_fine_for_bots_in_the_api(
    client: FlaskClient, user: Account, name: str
) -> None:
    body = api_ok(api_create_bot(client, user, name, "b"))
    me = api_ok(api_me(client, str(body["email"]), str(body["api_key"])))
    assert me["full_name"] == name
