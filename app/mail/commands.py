"""`flask mail send`: deliver every message that is due now, for operators who run delivery
from cron or a timer (MAIL_DELIVERY=command), or to flush the queue by hand."""

import click
from flask import current_app
from flask.cli import AppGroup

from app import db
from app.mail import outbox


@click.group("mail", cls=AppGroup)
def mail_cli() -> None:
    """Outbound mail."""


@mail_cli.command("send")
def send_command() -> None:
    """Send every queued message that is due; failures wait for their next attempt."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    delivery = outbox.deliver_due(app, db.session())
    waiting = "nothing is waiting"
    if delivery.next_due is not None:
        waiting = f"the next waiting message is due at {delivery.next_due:%Y-%m-%d %H:%M:%S} UTC"
    click.echo(f"Sent {delivery.sent}, {delivery.failed} failed; {waiting}.")
    if delivery.failed:
        raise SystemExit(1)
