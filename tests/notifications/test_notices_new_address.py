"""A key shown, fetched or downloaded is told only when it leaves for an IP address this
person's keys never left for before; the very first one counts."""

from flask import Flask

from tests.helpers.api import API
from tests.helpers.keys import create_named_key
from tests.helpers.mail import SmtpServer
from tests.helpers.notices import delivered, not_me_link, the_notice
from tests.helpers.users import PASSWORD, MakeUser
from tests.helpers.web import BOTS, KEY_PAGE, KEY_ZULIPRC, create_bot, from_ip, reauthed_client

SHOWN = "API key shown from a new IP address"


def test_the_first_reveal_ever_is_told(mail_app: Flask, smtp: SmtpServer) -> None:
    ada = MakeUser(mail_app)("ada@example.com", "Ada Lovelace")
    reauthed_client(mail_app, ada.email).get(KEY_PAGE)
    body = the_notice(mail_app, smtp, SHOWN)
    assert "The API key of “Ada Lovelace” was shown from an IP address not seen before" in body
    assert f"The key ends in {ada.key[-4:]}." in body
    assert "IP address: 127.0.0.1" in body and ada.key not in body
    assert not_me_link(body)


def test_a_second_reveal_from_the_same_address_is_not_told(
    mail_app: Flask, smtp: SmtpServer
) -> None:
    ada = MakeUser(mail_app)("ada@example.com")
    browser = reauthed_client(mail_app, ada.email)
    browser.get(KEY_PAGE)
    browser.get(KEY_PAGE)
    assert len(delivered(mail_app, smtp, SHOWN)) == 1


def test_a_reveal_from_a_new_address_is_told(mail_app: Flask, smtp: SmtpServer) -> None:
    ada = MakeUser(mail_app)("ada@example.com")
    browser = reauthed_client(mail_app, ada.email)
    browser.get(KEY_PAGE)
    from_ip(browser, "203.0.113.9").get(KEY_PAGE)
    notices = delivered(mail_app, smtp, SHOWN)
    assert len(notices) == 2
    assert "IP address: 203.0.113.9" in notices[1].as_string()


def test_a_zuliprc_download_from_a_new_address_is_told(mail_app: Flask, smtp: SmtpServer) -> None:
    ada = MakeUser(mail_app)("ada@example.com")
    reauthed_client(mail_app, ada.email).get(KEY_ZULIPRC)
    body = the_notice(mail_app, smtp, SHOWN)
    assert "A zuliprc file holding the API key of “Test User” was downloaded" in body


def test_a_named_keys_download_is_told_by_name(mail_app: Flask, smtp: SmtpServer) -> None:
    ada = MakeUser(mail_app)("ada@example.com")
    browser = reauthed_client(mail_app, ada.email)
    made = create_named_key(browser, name="CI deploy")
    from_ip(browser, "198.51.100.7").get(f"{made.page}/zuliprc")
    body = the_notice(mail_app, smtp, SHOWN)
    assert f"The key is “CI deploy”, ending in {made.key[-4:]}." in body
    assert made.key not in body


def test_a_bots_key_shown_is_told_to_its_owner(mail_app: Flask, smtp: SmtpServer) -> None:
    owner = MakeUser(mail_app)("owner@example.com")
    browser = reauthed_client(mail_app, owner.email)
    bot = create_bot(browser)
    browser.get(f"{BOTS}/{bot.id}/key")
    body = the_notice(mail_app, smtp, SHOWN)
    assert "The API key of “Weather Bot” was shown" in body


def test_fetching_the_key_with_the_password_from_a_new_address_is_told(
    mail_app: Flask, smtp: SmtpServer
) -> None:
    ada = MakeUser(mail_app)("ada@example.com", "Ada Lovelace")
    client = mail_app.test_client()
    data = {"username": ada.email, "password": PASSWORD}
    assert client.post(f"{API}/fetch_api_key", data=data).status_code == 200
    assert client.post(f"{API}/fetch_api_key", data=data).status_code == 200
    [message] = delivered(mail_app, smtp, SHOWN)
    assert "was fetched with its password" in message.as_string()
