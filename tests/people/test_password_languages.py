"""The password pages and messages in Simplified Chinese: the browser's language for the
pages, the recipient's saved language for the emails."""

from flask import Flask
from flask.testing import FlaskClient

from app.core import db
from app.core.models import User
from tests.helpers.mail import SmtpServer, body_of, deliver
from tests.helpers.passwords import FORGOT_PAGE, ask_for_reset, change_password
from tests.helpers.users import MakeUser
from tests.helpers.web import log_in

CHINESE = {"Accept-Language": "zh-CN"}


def speaks_chinese(app: Flask, email: str) -> None:
    with app.app_context():
        session = db.session()
        session.query(User).filter_by(email=email).one().language = "zh_Hans"
        session.commit()


def test_the_forgot_page_speaks_the_browsers_language(client: FlaskClient) -> None:
    page = client.get(FORGOT_PAGE, headers=CHINESE).get_data(as_text=True)
    assert "忘记密码" in page and "给我发送重置链接" in page


def test_the_reset_link_is_sent_in_the_recipients_language(
    mail_app: Flask, smtp: SmtpServer
) -> None:
    MakeUser(mail_app)("ada@example.com")
    speaks_chinese(mail_app, "ada@example.com")
    ask_for_reset(mail_app.test_client(), "ada@example.com")
    deliver(mail_app)
    [message] = smtp.received
    assert message["Subject"] == "重置你的密码"
    assert "请在 60 分钟内打开此链接" in body_of(message)


def test_the_change_notice_is_in_the_recipients_language(mail_app: Flask, smtp: SmtpServer) -> None:
    ada = MakeUser(mail_app)("ada@example.com")
    speaks_chinese(mail_app, ada.email)
    client = mail_app.test_client()
    log_in(client, ada.email)
    change_password(client, end_other_sessions=False, replace_keys=True)
    deliver(mail_app)
    body = body_of(smtp.received[-1])
    assert smtp.received[-1]["Subject"] == "你的密码已更改"
    assert "你和你的机器人的所有 API 密钥均已更换" in body
    assert "你的其他登录会话已退出登录。" not in body
