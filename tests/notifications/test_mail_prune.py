"""`flask mail prune` forgets mail sent or given up long ago, and never mail still waiting."""

from flask import Flask
from sqlalchemy import select

from app.core import db
from app.core.clock import install as install_clock
from app.core.models import OutboundMail
from tests.conftest import Clock
from tests.helpers.mail import SmtpServer, deliver
from tests.helpers.users import MakeUser
from tests.notifications.test_mail_delivery import regenerate


def recipients(app: Flask) -> list[str]:
    with app.app_context():
        return sorted(db.session().scalars(select(OutboundMail.recipient)))


def test_prune_deletes_old_sent_mail_and_keeps_waiting_mail(
    mail_app: Flask, smtp: SmtpServer
) -> None:
    clock = Clock()
    install_clock(mail_app, clock)
    make_user = MakeUser(mail_app)
    regenerate(mail_app, make_user("sent@example.com"))
    deliver(mail_app)
    smtp.stop()
    regenerate(mail_app, make_user("waiting@example.com"))
    deliver(mail_app)  # fails: waits for its next attempt
    clock.advance(days=31)
    result = mail_app.test_cli_runner().invoke(args=["mail", "prune", "--older-than", "30"])
    assert result.output == "Deleted 1 mail records older than 30 days.\n"
    assert recipients(mail_app) == ["waiting@example.com"]


def test_prune_keeps_recent_mail(mail_app: Flask, smtp: SmtpServer) -> None:
    regenerate(mail_app, MakeUser(mail_app)("ada@example.com"))
    deliver(mail_app)
    result = mail_app.test_cli_runner().invoke(args=["mail", "prune"])
    assert result.output == "Deleted 0 mail records older than 30 days.\n"
    assert recipients(mail_app) == ["ada@example.com"]
