"""A passkey as a second factor: at login after the password, and alone for the
re-authentication window (as GitHub's sudo mode allows). Each answer is taken once, only
from this site, and only a passkey of the person's counts."""

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.helpers.api import API, api_error, api_ok
from tests.helpers.factors import SECOND_STEP, codes_on
from tests.helpers.passkeys import (
    LOGIN_BY_PASSKEY,
    REAUTH_BY_PASSKEY,
    Authenticator,
    add_passkey,
    answer_on,
    options_on,
)
from tests.helpers.users import PASSWORD, Account, MakeUser
from tests.helpers.web import KEY_PAGE, csrf_token, key_in, log_in, reauthed_client

ACCOUNT = "/settings/account"


@pytest.fixture(params=[True, False], ids=["counting", "synced"])
def laptop(request: pytest.FixtureRequest) -> Authenticator:
    return Authenticator(counts=request.param)


@pytest.fixture
def recovery_codes(app: Flask, user: Account, laptop: Authenticator) -> list[str]:
    """``user`` added ``laptop`` as their passkey (in another browser): their codes."""
    return codes_on(add_passkey(reauthed_client(app, user.email), "Laptop", laptop))


@pytest.fixture
def at_second_step(app: Flask, user: Account, recovery_codes: list[str]) -> FlaskClient:
    browser = app.test_client()
    assert log_in(browser, user.email).location == SECOND_STEP
    return browser


def test_the_password_alone_leads_to_the_second_step(at_second_step: FlaskClient) -> None:
    assert at_second_step.get(ACCOUNT).status_code == 302


def test_the_passkey_logs_in_after_the_password(
    at_second_step: FlaskClient, laptop: Authenticator
) -> None:
    answer = answer_on(at_second_step, SECOND_STEP, laptop, "passkey-login")
    assert at_second_step.post(LOGIN_BY_PASSKEY, data=answer).location == ACCOUNT
    assert at_second_step.get(ACCOUNT).status_code == 200


def test_an_answer_replayed_logs_in_nobody(
    app: Flask, user: Account, at_second_step: FlaskClient, laptop: Authenticator
) -> None:
    answer = answer_on(at_second_step, SECOND_STEP, laptop, "passkey-login")
    assert at_second_step.post(LOGIN_BY_PASSKEY, data=answer).location == ACCOUNT
    thief = app.test_client()
    log_in(thief, user.email)
    replayed = {**answer, "csrf_token": csrf_token(thief.get(SECOND_STEP))}
    assert thief.post(LOGIN_BY_PASSKEY, data=replayed).location == SECOND_STEP
    assert thief.get(ACCOUNT).status_code == 302


def test_another_persons_passkey_is_refused(
    app: Flask, at_second_step: FlaskClient, make_user: MakeUser
) -> None:
    mallory, her_passkey = make_user("mallory@example.com", "Mallory"), Authenticator()
    add_passkey(reauthed_client(app, mallory.email), "Hers", her_passkey)
    shown = at_second_step.get(SECOND_STEP)
    options = options_on(shown, "passkey-login")
    options["allowCredentials"] = []  # her browser ignores whose passkeys were asked for
    answer = {"answer": her_passkey.get(options), "csrf_token": csrf_token(shown)}
    assert at_second_step.post(LOGIN_BY_PASSKEY, data=answer).location == SECOND_STEP
    assert at_second_step.get(ACCOUNT).status_code == 302


def test_an_answer_given_to_another_site_is_refused(
    at_second_step: FlaskClient, laptop: Authenticator
) -> None:
    shown = at_second_step.get(SECOND_STEP)
    phished = laptop.get(options_on(shown, "passkey-login"), origin="https://keyfob.evil.test")
    answer = {"answer": phished, "csrf_token": csrf_token(shown)}
    assert at_second_step.post(LOGIN_BY_PASSKEY, data=answer).location == SECOND_STEP


def test_a_recovery_code_also_logs_in(
    at_second_step: FlaskClient, recovery_codes: list[str]
) -> None:
    shown = at_second_step.get(SECOND_STEP)
    data = {"code": recovery_codes[0], "csrf_token": csrf_token(shown)}
    assert at_second_step.post(SECOND_STEP, data=data).location == ACCOUNT


def test_a_passkey_alone_opens_the_window(
    at_second_step: FlaskClient, user: Account, laptop: Authenticator
) -> None:
    at_second_step.post(
        LOGIN_BY_PASSKEY, data=answer_on(at_second_step, SECOND_STEP, laptop, "passkey-login")
    )
    answer = answer_on(at_second_step, KEY_PAGE, laptop, "passkey-reauth")
    assert at_second_step.post(REAUTH_BY_PASSKEY, data=answer).location == KEY_PAGE
    assert key_in(at_second_step.get(KEY_PAGE).get_data(as_text=True)) == user.key


def test_the_password_alone_no_longer_opens_the_window(
    app: Flask, user: Account, recovery_codes: list[str]
) -> None:
    browser = app.test_client()
    log_in(browser, user.email)
    shown = browser.get(SECOND_STEP)
    browser.post(SECOND_STEP, data={"code": recovery_codes[0], "csrf_token": csrf_token(shown)})
    page = browser.get(KEY_PAGE)
    sent = browser.post(KEY_PAGE, data={"password": PASSWORD, "csrf_token": csrf_token(page)})
    assert sent.status_code == 200 and 'id="api-key-value"' not in sent.get_data(as_text=True)


def test_fetch_api_key_takes_a_recovery_code_when_the_factor_is_a_passkey(
    client: FlaskClient, user: Account, recovery_codes: list[str]
) -> None:
    data = {"username": user.email, "password": PASSWORD}
    api_error(client.post(f"{API}/fetch_api_key", data=data), 401, "SECOND_FACTOR_REQUIRED")
    sent = client.post(f"{API}/fetch_api_key", data={**data, "otp": recovery_codes[0]})
    assert api_ok(sent)["api_key"] == user.key
