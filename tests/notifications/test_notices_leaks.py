"""A key reported leaked is notified to its owner (a bot's to its owner) by email, with where
it was found and its hint, never the key; always, even to someone who turned off routine
notices."""

from flask import Flask

from app.core import db
from app.core.models import User
from tests.helpers.api import api_create_bot, api_me
from tests.helpers.leaks import report_leak
from tests.helpers.mail import SmtpServer, body_of, deliver
from tests.helpers.users import MakeUser

LEAKED_AT = "https://pastebin.example/raw/abc123"
SHOWN_AS = "“https[://]pastebin[.]example/raw/abc123”"  # quoted, and no link


def test_the_owner_is_told_what_leaked_and_where(mail_app: Flask, smtp: SmtpServer) -> None:
    ada = MakeUser(mail_app)("ada@example.com", "Ada Lovelace")
    report_leak(mail_app.test_client(), ada.key, source=LEAKED_AT)
    assert deliver(mail_app).sent == 1
    [message] = smtp.received
    assert message["To"] == "ada@example.com"
    assert message["Subject"] == "API key revoked: reported leaked"
    body = body_of(message)
    assert f"An API key of “Ada Lovelace” (ending in {ada.key[-4:]}) was reported as leaked" in body
    assert "It was the primary key: a new one replaces it." in body
    said = "Where it was found, as the reporter says (not checked, and written so that it is no"
    assert f"{said} link: [.] for a dot, [://] for ://): {SHOWN_AS}" in body


def test_the_notice_never_holds_the_key(mail_app: Flask, smtp: SmtpServer) -> None:
    ada = MakeUser(mail_app)("ada@example.com")
    report_leak(mail_app.test_client(), ada.key, source=LEAKED_AT)
    deliver(mail_app)
    assert ada.key not in smtp.received[0].as_string()


def test_a_report_without_a_source_says_so(mail_app: Flask, smtp: SmtpServer) -> None:
    ada = MakeUser(mail_app)("ada@example.com")
    report_leak(mail_app.test_client(), ada.key)
    deliver(mail_app)
    assert "The reporter did not say where it was found." in body_of(smtp.received[0])


def test_a_bots_leak_is_told_to_its_owner(mail_app: Flask, smtp: SmtpServer) -> None:
    owner = MakeUser(mail_app)("owner@example.com")
    client = mail_app.test_client()
    bot = api_create_bot(client, owner, "Relay", "relay").get_json()
    deliver(mail_app)
    smtp.received.clear()
    report_leak(client, bot["api_key"], source=LEAKED_AT)
    deliver(mail_app)
    [message] = smtp.received
    assert message["To"] == "owner@example.com"
    assert "An API key of “Relay”" in body_of(message)


def test_leak_notices_are_sent_to_those_who_turned_routine_ones_off(
    mail_app: Flask, smtp: SmtpServer
) -> None:
    ada = MakeUser(mail_app)("ada@example.com")
    with mail_app.app_context():
        db.session().get_one(User, ada.id).routine_notices = False
        db.session().commit()
    report_leak(mail_app.test_client(), ada.key)
    assert deliver(mail_app).sent == 1


def test_the_notice_is_in_the_owners_language(mail_app: Flask, smtp: SmtpServer) -> None:
    ada = MakeUser(mail_app)("ada@example.com")
    with mail_app.app_context():
        db.session().get_one(User, ada.id).language = "zh_Hans"
        db.session().commit()
    report_leak(mail_app.test_client(), ada.key, source=LEAKED_AT)
    deliver(mail_app)
    [message] = smtp.received
    assert message["Subject"] == "API 密钥已撤销：被报告泄露"  # noqa: RUF001
    assert SHOWN_AS in body_of(message) and ada.key[-4:] in body_of(message)


def test_a_dead_key_sends_no_notice(mail_app: Flask, smtp: SmtpServer) -> None:
    ada = MakeUser(mail_app)("ada@example.com")
    client = mail_app.test_client()
    report_leak(client, ada.key)
    report_leak(client, ada.key)
    assert deliver(mail_app).sent == 1


def test_a_deactivated_accounts_key_is_revoked_without_mail(
    mail_app: Flask, smtp: SmtpServer
) -> None:
    ada = MakeUser(mail_app)("ada@example.com")
    runner, client = mail_app.test_cli_runner(), mail_app.test_client()
    runner.invoke(args=["users", "deactivate", ada.email])
    report_leak(client, ada.key)
    runner.invoke(args=["users", "reactivate", ada.email])
    assert api_me(client, ada.email, ada.key).status_code == 401  # no old key comes back
    assert deliver(mail_app).sent == 0
