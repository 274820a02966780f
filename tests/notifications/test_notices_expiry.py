"""`flask keys notify-expiring`, run daily: a key's owner is told 7, 3 and 1 days before it
expires, each once, however often or late the command runs; the notice has no link."""

from flask import Flask

from tests.conftest import Clock
from tests.helpers.api import api_create_bot, api_ok
from tests.helpers.api_keys import create_key
from tests.helpers.mail import SmtpServer, body_of
from tests.helpers.notices import delivered, update_user
from tests.helpers.users import Account, MakeUser

EXPIRING = "An API key expires soon"


def notify(app: Flask) -> str:
    result = app.test_cli_runner().invoke(args=["keys", "notify-expiring"])
    assert result.exit_code == 0, result.output
    return result.output


def key_for_ten_days(app: Flask, ada: Account, name: str = "ci") -> dict[str, object]:
    made = create_key(app.test_client(), (ada.email, ada.key), name, expires_in_days="10")
    return api_ok(made)


def told(app: Flask, smtp: SmtpServer) -> list[str]:
    return [body_of(m) for m in delivered(app, smtp, EXPIRING)]


def test_nothing_is_told_more_than_7_days_ahead(
    mail_app: Flask, smtp: SmtpServer, mail_clock: Clock
) -> None:
    key_for_ten_days(mail_app, MakeUser(mail_app)("ada@example.com"))
    mail_clock.advance(days=2, hours=23)
    assert "0 keys" in notify(mail_app)
    assert told(mail_app, smtp) == []


def test_each_threshold_is_told_once_on_its_day(
    mail_app: Flask, smtp: SmtpServer, mail_clock: Clock
) -> None:
    made = key_for_ten_days(mail_app, MakeUser(mail_app)("ada@example.com", "Ada Lovelace"))
    sent = []
    for _day in range(10):
        mail_clock.advance(days=1)
        notify(mail_app)
        notify(mail_app)  # twice the same day: nothing more
        sent.append(len(told(mail_app, smtp)))
    assert sent == [0, 0, 1, 1, 1, 1, 2, 2, 3, 3]
    [seven, three, one] = told(mail_app, smtp)
    assert "That is within 7 days." in seven and "within 3 days" in three
    assert "That is within 1 day." in one
    assert f"The API key “ci” of “Ada Lovelace”, ending in {made['key_hint']}, expires at" in one
    assert str(made["api_key"]) not in seven + three + one
    assert "/not-me" not in seven and "IP address" not in seven


def test_a_late_run_tells_only_the_nearest_threshold(
    mail_app: Flask, smtp: SmtpServer, mail_clock: Clock
) -> None:
    key_for_ten_days(mail_app, MakeUser(mail_app)("ada@example.com"))
    mail_clock.advance(days=9, hours=12)
    notify(mail_app)
    [only] = told(mail_app, smtp)
    assert "That is within 1 day." in only


def test_every_expiring_key_is_told_in_one_run(
    mail_app: Flask, smtp: SmtpServer, mail_clock: Clock
) -> None:
    ada = MakeUser(mail_app)("ada@example.com")
    for number in range(3):
        key_for_ten_days(mail_app, ada, f"key {number}")
    mail_clock.advance(days=4)
    assert "3 keys" in notify(mail_app)
    assert len(told(mail_app, smtp)) == 3


def test_a_bots_key_is_told_to_its_owner_even_with_routine_notices_off(
    mail_app: Flask, smtp: SmtpServer, mail_clock: Clock
) -> None:
    owner = MakeUser(mail_app)("owner@example.com")
    update_user(mail_app, owner.id, routine_notices=False)
    bot = api_ok(api_create_bot(mail_app.test_client(), owner, "Relay", "relay"))
    create_key(
        mail_app.test_client(),
        (owner.email, owner.key),
        "ci",
        f"/bots/{bot['user_id']}",
        expires_in_days="2",
    )
    notify(mail_app)
    [message] = delivered(mail_app, smtp, EXPIRING)
    assert message["To"] == "owner@example.com"
    assert "of “Relay”" in body_of(message)


def test_the_expiry_notice_is_in_the_recipients_language(
    mail_app: Flask, smtp: SmtpServer, mail_clock: Clock
) -> None:
    ada = MakeUser(mail_app)("ada@example.com")
    update_user(mail_app, ada.id, language="zh_Hans")
    key_for_ten_days(mail_app, ada)
    mail_clock.advance(days=9, hours=1)
    notify(mail_app)
    [message] = delivered(mail_app, smtp, "有 API 密钥即将过期")
    assert "也就是 1 天之内" in body_of(message)
