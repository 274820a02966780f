"""The one password check of every entry point: login, re-auth, a password change and the
API's fetch_api_key.

``authenticate`` counts the attempt against the rate limits before the hash is compared
and audits it in a transaction of its own; the views only translate its typed errors into
a form error or an API error.
"""

from typing import Literal

from sqlalchemy.orm import Session

from app.core import audit, db, limits
from app.core.models import User
from app.people import accounts, passwords
from app.people.known_devices import KnownDevice


class AuthenticationError(Exception):
    """A password check that did not let the user in."""


class WrongPassword(AuthenticationError):
    """No such account, or the wrong password: deliberately one answer for both."""


Purpose = Literal["login", "reauth", "password_change", "fetch_api_key"]
# What each entry point records (a successful fetch is recorded by the reveal itself, a
# successful change by the change).
_FAILED_EVENT = {
    "login": "login_failed",
    "reauth": "reauth_failed",
    "password_change": "reauth_failed",
    "fetch_api_key": "api_key_fetch_failed",
}
_FROM_A_SESSION = ("reauth", "password_change")
_SUCCEEDED_EVENT = {"login": "login_succeeded", "reauth": "reauth_succeeded"}
# Each outcome is its own transaction, committed whatever the caller does next: a refusal
# must stay on record though the request that caused it ends in an error.
_record_alone = db.unit_of_work(audit.record)


def authenticate(
    session: Session,
    email: str,
    password: str,
    *,
    purpose: Purpose,
    device: KnownDevice | None = None,
) -> User:
    """The active human with this email and password, for each entry point (``purpose``).

    The one password check of every entry point: counted against the rate limits before the
    hash is compared (limits.TooManyAttempts when used up, itself audited), and audited in
    a transaction of its own. Never call it inside a unit of work: its record must outlive
    the caller's refusal. Raises WrongPassword or accounts.AccountDeactivated; the views only
    translate them.
    """
    user = accounts.find_by_email(session, email)
    device_id = device.device_id if device is not None and device.vouches_for(user) else None
    password_limits = limits.password_limits()
    try:
        attempt = password_limits.begin(accounts.normalize_email(email), device_id)
    except limits.TooManyAttempts as refused:
        if user is not None and password_limits.should_record_refusal(
            accounts.normalize_email(email)
        ):
            detail = {"limit": refused.limit, "purpose": purpose}
            _record_alone(
                session,
                "password_rate_limited",
                actor_id=None,
                subject_user_id=user.id,
                detail=detail,
            )
        raise
    if not passwords.check_password(user, password) or user is None:
        if user is not None:
            actor = user.id if purpose in _FROM_A_SESSION else None
            _record_alone(session, _FAILED_EVENT[purpose], actor_id=actor, subject_user_id=user.id)
        raise WrongPassword()
    attempt.release()
    if not user.is_active:
        raise accounts.AccountDeactivated()
    if purpose in _SUCCEEDED_EVENT:
        _record_alone(session, _SUCCEEDED_EVENT[purpose], actor_id=user.id, subject_user_id=user.id)
    return user
