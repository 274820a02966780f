"""Notices of a person's second factors (app/people/factors): always sent, never routine.
Whoever changed one had the person's password and session (or was an administrator), so the
mail offers what a changed password does: a way to reset the password, which signs every
other session out."""

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from app.core.models import User
from app.notifications import not_me, notices
from app.notifications.mail.compose import Verbatim


def second_factor_added(session: Session, user: User, *, factor_id: int) -> None:
    subject = _l("An authenticator app was added to your account")
    _added(session, user, "second_factor_added", subject, kind="app", factor_id=factor_id)


def second_factor_removed(session: Session, user: User) -> None:
    subject = _l("The authenticator app was removed from your account")
    notices.notify(
        session, user, "second_factor_removed", subject=subject, reset_url=notices.forgot_url()
    )


def second_factor_reset(session: Session, user: User, *, actor_id: int) -> None:
    """An administrator removed ``user``'s factor: they may not know it was asked for."""
    subject = _l("An administrator reset the two-factor authentication of your account")
    actor = session.get(User, actor_id)
    notices.notify(
        session,
        user,
        "second_factor_reset",
        subject=subject,
        admin=actor.full_name if actor is not None else "",
        reset_url=notices.forgot_url(),
    )


def recovery_codes_replaced(session: Session, user: User) -> None:
    subject = _l("New recovery codes were made for your account")
    notices.notify(
        session, user, "recovery_codes_replaced", subject=subject, reset_url=notices.forgot_url()
    )


def recovery_code_used(session: Session, user: User, *, left: int) -> None:
    subject = _l("A recovery code of yours was used")
    notices.notify(
        session,
        user,
        "recovery_code_used",
        subject=subject,
        left=left,
        reset_url=notices.forgot_url(),
    )


def passkey_added(session: Session, user: User, *, passkey_id: int, name: str) -> None:
    subject = _l("A passkey was added to your account")
    _added(session, user, "passkey_added", subject, kind="passkey", factor_id=passkey_id, name=name)


def passkey_removed(session: Session, user: User, *, name: str) -> None:
    subject = _l("A passkey was removed from your account")
    notices.notify(
        session, user, "passkey_removed", subject=subject, name=name, reset_url=notices.forgot_url()
    )


def _added(
    session: Session,
    user: User,
    template: str,
    subject: object,
    *,
    kind: str,
    factor_id: int,
    **facts: Any,
) -> None:
    """A factor added: the mail also carries the link that undoes it (app/notifications/
    not_me.py), beside the password reset."""
    link = not_me.factor_link(user, kind, factor_id)
    notices.notify(
        session,
        user,
        template,
        subject=subject,
        undo_url=Verbatim(link) if link else None,
        reset_url=notices.forgot_url(),
        **facts,
    )
