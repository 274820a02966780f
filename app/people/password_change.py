"""Changing one's password while logged in: the current password checked as every password
is (counted against the rate limits), the new one under the registration rules, other
sessions ended and every key replaced when asked, audited and notified. No web code here.
"""

from dataclasses import dataclass

from sqlalchemy.orm import Session

from app.core import audit, db
from app.core.models import User
from app.keys import revocation
from app.notifications import notices
from app.people import accounts, authentication
from app.people.known_devices import KnownDevice


@dataclass(frozen=True)
class ChangeRequest:
    """What the person asked for, beside the new password."""

    end_other_sessions: bool = True
    replace_keys: bool = False


def change_password(
    session: Session,
    user: User,
    current_password: str,
    new_password: str,
    choices: ChangeRequest,
    *,
    device: KnownDevice,
    reset_url: str,
) -> None:
    """Set ``user``'s new password, audited, notified and committed.

    Raises authentication.AuthenticationError (the current password is wrong; counted),
    limits.TooManyAttempts, or users.InvalidRegistration (the new one breaks a rule).
    Ending other sessions bumps the session generation: the caller renews its own session
    (login_sessions.renew) so that this one survives. ``reset_url``: where the notice's
    "if this wasn't you" line sends the reader.
    """
    authentication.authenticate(
        session, user.email, current_password, purpose="password_change", device=device
    )
    accounts.check_new_password(new_password)  # before any write: a refusal changes nothing
    _set_password(session, user, new_password, choices, reset_url=reset_url)


@db.unit_of_work
def _set_password(
    session: Session, user: User, new_password: str, choices: ChangeRequest, *, reset_url: str
) -> None:
    if choices.replace_keys:  # first: it refreshes the user under its lock
        revocation.replace_every_key(session, user, actor_id=user.id)
    else:
        db.lock_for_write(session, User, [user.id])
        session.refresh(user)  # as of the lock: no lost update of the session generation
    accounts.set_password(user, new_password)
    if choices.end_other_sessions:
        accounts.invalidate_login_sessions(user)
    detail = {
        "other_sessions_ended": choices.end_other_sessions,
        "keys_replaced": choices.replace_keys,
    }
    audit.record(
        session, "password_changed", actor_id=user.id, subject_user_id=user.id, detail=detail
    )
    notices.password_changed(session, user, choices=detail, reset_url=reset_url)
