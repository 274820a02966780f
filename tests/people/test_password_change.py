"""Changing one's password in Account & privacy: the current password checked (and counted),
the registration rules, other sessions ended or kept, keys replaced when asked, the security
log and the emailed notice."""

from flask import Flask
from flask.testing import FlaskClient

from tests.helpers.api import api_me
from tests.helpers.mail import SmtpServer, body_of, deliver
from tests.helpers.passwords import CHANGE_PAGE, NEW_PASSWORD, change_password
from tests.helpers.users import Account, MakeUser
from tests.helpers.web import create_bot, field_error, log_in


def logged_in_client(app: Flask, account: Account) -> FlaskClient:
    client = app.test_client()
    assert log_in(client, account.email).status_code == 302
    return client


def security_log(client: FlaskClient) -> str:
    return client.get("/settings/account").get_data(as_text=True)


def test_account_page_links_to_the_change_form(logged_in: FlaskClient) -> None:
    assert f'href="{CHANGE_PAGE}"' in security_log(logged_in)
    page = logged_in.get(CHANGE_PAGE).get_data(as_text=True)
    assert '<input checked id="end_other_sessions"' in page
    assert '<input id="replace_keys"' in page


def test_the_new_password_logs_in_and_the_old_one_no_longer_does(
    app: Flask, logged_in: FlaskClient, user: Account
) -> None:
    assert change_password(logged_in).location == "/settings/account"
    assert log_in(app.test_client(), user.email).status_code == 200
    assert log_in(app.test_client(), user.email, NEW_PASSWORD).status_code == 302


def test_a_wrong_current_password_is_refused(
    app: Flask, logged_in: FlaskClient, user: Account
) -> None:
    response = change_password(logged_in, current="not my password")
    assert field_error(response, "current_password") == "Password is incorrect"
    assert log_in(app.test_client(), user.email).status_code == 302


def test_wrong_current_passwords_count_against_the_rate_limit(logged_in: FlaskClient) -> None:
    for _ in range(5):
        assert change_password(logged_in, current="guess").status_code == 200
    assert change_password(logged_in).status_code == 429


def test_a_wrong_current_password_is_in_the_security_log(logged_in: FlaskClient) -> None:
    change_password(logged_in, current="not my password")
    assert "Wrong password entered" in security_log(logged_in)


def test_the_new_password_follows_the_registration_rules(
    app: Flask, logged_in: FlaskClient, user: Account
) -> None:
    response = change_password(logged_in, new="short")
    assert field_error(response, "password") == "Use 10 to 256 characters."
    assert log_in(app.test_client(), user.email).status_code == 302


def test_the_new_password_must_be_typed_twice_alike(logged_in: FlaskClient) -> None:
    response = change_password(logged_in, confirm="something else entirely")
    assert field_error(response, "confirm") == "Passwords do not match."


def test_other_sessions_end_but_this_one_stays(
    app: Flask, logged_in: FlaskClient, user: Account
) -> None:
    elsewhere = logged_in_client(app, user)
    change_password(logged_in)
    assert logged_in.get("/settings/account").status_code == 200
    assert elsewhere.get("/settings/account").status_code == 302


def test_unticked_every_session_stays(app: Flask, logged_in: FlaskClient, user: Account) -> None:
    elsewhere = logged_in_client(app, user)
    change_password(logged_in, end_other_sessions=False)
    assert logged_in.get("/settings/account").status_code == 200
    assert elsewhere.get("/settings/account").status_code == 200


def test_keys_stay_unless_asked(logged_in: FlaskClient, user: Account) -> None:
    change_password(logged_in)
    assert api_me(logged_in, user.email, user.key).status_code == 200


def test_keys_of_the_user_and_their_bots_are_replaced_when_asked(
    logged_in: FlaskClient, user: Account
) -> None:
    bot = create_bot(logged_in)
    change_password(logged_in, replace_keys=True)
    assert api_me(logged_in, user.email, user.key).status_code == 401
    assert api_me(logged_in, bot.email, bot.key).status_code == 401
    assert "All API keys revoked" in security_log(logged_in)


def test_the_change_is_in_the_security_log(logged_in: FlaskClient) -> None:
    change_password(logged_in)
    assert "Password changed" in security_log(logged_in)


def test_the_owner_is_emailed_with_a_way_to_reset(mail_app: Flask, smtp: SmtpServer) -> None:
    ada = MakeUser(mail_app)("ada@example.com", "Ada Lovelace")
    change_password(logged_in_client(mail_app, ada))
    deliver(mail_app)
    [message] = smtp.received
    assert (message["To"], message["Subject"]) == ("ada@example.com", "Your password was changed")
    body = body_of(message)
    assert "Your other login sessions were signed out." in body
    assert "If this wasn't you" in body and "http://localhost/password/forgot" in body
    assert NEW_PASSWORD not in message.as_string()


def test_this_browser_stays_a_known_device_for_the_new_password(
    logged_in: FlaskClient,
) -> None:
    response = change_password(logged_in)
    assert "keyfob_device=" in response.headers.get("Set-Cookie", "")
