"""Outbound mail through a real SMTP server: a notice reaches its recipient after the event
commits, in their language, with the key's hint and never the key; without SMTP it is an
.eml file in instance/outbox/."""

import stat
from email import message_from_bytes, policy
from pathlib import Path

from flask import Flask

from app.core import db
from app.core.models import User
from app.notifications import mail
from tests.helpers.api import API, api_ok
from tests.helpers.mail import SmtpServer, body_of, deliver
from tests.helpers.users import Account, MakeUser


def regenerate(app: Flask, account: Account) -> str:
    answer = app.test_client().post(
        f"{API}/users/me/api_key/regenerate",
        auth=(account.email, account.key),
        headers={"User-Agent": "rotate-script/1.0"},
    )
    return str(api_ok(answer)["api_key"])


def test_a_regeneration_emails_its_owner(mail_app: Flask, smtp: SmtpServer) -> None:
    ada = MakeUser(mail_app)("ada@example.com", "Ada Lovelace")
    regenerate(mail_app, ada)
    assert deliver(mail_app).sent == 1
    [message] = smtp.received
    assert message["To"] == "ada@example.com"
    assert message["Subject"] == "API key regenerated"
    assert message["Auto-Submitted"] == "auto-generated"


def test_the_notice_says_what_when_and_from_where(mail_app: Flask, smtp: SmtpServer) -> None:
    ada = MakeUser(mail_app)("ada@example.com", "Ada Lovelace")
    new_key = regenerate(mail_app, ada)
    deliver(mail_app)
    body = body_of(smtp.received[0])
    assert "Hello “Ada Lovelace”," in body
    assert f"The new key ends in {new_key[-4:]}." in body
    assert "IP address: 127.0.0.1" in body
    assert "Browser or program: “rotate-script/1.0”" in body
    assert " UTC" in body.split("When: ")[1].splitlines()[0]


def test_no_message_ever_holds_a_key(mail_app: Flask, smtp: SmtpServer) -> None:
    ada = MakeUser(mail_app)("ada@example.com")
    new_key = regenerate(mail_app, ada)
    deliver(mail_app)
    raw = smtp.received[0].as_string()
    assert new_key not in raw and ada.key not in raw


def test_a_bots_notice_goes_to_its_owner(mail_app: Flask, smtp: SmtpServer) -> None:
    owner = MakeUser(mail_app)("owner@example.com")
    client = mail_app.test_client()
    bot = api_ok(
        client.post(
            f"{API}/bots",
            auth=(owner.email, owner.key),
            data={"full_name": "Relay", "short_name": "relay"},
        )
    )
    regenerated = client.post(
        f"{API}/bots/{bot['user_id']}/api_key/regenerate", auth=(owner.email, owner.key)
    )
    api_ok(regenerated)
    deliver(mail_app)
    notices = [m for m in smtp.received if m["Subject"] == "API key regenerated"]
    assert [m["To"] for m in notices] == ["owner@example.com"]
    assert "A new API key was made for “Relay”." in body_of(notices[0])


def test_the_notice_is_in_the_recipients_language(mail_app: Flask, smtp: SmtpServer) -> None:
    ada = MakeUser(mail_app)("ada@example.com")
    with mail_app.app_context():
        db.session().get_one(User, ada.id).language = "zh_Hans"
        db.session().commit()
    regenerate(mail_app, ada)
    deliver(mail_app)
    message = smtp.received[0]
    assert message["Subject"] == "已重新生成 API 密钥"
    assert message["Content-Language"] == "zh-Hans"
    assert "新密钥的末尾是" in body_of(message)


def test_mail_of_a_transaction_that_rolled_back_is_never_sent(
    mail_app: Flask, smtp: SmtpServer
) -> None:
    ada = MakeUser(mail_app)("ada@example.com")
    with mail_app.test_request_context():
        session = db.session()
        user = session.get_one(User, ada.id)
        mail.queue(
            session,
            user,
            subject="Never sent",
            template="key_regenerated",
            when="now",
            ip=None,
            user_agent=None,
            realm="Keyfob",
            hint="abcd",
            grace_seconds=0,
            overlap_ends=None,
        )
        session.rollback()
    assert deliver(mail_app).sent == 0
    assert smtp.received == []


def test_without_smtp_each_message_is_an_eml_file_in_the_outbox(
    app: Flask, make_user: MakeUser
) -> None:
    regenerate(app, make_user("ada@example.com"))
    deliver(app)
    [written] = (Path(app.instance_path) / "outbox").glob("*.eml")
    assert stat.S_IMODE(written.stat().st_mode) == 0o600
    message = message_from_bytes(written.read_bytes(), policy=policy.default)
    assert (message["To"], message["Subject"]) == ("ada@example.com", "API key regenerated")


def test_flask_mail_send_delivers_the_queue_and_says_so(mail_app: Flask, smtp: SmtpServer) -> None:
    regenerate(mail_app, MakeUser(mail_app)("ada@example.com"))
    result = mail_app.test_cli_runner().invoke(args=["mail", "send"])
    assert result.exit_code == 0, result.output
    assert "Sent 1, 0 failed; nothing is waiting." in result.output
    assert len(smtp.received) == 1
