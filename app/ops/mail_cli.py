"""`flask mail send`: deliver every message that is due now, for operators who run delivery
from cron or a timer (MAIL_DELIVERY=command), or to flush the queue by hand; `flask mail
prune`: forget mail sent long ago."""

from datetime import timedelta

import click
from flask import current_app
from flask.cli import AppGroup

from app.core import db
from app.notifications.mail import outbox
from app.ops import retention


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


@mail_cli.command("prune")
@click.option(
    "--older-than",
    "days",
    type=click.IntRange(min=0),
    default=30,
    show_default=True,
    help="Days since a message was sent or given up.",
)
def prune_command(days: int) -> None:
    """Delete the records of mail sent or given up more than DAYS ago, in batches."""
    removed = retention.prune_mail(db.session(), timedelta(days=days))
    click.echo(f"Deleted {removed} mail records older than {days} days.")
