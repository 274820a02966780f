"""The mail queue. A message is a row added in the transaction of the event it tells of, so
it exists exactly when the event does; it is delivered after the commit, by the background
sender or `flask mail send`, and retried with a growing wait until it goes or is given up.

Several processes may deliver at once: each claims a message with a conditional UPDATE
before sending it, and a claim lapses, so one that died mid-send frees its messages. A
message may therefore, rarely, arrive twice; it is never lost. Once sent or given up, its
body is erased: it may hold a link that acts for its reader (a password reset)."""

import contextlib
import logging
import smtplib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import Flask
from sqlalchemy import ColumnElement, case, func, or_, select, update
from sqlalchemy.orm import Session

from app.core import clock, db
from app.core.i18n import ENGLISH, SUPPORTED
from app.core.models import OutboundMail, User
from app.notifications.mail import compose, transports

log = logging.getLogger("keyfob.mail")
QUEUED = "keyfob.mail_queued"  # session.info: this transaction queued mail
CLAIM_SECONDS = 120  # longer than sending one message may take (SMTP timeouts included)
ROUND = 200  # messages one delivery round sends at most, so a round's time is bounded
CANDIDATES = 5
# Refusals of one message that leave the connection usable for the next.
MESSAGE_ERRORS = (
    smtplib.SMTPRecipientsRefused,
    smtplib.SMTPDataError,
    smtplib.SMTPSenderRefused,
    smtplib.SMTPNotSupportedError,
)


def recipient_for(user: User) -> User | None:
    """Who hears about ``user``'s keys: the person, or a bot's owner; nobody if inactive."""
    person = user.bot_owner if user.is_bot else user
    return person if person is not None and person.is_active else None


def queue(
    session: Session,
    user: User,
    *,
    subject: object,
    template: str,
    unsolicited: bool = False,
    to: User | None = None,
    **facts: Any,
) -> OutboundMail | None:
    """Add a message about ``user`` (to them, or to a bot's owner; ``to``: to this active
    person instead) to the caller's transaction, written in the recipient's language. None
    if nobody is to be told. ``unsolicited``: the recipient did not cause it
    (app/notifications/notices.py counts those)."""
    recipient = recipient_for(user) if to is None else to if to.is_active else None
    if recipient is None:
        return None
    language = recipient.language if recipient.language in SUPPORTED else ENGLISH
    body = compose.render(template, language, recipient=recipient, subject_user=user, **facts)
    now = clock.now()
    mail = OutboundMail(
        created_at=now,  # the app's clock, which the hourly count of notices reads too
        user_id=recipient.id,
        recipient=recipient.email,
        language=language,
        subject=compose.translated(subject, language)[:255],
        body=body,
        unsolicited=unsolicited,
        next_attempt_at=now,
    )
    session.add(mail)
    session.info[QUEUED] = True
    return mail


@dataclass
class Delivery:
    sent: int = 0
    failed: int = 0
    next_due: datetime | None = None  # the soonest undelivered message, if any


def deliver_due(app: Flask, session: Session, *, most: int = ROUND) -> Delivery:
    """Send the messages due now (at most ``most``), each claimed just before it is sent,
    then say when the next one is due. One connection serves them all; a connection that
    fails is opened afresh for the next message, and the message it failed waits for its
    next attempt."""
    delivery = Delivery()
    transport = transports.from_config(app)
    with contextlib.ExitStack() as open_connection:
        connection: transports.Connection | None = None
        for _ in range(most):
            mail = _claim_next(session)
            if mail is None:
                break
            try:
                if connection is None:
                    connection = open_connection.enter_context(transport.open())
                connection.send(compose.message(app, mail))
            except MESSAGE_ERRORS as refused:  # this message alone: the connection is fine
                _failed(session, app, mail, refused, permanent=_is_permanent(refused))
                delivery.failed += 1
            except Exception as error:  # the server, the network, or a surprise: try again later
                _failed(session, app, mail, error, permanent=False)
                delivery.failed += 1
                open_connection.close()
                connection = None
            else:
                _sent(session, mail)
                delivery.sent += 1
    delivery.next_due = _next_due(session)
    return delivery


