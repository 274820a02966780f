"""A passkey added or removed is told by email with the way back (a reset link); a passkey
is a second factor to the organization's policy; an administrator's reset removes them; and
a browser remembered at a passkey's second step is not asked again."""

from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.helpers.api import api_error, api_ok
from tests.helpers.api_keys import create_key
from tests.helpers.factors import SECOND_STEP
from tests.helpers.mail import SmtpServer
from tests.helpers.notices import the_notice
from tests.helpers.organization import ORG, organization
from tests.helpers.passkeys import (
    LOGIN_BY_PASSKEY,
    Authenticator,
    add_passkey,
    answer_on,
    remove_link,
)
from tests.helpers.users import Account, MakeUser
from tests.helpers.web import log_in, post_form, reauthed_client

ACCOUNT = "/settings/account"
NEEDED = "SECOND_FACTOR_ENROLMENT_REQUIRED"


@pytest.fixture
def ada(mail_app: Flask) -> Account:
    return MakeUser(mail_app)("ada@example.com", "Ada Lovelace")


def test_a_passkey_added_is_told_by_name_with_a_reset_link(
    mail_app: Flask, smtp: SmtpServer, ada: Account
) -> None:
    add_passkey(reauthed_client(mail_app, ada.email), "Blue key", Authenticator())
    body = the_notice(mail_app, smtp, "A passkey was added to your account")
    assert '"Blue key"' in body or "Blue key" in body
    assert "/password/forgot" in body


def test_a_passkey_removed_is_told(mail_app: Flask, smtp: SmtpServer, ada: Account) -> None:
    browser = reauthed_client(mail_app, ada.email)
    add_passkey(browser, "Blue key", Authenticator())
    post_form(browser, remove_link(browser.get(ACCOUNT).get_data(as_text=True)), {})
    body = the_notice(mail_app, smtp, "A passkey was removed from your account")
    assert "Blue key" in body


def test_a_remembered_browser_skips_the_passkey_next_time(app: Flask, user: Account) -> None:
    laptop = Authenticator()
    add_passkey(reauthed_client(app, user.email), "Laptop", laptop)
    browser = app.test_client()
    log_in(browser, user.email)
    answer = answer_on(browser, SECOND_STEP, laptop, "passkey-login")
    assert browser.post(LOGIN_BY_PASSKEY, data={**answer, "remember": "y"}).location == ACCOUNT
    post_form(browser, ACCOUNT, {}, action="/logout")
    assert log_in(browser, user.email).location == ACCOUNT


def test_a_passkey_meets_the_policy_for_key_makers(make_app: Callable[..., Flask]) -> None:
    app = make_app(SECOND_FACTOR_REQUIRED="key_makers")
    member = organization(app).member
    credentials = (member.email, member.key)
    api_error(create_key(app.test_client(), credentials, "CI"), 403, NEEDED)
    add_passkey(reauthed_client(app, member.email), "Laptop", Authenticator())
    assert api_ok(create_key(app.test_client(), credentials, "CI"))["api_key"]


def test_an_administrators_reset_removes_the_passkeys(app: Flask) -> None:
    people = organization(app)
    member_browser = reauthed_client(app, people.member.email)
    add_passkey(member_browser, "Laptop", Authenticator())
    users = people.admin_browser.get(f"{ORG}/users").get_data(as_text=True)
    assert f'id="reset-second-factor-{people.member.id}"' in users
    reset = f"{ORG}/users/{people.member.id}/second-factor/reset"
    assert post_form(people.admin_browser, reset, {}).status_code == 302
    fresh: FlaskClient = app.test_client()
    assert log_in(fresh, people.member.email).location == ACCOUNT
