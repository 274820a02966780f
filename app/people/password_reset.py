"""A forgotten password: asking for a reset link by email, and setting a new password with it.

The link carries a token signed with SECRET_KEY under a salt of its own, valid for
RESET_LINK_SECONDS by the app's clock, and bound to a fingerprint of the password hash it
was issued for (the one known_devices uses): the reset changes the hash, so a link works
once, and any later password change also ends every link issued before it.

Asking gives the same answer whether or not the address has an account, and costs about
the same: the same lookup, token and message are made either way, and only a message to
an active human is kept. No web code here.
"""

from collections.abc import Callable

from flask import current_app
from itsdangerous import BadData, SignatureExpired, TimestampSigner, URLSafeTimedSerializer
from sqlalchemy.orm import Session

from app.core import audit, clock, db, limits
from app.core.models import User
from app.notifications import notices
from app.people import accounts, known_devices

RESET_LINK_SECONDS = 3600
_MINUTES = RESET_LINK_SECONDS // 60
SALT = "keyfob.password-reset"
LinkFor = Callable[[str], str]  # a token -> the absolute URL that carries it


class InvalidResetLink(Exception):
    """The link cannot set a password; ``expired`` tells an old link from a used or bad one."""

    def __init__(self, *, expired: bool) -> None:
        super().__init__("expired" if expired else "invalid")
        self.expired = expired


@db.unit_of_work
def request_reset(session: Session, email: str, *, link_for: LinkFor) -> None:
    """Email a reset link to the account with this address, if it is an active human's;
    for any other address do the same work and keep none of it (nothing is sent)."""
    user = accounts.find_human(session, email)
    if user is None or not user.is_active:
        # A stand-in that is never saved: the message is made and then discarded.
        stand_in = User(id=0, email=email, full_name="", password_hash="", is_bot=False)
        stand_in.is_active, stand_in.routine_notices = True, True
        notices.password_reset_link(
            session, stand_in, link=link_for(_token(stand_in)), minutes=_MINUTES
        )
        session.rollback()
        return
    audit.record(session, "password_reset_requested", actor_id=None, subject_user_id=user.id)
    notices.password_reset_link(session, user, link=link_for(_token(user)), minutes=_MINUTES)


def check_link(session: Session, token: str) -> User:
    """The user a reset token may set a password for; InvalidResetLink if it is tampered,
    expired, already used (the password changed since) or the account is no longer active."""
    try:
        payload = _serializer().loads(token, max_age=RESET_LINK_SECONDS)
    except SignatureExpired:
        raise InvalidResetLink(expired=True) from None
    except BadData:
        raise InvalidResetLink(expired=False) from None
    if not isinstance(payload, dict) or not isinstance(payload.get("user"), int):
        raise InvalidResetLink(expired=False)
    user = session.get(User, payload["user"])
    if user is None or user.is_bot or not user.is_active:
        raise InvalidResetLink(expired=False)
    if payload.get("password") != known_devices.fingerprint(user):
        raise InvalidResetLink(expired=False)  # used: the password has changed since
    return user


def reset_password(session: Session, token: str, new_password: str, *, reset_url: str) -> None:
    """Set a new password with a reset link: every login session ends, audited, notified
    and committed; then the account's password failures are forgotten (the owner proved
    themselves by email, so an attack must not keep them locked out). Raises
    InvalidResetLink or users.InvalidRegistration."""
    user = _set_password(session, token, new_password, reset_url=reset_url)
    limits.password_limits().clear_account(accounts.normalize_email(user.email))


@db.unit_of_work
def _set_password(session: Session, token: str, new_password: str, *, reset_url: str) -> User:
    user = check_link(session, token)
    accounts.check_new_password(new_password)
    db.lock_for_write(session, User, [user.id])
    session.refresh(user)
    user = check_link(session, token)  # as of the lock: two uses at once, one wins
    accounts.set_password(user, new_password)
    accounts.invalidate_login_sessions(user)
    audit.record(session, "password_reset", actor_id=user.id, subject_user_id=user.id)
    notices.password_reset_done(session, user, reset_url=reset_url)
    return user


def _token(user: User) -> str:
    return str(_serializer().dumps({"user": user.id, "password": known_devices.fingerprint(user)}))


class _ClockSigner(TimestampSigner):
    """Signs and checks ages by the app's clock (app/core/clock.py), so tests can move it."""

    def get_timestamp(self) -> int:
        return int(clock.now().timestamp())


def _serializer() -> URLSafeTimedSerializer:
    secret = current_app.config["SECRET_KEY"]
    return URLSafeTimedSerializer(secret, salt=SALT, signer=_ClockSigner)
