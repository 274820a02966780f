"""Security notices by email: each tells the owner (for a bot, its owner) what happened to
which key, when, and from which IP address and browser. A person may turn off notices of
their own routine actions; notices of what someone else did, of a leak or of an expiry are
always sent. Queued in the caller's transaction (app/mail); the caller commits."""

from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from app import audit, clock, mail
from app.models import User

WHEN_FORMAT = "%Y-%m-%d %H:%M UTC"


def when(moment: datetime) -> str:
    """A moment as every notice prints it: the same in each language, and unambiguous."""
    return moment.strftime(WHEN_FORMAT)


def key_regenerated(
    session: Session, user: User, *, actor_id: int | None, hint: str, grace: timedelta
) -> None:
    overlap_ends = when(clock.now() + grace) if grace else None
    _notify(
        session,
        user,
        "key_regenerated",
        subject=_l("API key regenerated"),
        routine_for=actor_id,
        hint=hint,
        grace_seconds=int(grace.total_seconds()),
        overlap_ends=overlap_ends,
    )


def _notify(
    session: Session,
    user: User,
    template: str,
    *,
    subject: object,
    routine_for: int | None = None,
    **facts: Any,
) -> None:
    """Queue ``template`` about ``user``. ``routine_for``: the acting user's id when this is
    a routine action, skipped if the recipient did it and turned such notices off."""
    recipient = mail.recipient_for(user)
    if recipient is None:
        return
    if routine_for == recipient.id and not recipient.routine_notices:
        return
    ip, user_agent = audit.request_client()
    mail.queue(
        session,
        user,
        subject=subject,
        template=template,
        when=when(clock.now()),
        ip=ip,
        user_agent=user_agent,
        realm=current_app.config["REALM_NAME"],
        **facts,
    )


# Passwords (app/password_changes.py, app/password_resets.py): always sent, never routine.


def password_changed(
    session: Session, user: User, *, choices: dict[str, bool], reset_url: str
) -> None:
    _notify(
        session,
        user,
        "password_changed",
        subject=_l("Your password was changed"),
        reset_url=reset_url,
        **choices,
    )


def password_reset_link(session: Session, user: User, *, link: str, minutes: int) -> None:
    subject = _l("Reset your password")
    _notify(session, user, "password_reset_link", subject=subject, link=link, minutes=minutes)


def password_reset_done(session: Session, user: User, *, reset_url: str) -> None:
    _notify(
        session,
        user,
        "password_reset_done",
        subject=_l("Your password was reset"),
        reset_url=reset_url,
    )


def key_leaked(
    session: Session,
    user: User,
    *,
    hint: str,
    key_name: str | None,
    source: str | None,
    replaced: bool,
) -> None:
    """A key was reported leaked and revoked (app/leaks.py): always sent, never routine."""
    _notify(
        session,
        user,
        "key_leaked",
        subject=_l("API key revoked: reported leaked"),
        hint=hint,
        key_name=key_name,
        source=source,
        replaced=replaced,
    )
