""" "This wasn't me" on the notice of a second factor added: the link opens a confirm page
that changes nothing; Confirm removes that factor and the recovery codes (whoever added it
may have been shown them) and signs the person out everywhere else, once."""

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from app.core import db
from app.core.models import Passkey, RecoveryCode, TotpFactor
from tests.conftest import Clock
from tests.helpers.admin import audit_types
from tests.helpers.factors import SECOND_STEP, add_app
from tests.helpers.mail import SmtpServer
from tests.helpers.notices import not_me_link, the_notice
from tests.helpers.passkeys import Authenticator, add_passkey, remove_link
from tests.helpers.users import Account, MakeUser
from tests.helpers.web import csrf_token, log_in, post_form, reauthed_client

ACCOUNT = "/settings/account"
PASSKEY_ADDED = "A passkey was added to your account"


@pytest.fixture
def ada(mail_app: Flask) -> Account:
    return MakeUser(mail_app)("ada@example.com", "Ada Lovelace")


@pytest.fixture
def intruder(mail_app: Flask, ada: Account) -> FlaskClient:
    """A browser with Ada's password, in the re-authentication window."""
    return reauthed_client(mail_app, ada.email)


@pytest.fixture
def passkey_link(mail_app: Flask, smtp: SmtpServer, intruder: FlaskClient) -> str:
    """The intruder added a passkey: the link in Ada's mail."""
    add_passkey(intruder, "Not mine", Authenticator())
    return not_me_link(the_notice(mail_app, smtp, PASSKEY_ADDED))[1]


def confirm(client: FlaskClient, link: str) -> tuple[int, str]:
    """Open the link and press Confirm; the answer's status and text."""
    page = client.get(link, follow_redirects=True)
    token = link.split("token=", 1)[1]
    sent = client.post("/not-me", data={"csrf_token": csrf_token(page), "token": token})
    return sent.status_code, sent.get_data(as_text=True)


def test_opening_the_link_names_the_passkey_and_changes_nothing(
    mail_app: Flask, ada: Account, passkey_link: str
) -> None:
    page = mail_app.test_client().get(passkey_link, follow_redirects=True)
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    assert "The passkey “Not mine” added to ada@example.com is removed" in text
    assert log_in(mail_app.test_client(), ada.email).location == SECOND_STEP


def test_confirming_removes_the_passkey_and_signs_the_intruder_out(
    mail_app: Flask, ada: Account, intruder: FlaskClient, passkey_link: str
) -> None:
    assert intruder.get(ACCOUNT).status_code == 200
    status, text = confirm(mail_app.test_client(), passkey_link)
    assert status == 200 and "Set a new password" in text
    assert intruder.get(ACCOUNT).status_code == 302  # a session from before: ended
    assert log_in(mail_app.test_client(), ada.email).location == ACCOUNT  # no factor left
    assert "second_factor_reported_not_me" in audit_types(mail_app)


def test_the_link_acts_once(mail_app: Flask, passkey_link: str) -> None:
    browser = mail_app.test_client()
    page = browser.get(passkey_link, follow_redirects=True)
    sent = {"csrf_token": csrf_token(page), "token": passkey_link.split("token=", 1)[1]}
    assert browser.post("/not-me", data=sent).status_code == 200
    again = browser.post("/not-me", data=sent)
    assert again.status_code == 400 and "used already" in again.get_data(as_text=True)


def test_the_link_of_a_passkey_removed_since_is_used_up(
    mail_app: Flask, intruder: FlaskClient, passkey_link: str
) -> None:
    post_form(intruder, remove_link(intruder.get(ACCOUNT).get_data(as_text=True)), {})
    assert mail_app.test_client().get(passkey_link).status_code == 400


def test_a_tampered_link_is_not_ours(mail_app: Flask, passkey_link: str) -> None:
    assert mail_app.test_client().get(passkey_link[:-3] + "abc").status_code == 404


def test_the_app_added_is_removed_by_its_link(
    mail_app: Flask, smtp: SmtpServer, ada: Account, mail_clock: Clock
) -> None:
    add_app(reauthed_client(mail_app, ada.email), mail_clock.current)
    link = not_me_link(
        the_notice(mail_app, smtp, "An authenticator app was added to your account")
    )[1]
    status, _text = confirm(mail_app.test_client(), link)
    assert status == 200
    assert log_in(mail_app.test_client(), ada.email).location == ACCOUNT


def test_undoing_an_app_added_beside_a_passkey_also_ends_the_codes_it_showed(
    mail_app: Flask, smtp: SmtpServer, intruder: FlaskClient, mail_clock: Clock
) -> None:
    add_passkey(intruder, "Mine", Authenticator())
    add_app(intruder, mail_clock.current)  # new recovery codes, shown to the intruder
    link = not_me_link(the_notice(mail_app, smtp, "An authenticator app was added to your account"))
    assert confirm(mail_app.test_client(), link[1])[0] == 200
    with mail_app.app_context():
        session = db.session()
        assert session.scalar(select(func.count(Passkey.id))) == 1
        assert session.scalar(select(func.count(TotpFactor.id))) == 0
        assert session.scalar(select(func.count(RecoveryCode.id))) == 0


def test_the_link_of_a_passkey_removed_leaves_the_next_one_alone(
    mail_app: Flask, intruder: FlaskClient, passkey_link: str
) -> None:
    post_form(intruder, remove_link(intruder.get(ACCOUNT).get_data(as_text=True)), {})
    add_passkey(intruder, "Mine", Authenticator())  # SQLite would give it the first one's id
    assert mail_app.test_client().get(passkey_link).status_code == 400
