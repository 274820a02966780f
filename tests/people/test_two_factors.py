"""A person with both an authenticator app and a passkey logs in with either, and the
second step offers both."""

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import Clock
from tests.helpers.factors import SECOND_STEP, App, add_app, second_step
from tests.helpers.passkeys import LOGIN_BY_PASSKEY, Authenticator, add_passkey, answer_on
from tests.helpers.users import Account
from tests.helpers.web import log_in, reauthed_client

ACCOUNT = "/settings/account"


@pytest.fixture
def laptop(app: Flask, user: Account, clock: Clock) -> tuple[App, Authenticator]:
    """``user`` added an app, then a passkey; the clock moved past the app's first code."""
    browser = reauthed_client(app, user.email)
    added, passkey = add_app(browser, clock.current), Authenticator()
    add_passkey(browser, "Laptop", passkey)
    clock.advance(seconds=30)
    return added, passkey


@pytest.fixture
def pending(app: Flask, user: Account, laptop: tuple[App, Authenticator]) -> FlaskClient:
    """A browser past the password."""
    browser = app.test_client()
    assert log_in(browser, user.email).location == SECOND_STEP
    return browser


def test_the_second_step_offers_the_passkey_and_the_code(
    pending: FlaskClient, laptop: tuple[App, Authenticator]
) -> None:
    page = pending.get(SECOND_STEP).get_data(as_text=True)
    assert 'id="passkey-login"' in page and 'name="code"' in page


def test_the_passkey_logs_in(pending: FlaskClient, laptop: tuple[App, Authenticator]) -> None:
    answer = answer_on(pending, SECOND_STEP, laptop[1], "passkey-login")
    assert pending.post(LOGIN_BY_PASSKEY, data=answer).location == ACCOUNT


def test_the_apps_code_logs_in(
    pending: FlaskClient, laptop: tuple[App, Authenticator], clock: Clock
) -> None:
    assert second_step(pending, laptop[0].code(clock.current)).location == ACCOUNT
