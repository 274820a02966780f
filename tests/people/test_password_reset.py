"""A forgotten password: the reset link by email (the same answer for every address), the
link's page, and what a reset does: the new password, every session ended, the security log
and the notice. The link works once, for one hour, and only as it was sent."""

import re

from flask import Flask
from flask.testing import FlaskClient

from app.core import db
from app.core.clock import install as install_clock
from app.core.models import User
from tests.conftest import Clock
from tests.helpers.mail import SmtpServer, body_of, deliver
from tests.helpers.passwords import (
    FORGOT_PAGE,
    NEW_PASSWORD,
    RESET_PAGE,
    ask_for_reset,
    reset_link_in,
    reset_with,
)
from tests.helpers.users import MakeUser
from tests.helpers.web import KEY_PAGE, create_bot, field_error, kept_private, log_in


def moved_clock(app: Flask) -> Clock:
    clock = Clock()
    install_clock(app, clock)
    return clock


def emailed_link(app: Flask, smtp: SmtpServer, email: str = "ada@example.com") -> str:
    ask_for_reset(app.test_client(), email)
    deliver(app)
    return reset_link_in(smtp.received[-1])


def without_csrf_token(page: str) -> str:
    return re.sub(r'name="csrf_token" value="[^"]*"', "", page)


def test_the_login_page_links_to_the_reset(client: FlaskClient) -> None:
    assert f'href="{FORGOT_PAGE}"' in client.get("/login").get_data(as_text=True)


def test_the_api_key_password_step_links_to_the_reset(logged_in: FlaskClient) -> None:
    assert f'href="{FORGOT_PAGE}"' in logged_in.get(KEY_PAGE).get_data(as_text=True)


def test_the_answer_is_the_same_for_an_address_without_an_account(
    mail_app: Flask, smtp: SmtpServer
) -> None:
    MakeUser(mail_app)("ada@example.com")
    known = ask_for_reset(mail_app.test_client(), "ada@example.com")
    unknown = ask_for_reset(mail_app.test_client(), "nobody@example.com")
    assert known.status_code == unknown.status_code == 200
    same = without_csrf_token(unknown.get_data(as_text=True)).replace("nobody@", "ada@")
    assert without_csrf_token(known.get_data(as_text=True)) == same


def test_a_link_is_emailed_to_an_account_and_nothing_elsewhere(
    mail_app: Flask, smtp: SmtpServer
) -> None:
    MakeUser(mail_app)("ada@example.com")
    ask_for_reset(mail_app.test_client(), "nobody@example.com")
    ask_for_reset(mail_app.test_client(), "ADA@example.com")
    deliver(mail_app)
    [message] = smtp.received
    assert (message["To"], message["Subject"]) == ("ada@example.com", "Reset your password")
    assert "http://localhost/password/reset?token=" in body_of(message)


def test_the_link_names_the_site_url_when_set(make_app: object, smtp: SmtpServer) -> None:
    app = make_app(SITE_URL="https://keys.example.org", **smtp.settings())  # type: ignore[operator]
    MakeUser(app)("ada@example.com")
    ask_for_reset(app.test_client(), "ada@example.com")
    deliver(app)
    assert "https://keys.example.org/password/reset?token=" in body_of(smtp.received[0])


def test_deactivated_accounts_and_bots_get_nothing(
    mail_app: Flask, smtp: SmtpServer, make_user: MakeUser
) -> None:
    ada = MakeUser(mail_app)("ada@example.com")
    owner = mail_app.test_client()
    log_in(owner, ada.email)
    bot = create_bot(owner)
    MakeUser(mail_app)("gone@example.com")
    with mail_app.app_context():
        session = db.session()
        session.query(User).filter_by(email="gone@example.com").one().is_active = False
        session.commit()
    deliver(mail_app)  # the "bot created" notice: not what this test is about
    ask_for_reset(mail_app.test_client(), bot.email)
    ask_for_reset(mail_app.test_client(), "gone@example.com")
    assert deliver(mail_app).sent == 0


def test_the_link_sets_a_new_password(mail_app: Flask, smtp: SmtpServer) -> None:
    MakeUser(mail_app)("ada@example.com")
    browser = mail_app.test_client()
    response = reset_with(browser, emailed_link(mail_app, smtp))
    assert response.location == "/login"
    assert log_in(browser, "ada@example.com").status_code == 200
    assert log_in(browser, "ada@example.com", NEW_PASSWORD).status_code == 302


def test_the_token_leaves_the_address_bar_at_once(mail_app: Flask, smtp: SmtpServer) -> None:
    MakeUser(mail_app)("ada@example.com")
    landing = mail_app.test_client().get(emailed_link(mail_app, smtp))
    assert landing.location == RESET_PAGE


def test_a_reset_signs_out_every_session(mail_app: Flask, smtp: SmtpServer) -> None:
    MakeUser(mail_app)("ada@example.com")
    session = mail_app.test_client()
    log_in(session, "ada@example.com")
    reset_with(mail_app.test_client(), emailed_link(mail_app, smtp))
    assert session.get("/settings/account").status_code == 302


