"""Account & privacy: "Email me about my own routine actions". Off, a person's own actions
are not told; what someone else did (an administrator) still is."""

import re

from flask import Flask
from flask.testing import FlaskClient

from tests.helpers.api_keys import create_key
from tests.helpers.mail import SmtpServer
from tests.helpers.notices import delivered
from tests.helpers.users import MakeUser
from tests.helpers.web import KEY_PAGE, csrf_token, log_in, reauthed_client

NOTICES_FORM = "/settings/account/notices"


def choose(client: FlaskClient, on: bool) -> str:
    token = csrf_token(client.get("/settings/account"))
    data = {"csrf_token": token, **({"routine_notices": "y"} if on else {})}
    response = client.post(NOTICES_FORM, data=data)
    assert response.location == "/settings/account"
    return client.get("/settings/account").get_data(as_text=True)


def logged_in_as(app: Flask, email: str) -> FlaskClient:
    client = app.test_client()
    assert log_in(client, email).status_code == 302
    return client


def the_box(page: str) -> str:
    match = re.search(r'<input[^>]*id="routine_notices"[^>]*>', page)
    assert match, "the page has no routine-notices box"
    return match.group(0)


def test_the_box_is_ticked_to_begin_with(mail_app: Flask) -> None:
    MakeUser(mail_app)("ada@example.com")
    page = logged_in_as(mail_app, "ada@example.com").get("/settings/account")
    assert "checked" in the_box(page.get_data(as_text=True))


def test_unticking_it_is_saved(mail_app: Flask) -> None:
    MakeUser(mail_app)("ada@example.com")
    page = choose(logged_in_as(mail_app, "ada@example.com"), on=False)
    assert "checked" not in the_box(page)


def test_turned_off_ones_own_actions_are_not_told(mail_app: Flask, smtp: SmtpServer) -> None:
    ada = MakeUser(mail_app)("ada@example.com")
    page = choose(logged_in_as(mail_app, ada.email), on=False)
    assert "You will no longer be emailed about your own routine actions." in page
    create_key(mail_app.test_client(), (ada.email, ada.key), "ci")
    assert delivered(mail_app, smtp) == []


def test_turned_on_again_they_are(mail_app: Flask, smtp: SmtpServer) -> None:
    ada = MakeUser(mail_app)("ada@example.com")
    browser = logged_in_as(mail_app, ada.email)
    choose(browser, on=False)
    choose(browser, on=True)
    create_key(mail_app.test_client(), (ada.email, ada.key), "ci")
    assert len(delivered(mail_app, smtp, "New API key created")) == 1


def test_a_key_shown_from_a_new_address_is_told_regardless(
    mail_app: Flask, smtp: SmtpServer
) -> None:
    ada = MakeUser(mail_app)("ada@example.com")
    choose(logged_in_as(mail_app, ada.email), on=False)
    reauthed_client(mail_app, ada.email).get(KEY_PAGE)
    assert len(delivered(mail_app, smtp, "API key shown from a new IP address")) == 1


def test_what_an_administrator_did_is_told_regardless(mail_app: Flask, smtp: SmtpServer) -> None:
    ada = MakeUser(mail_app)("ada@example.com")
    choose(logged_in_as(mail_app, ada.email), on=False)
    mail_app.test_cli_runner().invoke(args=["keys", "revoke-all", ada.email])
    assert len(delivered(mail_app, smtp, "All your API keys were revoked")) == 1


def test_the_choice_needs_the_csrf_token(mail_app: Flask, smtp: SmtpServer) -> None:
    ada = MakeUser(mail_app)("ada@example.com")
    browser = logged_in_as(mail_app, ada.email)
    assert browser.post(NOTICES_FORM, data={}).status_code == 400
    create_key(mail_app.test_client(), (ada.email, ada.key), "ci")
    assert len(delivered(mail_app, smtp, "New API key created")) == 1
