"""Reset emails are rate limited per client IP and per address, whether or not the address
has an account; and no log line holds a reset link's token."""

import logging
from collections.abc import Callable

import httpx
import pytest
from flask import Flask

from tests.helpers.live import serve
from tests.helpers.mail import SmtpServer, deliver
from tests.helpers.passwords import ask_for_reset, reset_link_in
from tests.helpers.users import MakeUser
from tests.helpers.web import from_ip

TEST_SIDE_LOGGERS = ("httpx", "httpcore", "mail.log")


def test_an_address_gets_three_links_an_hour_by_default(mail_app: Flask, smtp: SmtpServer) -> None:
    MakeUser(mail_app)("ada@example.com")
    for index in range(3):
        assert (
            ask_for_reset(
                from_ip(mail_app.test_client(), f"10.0.0.{index}"), "ada@example.com"
            ).status_code
            == 200
        )
    refused = ask_for_reset(from_ip(mail_app.test_client(), "10.0.0.9"), "ada@example.com")
    assert refused.status_code == 429
    assert "Too many attempts" in refused.get_data(as_text=True)
    assert deliver(mail_app).sent == 3


def test_an_unknown_address_is_limited_alike(app: Flask) -> None:
    answers = [
        ask_for_reset(
            from_ip(app.test_client(), f"10.0.0.{index}"), "nobody@example.com"
        ).status_code
        for index in range(4)
    ]
    assert answers == [200, 200, 200, 429]


def test_every_spelling_of_an_address_shares_its_allowance(mail_app: Flask) -> None:
    MakeUser(mail_app)("ada@example.com")
    spellings = [
        "ada@example.com",
        "ADA@Example.com",
        "ada@\uff45xample.com",
        "ada@example\u3002com",
    ]
    answers = [
        ask_for_reset(from_ip(mail_app.test_client(), f"10.0.0.{i}"), address).status_code
        for i, address in enumerate(spellings)
    ]
    assert answers == [200, 200, 200, 429]


def test_one_ip_is_limited_across_addresses(make_app: Callable[..., Flask]) -> None:
    app = make_app(PASSWORD_RESET_LIMIT_PER_IP="2 per hour")
    client = app.test_client()
    answers = [ask_for_reset(client, f"user{index}@example.com").status_code for index in range(3)]
    assert answers == [200, 200, 429]
    assert (
        ask_for_reset(from_ip(app.test_client(), "10.0.0.1"), "user9@example.com").status_code
        == 200
    )


def test_the_limits_follow_the_settings(make_app: Callable[..., Flask]) -> None:
    app = make_app(PASSWORD_RESET_LIMIT_PER_ADDRESS="1 per hour")
    assert ask_for_reset(app.test_client(), "ada@example.com").status_code == 200
    assert (
        ask_for_reset(from_ip(app.test_client(), "10.0.0.1"), "ada@example.com").status_code == 429
    )


def test_no_log_line_holds_the_token(
    mail_app: Flask, smtp: SmtpServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    MakeUser(mail_app)("ada@example.com")
    ask_for_reset(mail_app.test_client(), "ada@example.com")
    deliver(mail_app)
    link = reset_link_in(smtp.received[0])
    token = link.split("token=")[1]
    with serve(mail_app) as url:
        assert httpx.get(url + link).status_code == 302
    # The server's and the app's records; not those of the test's own HTTP client and SMTP server.
    ours = [r for r in caplog.records if not r.name.startswith(TEST_SIDE_LOGGERS)]
    logged = "\n".join(f"{record.getMessage()} {record.__dict__}" for record in ours)
    assert "GET /password/reset" in logged, "the request was not logged: this proves nothing"
    assert token not in logged
