"""Every change of a second factor is told to its person by email, with the way back if it
was not them (a password reset link): adding the app, using a recovery code, new recovery
codes, removing the app."""

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import Clock
from tests.helpers.factors import NEW_CODES, REMOVE_APP, App, add_app, reauthenticate_with
from tests.helpers.mail import SmtpServer
from tests.helpers.notices import the_notice
from tests.helpers.users import PASSWORD, Account, MakeUser
from tests.helpers.web import log_in, post_form, reauthed_client

ADDED = "An authenticator app was added to your account"


@pytest.fixture
def ada(mail_app: Flask) -> Account:
    return MakeUser(mail_app)("ada@example.com", "Ada Lovelace")


@pytest.fixture
def added(mail_app: Flask, ada: Account, mail_clock: Clock) -> App:
    app = add_app(reauthed_client(mail_app, ada.email), mail_clock.current)
    mail_clock.advance(seconds=30)
    return app


@pytest.fixture
def browser(mail_app: Flask, ada: Account, added: App, mail_clock: Clock) -> FlaskClient:
    client = mail_app.test_client()
    log_in(client, ada.email)
    post_form(client, "/login/second-step", {"code": added.code(mail_clock.current)})
    mail_clock.advance(seconds=30)
    return client


def test_adding_the_app_is_told_with_a_reset_link(
    mail_app: Flask, smtp: SmtpServer, added: App
) -> None:
    body = the_notice(mail_app, smtp, ADDED)
    assert "ada@example.com" in body and "/password/forgot" in body
    assert added.secret not in body


def test_a_recovery_code_used_is_told_with_the_codes_left(
    mail_app: Flask, smtp: SmtpServer, ada: Account, added: App
) -> None:
    client = mail_app.test_client()
    log_in(client, ada.email)
    post_form(client, "/login/second-step", {"code": added.recovery_codes[0]})
    body = the_notice(mail_app, smtp, "A recovery code of yours was used")
    assert "9 codes are left" in body
    assert added.recovery_codes[0] not in body


def test_new_recovery_codes_are_told(
    mail_app: Flask, smtp: SmtpServer, browser: FlaskClient, added: App, mail_clock: Clock
) -> None:
    reauthenticate_with(browser, added.code(mail_clock.current))
    post_form(browser, NEW_CODES, {})
    assert the_notice(mail_app, smtp, "New recovery codes were made for your account")


def test_removing_the_app_is_told(
    mail_app: Flask, smtp: SmtpServer, browser: FlaskClient, added: App, mail_clock: Clock
) -> None:
    post_form(browser, REMOVE_APP, {"password": PASSWORD, "code": added.code(mail_clock.current)})
    body = the_notice(mail_app, smtp, "The authenticator app was removed from your account")
    assert "/password/forgot" in body
