"""The edges of passkeys: a touch-only security key, answers shaped to hurt, a challenge
answered for another ceremony, a name used twice, and ids a deleted factor leaves behind."""

import json

from flask import Flask
from flask.testing import FlaskClient

from tests.helpers.factors import SECOND_STEP
from tests.helpers.passkeys import (
    ADD_PASSKEY,
    LOGIN_BY_PASSKEY,
    REAUTH_BY_PASSKEY,
    Authenticator,
    add_passkey,
    answer_on,
    b64url,
    remove_link,
)
from tests.helpers.users import Account
from tests.helpers.web import KEY_PAGE, field_error, log_in, post_form, reauthed_client

ACCOUNT = "/settings/account"
NESTED = "[" * 5000


def logged_in_with(app: Flask, user: Account, device: Authenticator) -> FlaskClient:
    browser = app.test_client()
    log_in(browser, user.email)
    answer = answer_on(browser, SECOND_STEP, device, "passkey-login")
    assert browser.post(LOGIN_BY_PASSKEY, data=answer).location == ACCOUNT
    return browser


def test_a_touch_only_key_logs_in_but_does_not_open_the_window_alone(
    app: Flask, user: Account
) -> None:
    key = Authenticator(verifies=False)
    add_passkey(reauthed_client(app, user.email), "Blue key", key)
    browser = logged_in_with(app, user, key)
    answer = answer_on(browser, KEY_PAGE, key, "passkey-reauth")
    browser.post(REAUTH_BY_PASSKEY, data=answer)
    assert 'id="api-key-value"' not in browser.get(KEY_PAGE).get_data(as_text=True)


def test_an_answer_to_the_login_step_does_not_open_the_window(app: Flask, user: Account) -> None:
    laptop = Authenticator()
    add_passkey(reauthed_client(app, user.email), "Laptop", laptop)
    browser = logged_in_with(app, user, laptop)
    pending = app.test_client()
    log_in(pending, user.email)
    for_login = answer_on(pending, SECOND_STEP, laptop, "passkey-login")
    post_form(browser, KEY_PAGE, {"answer": for_login["answer"]}, action=REAUTH_BY_PASSKEY)
    assert 'id="api-key-value"' not in browser.get(KEY_PAGE).get_data(as_text=True)


def test_a_deeply_nested_answer_is_refused_without_a_crash(app: Flask, user: Account) -> None:
    laptop = Authenticator()
    add_passkey(reauthed_client(app, user.email), "Laptop", laptop)
    pending = app.test_client()
    log_in(pending, user.email)
    sent = post_form(pending, SECOND_STEP, {"answer": NESTED}, action=LOGIN_BY_PASSKEY)
    assert sent.location == SECOND_STEP
    client_data = b64url(b"[" * 30000)
    hidden = json.dumps({"rawId": "x", "response": {"clientDataJSON": client_data}})
    sent = post_form(pending, SECOND_STEP, {"answer": hidden}, action=LOGIN_BY_PASSKEY)
    assert sent.location == SECOND_STEP


def test_a_deeply_nested_registration_is_a_form_error(app: Flask, user: Account) -> None:
    browser = reauthed_client(app, user.email)
    refused = post_form(browser, ADD_PASSKEY, {"name": "Laptop", "answer": NESTED})
    assert refused.status_code == 200 and "could not be added" in refused.get_data(as_text=True)


def test_a_name_already_used_is_refused(app: Flask, user: Account) -> None:
    browser = reauthed_client(app, user.email)
    add_passkey(browser, "Laptop", Authenticator())
    assert "already" in field_error(add_passkey(browser, "laptop", Authenticator()), "name")


def test_a_browser_remembered_with_a_passkey_is_asked_again_when_another_replaces_it(
    app: Flask, user: Account
) -> None:
    owner = reauthed_client(app, user.email)
    first = Authenticator()
    add_passkey(owner, "First", first)
    remembered = app.test_client()
    log_in(remembered, user.email)
    answer = answer_on(remembered, SECOND_STEP, first, "passkey-login")
    remembered.post(LOGIN_BY_PASSKEY, data={**answer, "remember": "y"})
    post_form(owner, remove_link(owner.get(ACCOUNT).get_data(as_text=True)), {})
    add_passkey(owner, "Second", Authenticator())  # SQLite would give it the first one's id
    post_form(remembered, ACCOUNT, {}, action="/logout")
    assert log_in(remembered, user.email).location == SECOND_STEP
