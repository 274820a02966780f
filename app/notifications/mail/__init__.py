"""Outbound mail: queued in the transaction of the event it tells of, delivered after the
commit by a background thread or `flask mail send` (docs/admin/email.md)."""

from flask import Flask

from app.notifications.mail import sender, transports
from app.notifications.mail.outbox import deliver_due, queue, recipient_for

__all__ = ["deliver_due", "init_app", "queue", "recipient_for"]


def init_app(app: Flask) -> None:
    if app.config["NOTICES_FROM_OTHERS_PER_HOUR"] < 0:
        raise ValueError("NOTICES_FROM_OTHERS_PER_HOUR must be 0 (no limit) or more")
    if app.config["SMTP_URL"]:
        transports.SmtpSettings.from_url(app.config["SMTP_URL"])  # refuse a bad URL at start
    sender.init_app(app)