def test_the_link_works_once(mail_app: Flask, smtp: SmtpServer) -> None:
    MakeUser(mail_app)("ada@example.com")
    link = emailed_link(mail_app, smtp)
    reset_with(mail_app.test_client(), link)
    again = mail_app.test_client().get(link)
    assert again.status_code == 400
    assert "already been used" in again.get_data(as_text=True)
    assert f'href="{FORGOT_PAGE}"' in again.get_data(as_text=True)


def test_a_password_change_ends_earlier_links(mail_app: Flask, smtp: SmtpServer) -> None:
    MakeUser(mail_app)("ada@example.com")
    first = emailed_link(mail_app, smtp)
    reset_with(mail_app.test_client(), emailed_link(mail_app, smtp))
    assert mail_app.test_client().get(first).status_code == 400


def test_the_link_expires_after_an_hour(mail_app: Flask, smtp: SmtpServer) -> None:
    clock = moved_clock(mail_app)
    MakeUser(mail_app)("ada@example.com")
    link = emailed_link(mail_app, smtp)
    clock.advance(minutes=59)
    assert mail_app.test_client().get(link).status_code == 302
    clock.advance(minutes=2)
    late = mail_app.test_client().get(link)
    assert late.status_code == 400
    assert "It has expired" in late.get_data(as_text=True)


def test_a_link_that_expires_on_its_page_is_refused(mail_app: Flask, smtp: SmtpServer) -> None:
    clock = moved_clock(mail_app)
    MakeUser(mail_app)("ada@example.com")
    browser = mail_app.test_client()
    browser.get(emailed_link(mail_app, smtp))
    form = browser.get(RESET_PAGE)
    clock.advance(minutes=61)
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.get_data(as_text=True))
    assert token
    data = {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD, "csrf_token": token.group(1)}
    assert browser.post(RESET_PAGE, data=data).status_code == 400


def test_a_tampered_link_is_refused(mail_app: Flask, smtp: SmtpServer) -> None:
    MakeUser(mail_app)("ada@example.com")
    link = emailed_link(mail_app, smtp)
    for bad in (link[:-2], link.replace("token=", "token=x"), RESET_PAGE + "?token=", RESET_PAGE):
        response = mail_app.test_client().get(bad)
        assert response.status_code == 400, bad
        assert "This reset link cannot be used" in response.get_data(as_text=True)


def test_the_new_password_follows_the_registration_rules(mail_app: Flask, smtp: SmtpServer) -> None:
    MakeUser(mail_app)("ada@example.com")
    browser = mail_app.test_client()
    response = reset_with(browser, emailed_link(mail_app, smtp), new="short")
    assert field_error(response, "password") == "Use 10 to 256 characters."


def test_a_reset_is_logged_and_notified(mail_app: Flask, smtp: SmtpServer) -> None:
    MakeUser(mail_app)("ada@example.com")
    reset_with(mail_app.test_client(), emailed_link(mail_app, smtp))
    deliver(mail_app)
    notice = smtp.received[-1]
    assert notice["Subject"] == "Your password was reset"
    assert "Every login session was signed out." in body_of(notice)
    assert NEW_PASSWORD not in notice.as_string()
    browser = mail_app.test_client()
    log_in(browser, "ada@example.com", NEW_PASSWORD)
    page = browser.get("/settings/account").get_data(as_text=True)
    assert "Password reset link requested" in page
    assert "Password reset with an emailed link" in page


def test_every_response_of_the_reset_link_is_kept_private(
    mail_app: Flask, smtp: SmtpServer
) -> None:
    MakeUser(mail_app)("ada@example.com")
    link = emailed_link(mail_app, smtp)
    browser = mail_app.test_client()
    landing = browser.get(link)
    form = browser.get(RESET_PAGE)
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.get_data(as_text=True))
    assert token
    typed = {"confirm": NEW_PASSWORD, "csrf_token": token.group(1)}
    too_short = browser.post(RESET_PAGE, data={**typed, "password": "short"})
    reset = browser.post(RESET_PAGE, data={**typed, "password": NEW_PASSWORD})
    responses = {
        "landing": landing,
        "form page": form,
        "form error": too_short,
        "reset done": reset,
        "used link": browser.get(link),
        "tampered link": browser.get(link + "x"),
        "no link": mail_app.test_client().get(RESET_PAGE),
        "no CSRF token": mail_app.test_client().post(RESET_PAGE, data={"password": "x"}),
    }
    statuses = {step: response.status_code for step, response in responses.items()}
    assert statuses == {
        "landing": 302,
        "form page": 200,
        "form error": 200,
        "reset done": 302,
        "used link": 400,
        "tampered link": 400,
        "no link": 400,
        "no CSRF token": 400,
    }
    assert [step for step, response in responses.items() if not kept_private(response)] == []
