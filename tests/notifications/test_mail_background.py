"""MAIL_DELIVERY=background, the default: mail goes out by itself after the commit, comes
through an SMTP outage by itself, and no thread is left once nothing waits."""

import threading
import time
from collections.abc import Callable

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from app.notifications.mail import outbox
from tests.helpers.mail import WAIT_SECONDS, SmtpServer
from tests.helpers.users import MakeUser
from tests.notifications.test_mail_delivery import regenerate


@pytest.fixture
def background_app(make_app: Callable[..., Flask], smtp: SmtpServer) -> Flask:
    return make_app(**smtp.settings(), MAIL_DELIVERY="background", MAIL_RETRY_SECONDS=1)


def sender_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "keyfob-mail"]


def until_no_sender() -> list[threading.Thread]:
    deadline = time.monotonic() + WAIT_SECONDS
    while sender_threads() and time.monotonic() < deadline:
        time.sleep(0.05)
    return sender_threads()


def test_mail_goes_out_after_the_commit_by_itself(background_app: Flask, smtp: SmtpServer) -> None:
    regenerate(background_app, MakeUser(background_app)("ada@example.com"))
    assert [m["To"] for m in smtp.wait_for(1)] == ["ada@example.com"]


def test_mail_comes_through_an_smtp_outage_by_itself(
    background_app: Flask, smtp: SmtpServer
) -> None:
    smtp.stop()
    regenerate(background_app, MakeUser(background_app)("ada@example.com"))
    time.sleep(1.5)  # at least one attempt fails while the server is away
    assert sender_threads()  # still waiting to try again
    smtp.start()
    assert [m["To"] for m in smtp.wait_for(1)] == ["ada@example.com"]


def test_the_sender_ends_when_nothing_waits(background_app: Flask, smtp: SmtpServer) -> None:
    regenerate(background_app, MakeUser(background_app)("ada@example.com"))
    smtp.wait_for(1)
    assert until_no_sender() == []


def test_with_command_delivery_nothing_goes_out_by_itself(
    mail_app: Flask, smtp: SmtpServer
) -> None:
    regenerate(mail_app, MakeUser(mail_app)("ada@example.com"))
    time.sleep(0.5)
    assert smtp.received == [] and sender_threads() == []


def test_a_failure_nobody_expected_does_not_end_delivery(
    background_app: Flask, smtp: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = outbox.deliver_due
    calls: list[int] = []

    def fails_once(app: Flask, session: Session) -> outbox.Delivery:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("a bug in the first round")
        return real(app, session)

    monkeypatch.setattr(outbox, "deliver_due", fails_once)
    regenerate(background_app, MakeUser(background_app)("ada@example.com"))
    assert [m["To"] for m in smtp.wait_for(1)] == ["ada@example.com"]