@db.unit_of_work
def _next_due(session: Session) -> datetime | None:
    """When the soonest undelivered message is due (a read that ends its transaction, so
    the sender holds no snapshot while it waits)."""
    return session.scalar(select(func.min(_due())).where(*_pending()))


def _pending() -> tuple[Any, ...]:
    return (OutboundMail.sent_at.is_(None), OutboundMail.gave_up_at.is_(None))


def _due() -> Any:
    """When a message may next be tried: its next attempt, or when another sender's claim
    on it lapses, whichever is later (so no sender spins on a message another one holds)."""
    return case(
        (OutboundMail.claimed_until > OutboundMail.next_attempt_at, OutboundMail.claimed_until),
        else_=OutboundMail.next_attempt_at,
    )


def _claim_next(session: Session) -> OutboundMail | None:
    """The next due message, claimed for this sender (_claim); None when none is due. A
    few candidates are tried, since another sender may win each."""
    now = clock.now()
    free = or_(OutboundMail.claimed_until.is_(None), OutboundMail.claimed_until < now)
    candidates = session.scalars(
        select(OutboundMail.id)
        .where(*_pending(), free, OutboundMail.next_attempt_at <= now)
        .order_by(OutboundMail.next_attempt_at, OutboundMail.id)
        .limit(CANDIDATES)
    ).all()
    for mail_id in candidates:
        if _claim(session, mail_id, free, until=now + timedelta(seconds=CLAIM_SECONDS)):
            return session.get_one(OutboundMail, mail_id)
    return None


@db.unit_of_work
def _claim(session: Session, mail_id: int, free: ColumnElement[bool], *, until: datetime) -> bool:
    """Claim one message with a conditional UPDATE, committed at once so that every other
    sender sees it; whether this sender won it."""
    won = session.execute(
        update(OutboundMail)
        .where(OutboundMail.id == mail_id, *_pending(), free)
        .values(claimed_until=until)
    )
    return bool(won.rowcount == 1)  # type: ignore[attr-defined]


@db.unit_of_work
def _sent(session: Session, mail: OutboundMail) -> None:
    mail.sent_at, mail.claimed_until, mail.body = clock.now(), None, ""
    mail.attempts += 1


@db.unit_of_work
def _failed(
    session: Session, app: Flask, mail: OutboundMail, error: Exception, *, permanent: bool
) -> None:
    """Count the attempt and set the next, or give up: a permanent refusal at once, any
    other error once MAIL_GIVE_UP_HOURS have passed since the message was queued."""
    now = clock.now()
    mail.attempts += 1
    mail.claimed_until = None
    mail.last_error = _describe(error)
    wait = min(
        app.config["MAIL_RETRY_SECONDS"] * 2 ** (mail.attempts - 1),
        app.config["MAIL_RETRY_MAX_SECONDS"],
    )
    too_old = now - mail.created_at > timedelta(hours=app.config["MAIL_GIVE_UP_HOURS"])
    if permanent or too_old:
        mail.gave_up_at, mail.body = now, ""
        log.error("mail %d to user %s given up: %s", mail.id, mail.user_id, mail.last_error)
    else:
        mail.next_attempt_at = now + timedelta(seconds=wait)
        log.warning(
            "mail %d not sent (attempt %d), retrying in %d s: %s",
            mail.id,
            mail.attempts,
            wait,
            mail.last_error,
        )


def _is_permanent(error: Exception) -> bool:
    """Whether sending this message again cannot help: a 5xx refusal of its recipient or
    its content, or an address the server cannot carry (SMTPUTF8). A refused sender is the
    operator's to fix (MAIL_FROM), so those messages wait for it."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(500 <= code < 600 for code, _reason in error.recipients.values())
    if isinstance(error, smtplib.SMTPNotSupportedError):
        return True
    return isinstance(error, smtplib.SMTPDataError) and 500 <= error.smtp_code < 600


def _describe(error: Exception) -> str:
    """The error's kind and SMTP code: never the server's words, which may quote the
    message or the credentials."""
    code = getattr(error, "smtp_code", None)
    return f"{type(error).__name__}" + (f" {code}" if code else "")
