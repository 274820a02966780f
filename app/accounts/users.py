"""Creating users and checking their passwords; no web code here."""

from typing import Literal

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import Flask, current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app import audit, identities, keys, limits
from app.known_devices import KnownDevice
from app.models import User


class EmailTaken(Exception):
    """Another account already uses this email address."""


def init_app(app: Flask) -> None:
    app.extensions["keyfob.hasher"] = PasswordHasher(
        time_cost=app.config["ARGON2_TIME_COST"],
        memory_cost=app.config["ARGON2_MEMORY_COST_KIB"],
    )


def _hasher() -> PasswordHasher:
    result: PasswordHasher = current_app.extensions["keyfob.hasher"]
    return result


def normalize_email(email: str) -> str:
    """The form ``email`` is stored in, so lookups (and the per-account rate limits) treat
    every spelling of one address as one: its case, a punycode domain, a decomposed accent.

    An address the identity rules refuse cannot belong to an account made under them;
    lower case still finds one made before them.
    """
    try:
        return identities.normalize_email(email)
    except identities.InvalidIdentity:
        return email.strip().lower()


def find_by_email(session: Session, email: str) -> User | None:
    return session.scalars(select(User).where(User.email == normalize_email(email))).first()


def create_human(session: Session, email: str, full_name: str, password: str) -> User:
    """A new human user with a password and a first API key; the caller commits.

    The identity rules apply here too (InvalidIdentity), whichever way the user came in.
    """
    email = identities.normalize_email(email)
    if find_by_email(session, email) is not None:
        raise EmailTaken(email)
    user = User(
        email=email,
        full_name=identities.clean_display_name(full_name),
        password_hash=_hasher().hash(password),
        is_bot=False,
    )
    session.add(user)
    try:
        session.flush()
    except IntegrityError:  # registered by a concurrent request a moment ago
        session.rollback()
        raise EmailTaken(email) from None
    keys.mint(session, user)
    return user


def check_password(user: User | None, password: str) -> bool:
    """True when ``password`` is the human user's; bots and unknown users never match.

    An unknown user still costs one hash, so response time does not tell whether an
    email address has an account.
    """
    hasher = _hasher()
    if user is None or user.password_hash is None:
        hasher.hash(password)
        return False
    try:
        hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
    return True


class AuthenticationError(Exception):
    """A password check that did not let the user in."""


class WrongPassword(AuthenticationError):
    """No such account, or the wrong password: deliberately one answer for both."""


class AccountDeactivated(AuthenticationError):
    """The password was right, but the account is deactivated."""


Purpose = Literal["login", "reauth", "fetch_api_key"]
# What each entry point records (a successful fetch is recorded by the reveal itself).
_FAILED_EVENT = {
    "login": "login_failed",
    "reauth": "reauth_failed",
    "fetch_api_key": "api_key_fetch_failed",
}
_SUCCEEDED_EVENT = {"login": "login_succeeded", "reauth": "reauth_succeeded"}


def authenticate(
    session: Session,
    email: str,
    password: str,
    *,
    purpose: Purpose,
    device: KnownDevice | None = None,
) -> User:
    """The active human with this email and password, for login, re-auth or fetch_api_key.

    The one password check of every entry point: counted against the rate limits before the
    hash is compared (limits.TooManyAttempts when used up, itself audited), audited, and
    committed. Raises WrongPassword or AccountDeactivated; the views only translate them.
    """
    user = find_by_email(session, email)
    device_id = device.device_id if device is not None and device.vouches_for(user) else None
    password_limits = limits.password_limits()
    try:
        attempt = password_limits.begin(normalize_email(email), device_id)
    except limits.TooManyAttempts as refused:
        if user is not None and password_limits.should_record_refusal(normalize_email(email)):
            detail = {"limit": refused.limit, "purpose": purpose}
            audit.record(
                session,
                "password_rate_limited",
                actor_id=None,
                subject_user_id=user.id,
                detail=detail,
            )
            session.commit()
        raise
    if not check_password(user, password) or user is None:
        if user is not None:
            actor = user.id if purpose == "reauth" else None  # only re-auth comes from a session
            audit.record(session, _FAILED_EVENT[purpose], actor_id=actor, subject_user_id=user.id)
            session.commit()
        raise WrongPassword()
    attempt.succeeded()
    if not user.is_active:
        raise AccountDeactivated()
    if purpose in _SUCCEEDED_EVENT:
        audit.record(session, _SUCCEEDED_EVENT[purpose], actor_id=user.id, subject_user_id=user.id)
        session.commit()
    return user
