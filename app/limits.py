"""Rate limits (flask-limiter), kept in RATELIMIT_STORAGE_URI: Redis shares them across workers.

Password guesses are limited per account and per client IP. Only failures count, but
once a limit is reached every attempt gets 429, even with the right password, so the
limit cannot be probed for the answer. Login and re-authentication share the account
limit, so the password cannot be guessed on one form after being locked out of the other.

Registrations are limited per IP, so one client cannot mint accounts (and argon2 work)
in bulk.

Each app gets its own Limiter, because flask-limiter keeps its settings on the instance:
views are marked with ``@password_attempts`` or ``@registrations`` and the marks are
turned into limits when the app is built.
"""

from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, current_app, g, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import current_user
from werkzeug.wrappers import Response

from app.accounts.users import normalize_email

F = TypeVar("F", bound=Callable[..., object])
_MARK = "keyfob_rate_limit"


def password_attempts(view: F) -> F:
    """Mark a view whose POSTs check a password: its failures are limited."""
    setattr(view, _MARK, "password")
    return view


def registrations(view: F) -> F:
    """Mark a view whose successful POSTs create an account."""
    setattr(view, _MARK, "registration")
    return view


def failed_password() -> None:
    """Count this request against the password limits."""
    g.password_failed = True


def init_app(app: Flask) -> Limiter:
    """Give the app its limiter and put the password limits on every marked view."""
    limiter = Limiter(key_func=get_remote_address, app=app)
    per_account = limiter.shared_limit(
        _per_account,
        scope="password-account",
        key_func=_account,
        methods=["POST"],
        deduct_when=_password_failed,
    )
    per_ip = limiter.shared_limit(
        _per_ip,
        scope="password-ip",
        key_func=get_remote_address,
        methods=["POST"],
        deduct_when=_password_failed,
    )
    per_ip_registrations = limiter.limit(
        _registrations_per_ip, methods=["POST"], deduct_when=_redirected
    )
    for endpoint, view in app.view_functions.items():
        kind = getattr(view, _MARK, None)
        limited: Any = view
        if kind == "password":
            limited = per_ip(per_account(view))
        elif kind == "registration":
            limited = per_ip_registrations(view)
        app.view_functions[endpoint] = limited
    return limiter


def _redirected(response: Response) -> bool:
    return response.status_code == 302


def _password_failed(_response: Response) -> bool:
    return bool(g.get("password_failed"))


def _account() -> str:
    if current_user.is_authenticated:
        return "account:" + str(current_user.email)
    submitted = request.form.get("email", "") or request.form.get("username", "")
    return "account:" + normalize_email(submitted)


def _per_account() -> str:
    return str(current_app.config["PASSWORD_LIMIT_PER_ACCOUNT"])


def _per_ip() -> str:
    return str(current_app.config["PASSWORD_LIMIT_PER_IP"])


def _registrations_per_ip() -> str:
    return str(current_app.config["REGISTRATION_LIMIT_PER_IP"])
