"""With a second factor, every step that shows or changes a key asks for its code beside the
password: the re-authentication window, fetch_api_key (``otp``), removing the app; and new
recovery codes replace the old ones."""

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import Clock
from tests.helpers.api import API, api_error, api_ok
from tests.helpers.factors import NEW_CODES, REMOVE_APP, App, codes_on, reauthenticate_with
from tests.helpers.users import PASSWORD, Account
from tests.helpers.web import KEY_PAGE, field_error, key_in, log_in, post_form

FETCH = f"{API}/fetch_api_key"


@pytest.fixture
def browser(app: Flask, user: Account, with_app: App, clock: Clock) -> FlaskClient:
    """Logged in (through the second step) without the re-authentication window."""
    client = app.test_client()
    log_in(client, user.email)
    post_form(client, "/login/second-step", {"code": with_app.code(clock.current)})
    clock.advance(seconds=30)
    return client


def test_the_password_alone_no_longer_shows_the_key(browser: FlaskClient) -> None:
    refused = post_form(browser, KEY_PAGE, {"password": PASSWORD})
    assert "Enter the code" in field_error(refused, "code")
    assert browser.get(KEY_PAGE).status_code == 200  # the password step again
    assert 'id="api-key-value"' not in browser.get(KEY_PAGE).get_data(as_text=True)


def test_the_password_and_a_code_show_the_key(
    browser: FlaskClient, user: Account, with_app: App, clock: Clock
) -> None:
    assert reauthenticate_with(browser, with_app.code(clock.current)).location == KEY_PAGE
    assert key_in(browser.get(KEY_PAGE).get_data(as_text=True)) == user.key


def test_a_wrong_code_opens_nothing(browser: FlaskClient) -> None:
    refused = reauthenticate_with(browser, "123456")
    assert "not right" in field_error(refused, "code")


def test_fetch_api_key_without_the_code_names_what_is_missing(
    client: FlaskClient, user: Account, with_app: App
) -> None:
    answer = client.post(FETCH, data={"username": user.email, "password": PASSWORD})
    api_error(answer, 401, "SECOND_FACTOR_REQUIRED")


def test_fetch_api_key_refuses_a_wrong_code(
    client: FlaskClient, user: Account, with_app: App
) -> None:
    data = {"username": user.email, "password": PASSWORD, "otp": "654321"}
    api_error(client.post(FETCH, data=data), 401, "SECOND_FACTOR_INVALID")


def test_fetch_api_key_with_the_code_gives_the_key(
    client: FlaskClient, user: Account, with_app: App, clock: Clock
) -> None:
    data = {"username": user.email, "password": PASSWORD, "otp": with_app.code(clock.current)}
    assert api_ok(client.post(FETCH, data=data))["api_key"] == user.key


def test_a_wrong_password_is_refused_before_any_code_is_asked(
    client: FlaskClient, user: Account, with_app: App
) -> None:
    answer = client.post(FETCH, data={"username": user.email, "password": "wrong"})
    api_error(answer, 401, "AUTHENTICATION_FAILED")


def test_removing_needs_the_password_and_a_code(
    browser: FlaskClient, with_app: App, clock: Clock
) -> None:
    wrong = post_form(browser, REMOVE_APP, {"password": PASSWORD, "code": "111111"})
    assert "not right" in field_error(wrong, "code")
    removed = post_form(
        browser, REMOVE_APP, {"password": PASSWORD, "code": with_app.code(clock.current)}
    )
    assert removed.location.endswith("/settings/account")
    assert "Off." in browser.get("/settings/account").get_data(as_text=True)


def test_after_removal_the_password_alone_logs_in(
    app: Flask, browser: FlaskClient, user: Account, with_app: App
) -> None:
    code = with_app.recovery_codes[0]
    post_form(browser, REMOVE_APP, {"password": PASSWORD, "code": code})
    again = app.test_client()
    assert log_in(again, user.email).location.endswith("/settings/account")


def test_new_recovery_codes_replace_the_old(
    app: Flask, browser: FlaskClient, user: Account, with_app: App, clock: Clock
) -> None:
    reauthenticate_with(browser, with_app.code(clock.current))
    new = codes_on(post_form(browser, NEW_CODES, {}))
    assert len(new) == 10 and not set(new) & set(with_app.recovery_codes)
    other = app.test_client()
    log_in(other, user.email)
    old = post_form(other, "/login/second-step", {"code": with_app.recovery_codes[0]})
    assert "not right" in field_error(old, "code")
    assert post_form(other, "/login/second-step", {"code": new[0]}).status_code == 302
