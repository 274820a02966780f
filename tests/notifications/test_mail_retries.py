"""An SMTP outage delays mail and loses none; a refused recipient is given up; TLS is always
checked; two senders at once send each message once; a sent message keeps no body."""

import threading
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select, update

from app.core import db
from app.core.clock import install as install_clock
from app.core.models import OutboundMail
from tests.conftest import Clock
from tests.helpers.mail import SmtpServer, deliver
from tests.helpers.users import MakeUser
from tests.notifications.test_mail_delivery import regenerate


@pytest.fixture
def retry_clock(mail_app: Flask) -> Clock:
    substitute = Clock()
    install_clock(mail_app, substitute)
    return substitute


def queued(app: Flask) -> list[OutboundMail]:
    with app.app_context():
        return list(db.session().scalars(select(OutboundMail).order_by(OutboundMail.id)))


def test_mail_queued_while_smtp_is_down_arrives_when_it_is_back(
    mail_app: Flask, smtp: SmtpServer, retry_clock: Clock
) -> None:
    make_user = MakeUser(mail_app)
    regenerate(mail_app, make_user("first@example.com"))
    assert deliver(mail_app).sent == 1
    smtp.stop()  # in the middle of the queue's life
    regenerate(mail_app, make_user("second@example.com"))
    regenerate(mail_app, make_user("third@example.com"))
    assert deliver(mail_app).failed == 2
    smtp.start()
    assert deliver(mail_app).sent == 0  # each waits for its next attempt
    retry_clock.advance(seconds=mail_app.config["MAIL_RETRY_SECONDS"])
    assert deliver(mail_app).sent == 2
    assert sorted(m["To"] for m in smtp.received) == [
        "first@example.com",
        "second@example.com",
        "third@example.com",
    ]


def test_each_retry_waits_twice_as_long(
    mail_app: Flask, smtp: SmtpServer, retry_clock: Clock
) -> None:
    smtp.stop()
    regenerate(mail_app, MakeUser(mail_app)("ada@example.com"))
    base = mail_app.config["MAIL_RETRY_SECONDS"]
    waits = []
    for _ in range(3):
        delivery = deliver(mail_app)
        assert delivery.failed == 1 and delivery.next_due is not None
        waits.append((delivery.next_due - retry_clock.current).total_seconds())
        retry_clock.advance(seconds=waits[-1])
    assert waits == [base, 2 * base, 4 * base]


def test_mail_is_given_up_only_after_the_give_up_time(
    mail_app: Flask, smtp: SmtpServer, retry_clock: Clock
) -> None:
    smtp.stop()
    regenerate(mail_app, MakeUser(mail_app)("ada@example.com"))
    deliver(mail_app)
    retry_clock.advance(hours=mail_app.config["MAIL_GIVE_UP_HOURS"], seconds=1)
    deliver(mail_app)
    [gone] = queued(mail_app)
    assert gone.gave_up_at is not None and gone.sent_at is None
    smtp.start()
    retry_clock.advance(days=1)
    assert deliver(mail_app).sent == 0


def test_a_refused_recipient_is_given_up_at_once(mail_app: Flask, smtp: SmtpServer) -> None:
    smtp.handler.refused.add("gone@example.com")
    regenerate(mail_app, MakeUser(mail_app)("gone@example.com"))
    assert deliver(mail_app).failed == 1
    [refused] = queued(mail_app)
    assert refused.gave_up_at is not None and refused.last_error == "SMTPRecipientsRefused"


def test_a_sent_message_keeps_no_body(mail_app: Flask, smtp: SmtpServer) -> None:
    regenerate(mail_app, MakeUser(mail_app)("ada@example.com"))
    deliver(mail_app)
    [sent] = queued(mail_app)
    assert sent.sent_at is not None and sent.body == ""


@pytest.mark.parametrize("security", ["starttls", "smtps"])
def test_mail_goes_over_tls_with_a_login(
    make_app: Callable[..., Flask], tmp_path: Path, security: str
) -> None:
    server = SmtpServer(tmp_path, security)
    server.start()
    try:
        app = make_app(**server.settings())
        regenerate(app, MakeUser(app)("ada@example.com"))
        assert deliver(app).sent == 1
        assert [m["To"] for m in server.received] == ["ada@example.com"]
    finally:
        server.stop()


@pytest.mark.parametrize("security", ["starttls", "smtps"])
def test_a_certificate_nobody_vouches_for_stops_delivery(
    make_app: Callable[..., Flask], tmp_path: Path, security: str
) -> None:
    server = SmtpServer(tmp_path, security)
    server.start()
    try:
        app = make_app(SMTP_URL=server.url)  # the system's CAs: they never signed the test's
        regenerate(app, MakeUser(app)("ada@example.com"))
        assert deliver(app).failed == 1
        assert server.received == []
    finally:
        server.stop()


def test_two_senders_at_once_send_each_message_once(mail_app: Flask, smtp: SmtpServer) -> None:
    make_user = MakeUser(mail_app)
    for n in range(12):
        regenerate(mail_app, make_user(f"user{n}@example.com"))
    barrier = threading.Barrier(3)

    def send() -> None:
        barrier.wait(timeout=10)
        deliver(mail_app)

    senders = [threading.Thread(target=send) for _ in range(3)]
    for sender in senders:
        sender.start()
    for sender in senders:
        sender.join(timeout=60)
    recipients = sorted(m["To"] for m in smtp.received)
    assert recipients == sorted(f"user{n}@example.com" for n in range(12))


def test_a_message_the_server_cannot_carry_is_given_up_and_the_rest_go(
    make_app: Callable[..., Flask], tmp_path: Path
) -> None:
    server = SmtpServer(tmp_path, smtputf8=False)  # a relay without SMTPUTF8
    server.start()
    try:
        app = make_app(**server.settings())
        make_user = MakeUser(app)
        for address in ("用户@例子.中国", "ada@example.com", "bob@example.com"):
            regenerate(app, make_user(address))
        delivery = deliver(app)
        received = sorted(m["To"] for m in server.received)
    finally:
        server.stop()
    assert (delivery.sent, delivery.failed) == (2, 1)
    assert received == ["ada@example.com", "bob@example.com"]
    [refused] = [m for m in queued(app) if m.sent_at is None]
    assert refused.gave_up_at is not None and refused.last_error == "SMTPNotSupportedError"


def test_a_message_another_sender_holds_is_due_when_its_claim_lapses(
    mail_app: Flask, smtp: SmtpServer, retry_clock: Clock
) -> None:
    regenerate(mail_app, MakeUser(mail_app)("ada@example.com"))
    held_until = retry_clock.current + timedelta(seconds=120)
    with mail_app.app_context():
        db.session().execute(update(OutboundMail).values(claimed_until=held_until))
        db.session().commit()
    delivery = deliver(mail_app)
    assert (delivery.sent, delivery.next_due) == (0, held_until)
