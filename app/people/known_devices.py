"""Known devices: a browser that has logged in to an account keeps its own password allowance.

At each successful login (and password confirmation) the browser gets a long-lived, signed,
HttpOnly cookie naming a random device id and the accounts it has signed in to. The cookie
outlives the login session (logging out keeps it) but not a password change: each account
in it carries a fingerprint of the password hash it was earned with. The rate limits
(app/core/limits.py) count a known device's failures on their own, so a stranger guessing
elsewhere cannot lock the owner's own browser out.

The same cookie remembers, for an account whose person ticked "Remember this browser" at the
second step of a login, that this browser need not be asked for the second factor again. That
mark carries a fingerprint of the password hash and of the factor it was earned with, so it
dies with the cookie, with a password change, and with the factor's removal or replacement.
"""

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from flask import current_app, request
from itsdangerous import BadData, URLSafeTimedSerializer
from werkzeug.wrappers import Response

from app.core.models import User

COOKIE = "keyfob_device"
MAX_ACCOUNTS = 5  # a shared computer may know a few accounts; the newest are kept


@dataclass(frozen=True)
class KnownDevice:
    device_id: str
    accounts: tuple[tuple[int, str], ...]  # (user id, password fingerprint), newest first
    # (user id, fingerprint of the password and the factor): no second factor asked here
    second_factor: tuple[tuple[int, str], ...] = ()

    def vouches_for(self, user: User | None) -> bool:
        """True when this browser has signed in to ``user`` since its password last changed."""
        if user is None or user.password_hash is None:
            return False
        return (user.id, fingerprint(user)) in self.accounts

    def skips_second_factor(self, user: User, factor_mark: str) -> bool:
        """True when this browser was remembered at ``user``'s second step, since their
        password and their factor (``factor_mark``) last changed."""
        return self.vouches_for(user) and (
            (user.id, factor_fingerprint(user, factor_mark)) in self.second_factor
        )


def from_request() -> KnownDevice | None:
    """The device the request's cookie names, if its signature and age check out."""
    value = request.cookies.get(COOKIE)
    if not value:
        return None
    try:
        payload = _serializer().loads(value, max_age=_max_age())
    except BadData:
        return None
    return _parse(payload)


def of_login_session(user: User) -> KnownDevice:
    """The device a login session stands for: it proves a successful login in this browser
    as well as the cookie does (and browsers logged in before the cookie existed have none).
    Its failures count on their own, per session generation."""
    session_id = f"session-{user.id}-{user.session_generation}"
    return KnownDevice(session_id, ((user.id, fingerprint(user)),))


def of_logged_in_browser(user: User, browser: KnownDevice | None) -> KnownDevice:
    """The known-device cookie, or else the login session itself: either proves that this
    browser logged in, so an attack on the account elsewhere does not lock it out of a
    password check (re-auth, a password change)."""
    if browser is not None and browser.vouches_for(user):
        return browser
    return of_login_session(user)


def remember(
    response: Response,
    user: User,
    device: KnownDevice | None,
    *,
    second_factor_mark: str | None = None,
) -> None:
    """Mark the browser as known to ``user`` (a fresh cookie, newest account first); with
    ``second_factor_mark`` (the factor's, app/people/factors), as one where ``user`` is not
    asked for the second factor. A mark given earlier stays until it dies on its own."""
    device_id = device.device_id if device else secrets.token_urlsafe(16)
    others = [entry for entry in (device.accounts if device else ()) if entry[0] != user.id]
    accounts = [(user.id, fingerprint(user)), *others][:MAX_ACCOUNTS]
    marks = list(device.second_factor if device else ())
    if second_factor_mark is not None:
        others_marks = [entry for entry in marks if entry[0] != user.id]
        marks = [(user.id, factor_fingerprint(user, second_factor_mark)), *others_marks]
    payload = {"device": device_id, "accounts": accounts, "factors": marks[:MAX_ACCOUNTS]}
    response.set_cookie(
        COOKIE,
        _serializer().dumps(payload),
        max_age=_max_age(),
        httponly=True,
        secure=current_app.config["SESSION_COOKIE_SECURE"],
        samesite="Lax",
    )


def fingerprint(user: User) -> str:
    """A short HMAC of the password hash: it changes with the password and tells nothing."""
    secret = current_app.config["SECRET_KEY"].encode("utf-8")
    digest = hmac.new(secret, str(user.password_hash).encode("utf-8"), hashlib.sha256)
    return digest.hexdigest()[:24]


def factor_fingerprint(user: User, factor_mark: str) -> str:
    """A short HMAC of the password hash and the factor's mark: it changes with either."""
    secret = current_app.config["SECRET_KEY"].encode("utf-8")
    message = f"second-factor\0{user.password_hash}\0{factor_mark}".encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()[:24]


def _parse(payload: object) -> KnownDevice | None:
    if not isinstance(payload, dict) or not isinstance(payload.get("device"), str):
        return None
    accounts = payload.get("accounts")
    if not isinstance(accounts, list):
        return None
    marks = payload.get("factors")
    return KnownDevice(
        payload["device"], _entries(accounts), _entries(marks if isinstance(marks, list) else [])
    )


def _entries(listed: list[object]) -> tuple[tuple[int, str], ...]:
    return tuple(
        (entry[0], entry[1])
        for entry in listed[:MAX_ACCOUNTS]
        if isinstance(entry, list)
        and len(entry) == 2
        and isinstance(entry[0], int)
        and isinstance(entry[1], str)
    )


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="keyfob.known-device")


def _max_age() -> int:
    return int(current_app.config["KNOWN_DEVICE_DAYS"]) * 24 * 60 * 60
