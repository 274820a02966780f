"""Rate limits (flask-limiter), kept in RATELIMIT_STORAGE_URI: Redis shares them across workers.

Password guesses are limited per account and per client IP. Only failures count, but
once a limit is reached every attempt gets 429, even with the right password, so the
limit cannot be probed for the answer. Login and re-authentication share the account
limit, so the password cannot be guessed on one form after being locked out of the other.

Failed API-key authentications are limited per IP, so keys cannot be guessed at line
speed, and registrations are limited per IP, so one client cannot create accounts (and
argon2 work) in bulk.

Each app gets its own Limiter, because flask-limiter keeps its settings on the instance:
views are marked (``@password_attempts``, ``@reauth_attempts``, ``@key_attempts``,
``@registrations``) and the marks are turned into limits when the app is built.
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
    """Mark a view whose POSTs check the password of the account they name (email/username)."""
    return _mark(view, "password")


def reauth_attempts(view: F) -> F:
    """Mark a view whose POSTs check the logged-in user's own password."""
    return _mark(view, "reauth")


def key_attempts(view: F) -> F:
    """Mark a view authenticated by an API key: failed keys are limited per IP."""
    return _mark(view, "key")


def registrations(view: F) -> F:
    """Mark a view whose successful POSTs create an account."""
    return _mark(view, "registration")


def _mark(view: F, kind: str) -> F:
    setattr(view, _MARK, kind)
    return view


def failed_password() -> None:
    """Count this request against the password limits."""
    g.password_failed = True


def failed_key() -> None:
    """Count this request against the key-guessing limit."""
    g.key_failed = True


def init_app(app: Flask) -> Limiter:
    """Give the app its limiter and put the password limits on every marked view."""
    limiter = Limiter(key_func=get_remote_address, app=app)
    app.extensions["keyfob.limiter"] = limiter

    def password_limit(
        limit: Callable[[], str], scope: str, key_func: Callable[[], str]
    ) -> Callable[[Any], Any]:
        return limiter.shared_limit(
            limit, scope=scope, key_func=key_func, methods=["POST"], deduct_when=_password_failed
        )

    # Both account limits share one scope and key, so login, re-auth and the API's
    # fetch_api_key draw on the same five attempts per account.
    per_named_account = password_limit(_per_account, "password-account", _named_account)
    per_own_account = password_limit(_per_account, "password-account", _own_account)
    per_ip = password_limit(_per_ip, "password-ip", get_remote_address)
    wrappers: dict[str, Callable[[Any], Any]] = {
        "password": lambda view: per_ip(per_named_account(view)),
        "reauth": lambda view: per_ip(per_own_account(view)),
        "key": limiter.shared_limit(
            _key_guesses_per_ip, scope="key-guesses", deduct_when=_key_failed
        ),
        "registration": limiter.limit(
            _registrations_per_ip, methods=["POST"], deduct_when=_redirected
        ),
    }
    for endpoint, view in list(app.view_functions.items()):
        kind = getattr(view, _MARK, None)
        if kind is not None:
            app.view_functions[endpoint] = wrappers[kind](view)
    return limiter


def _redirected(response: Response) -> bool:
    return response.status_code == 302


def _password_failed(_response: Response) -> bool:
    return bool(g.get("password_failed"))


def _key_failed(_response: Response) -> bool:
    return bool(g.get("key_failed"))


def _named_account() -> str:
    """The account a login form or fetch_api_key names (normalised like every lookup)."""
    submitted = request.form.get("email", "") or request.form.get("username", "")
    return "account:" + normalize_email(submitted)


def _own_account() -> str:
    return "account:" + str(current_user.email)


def _per_account() -> str:
    return str(current_app.config["PASSWORD_LIMIT_PER_ACCOUNT"])


def _per_ip() -> str:
    return str(current_app.config["PASSWORD_LIMIT_PER_IP"])


def _key_guesses_per_ip() -> str:
    return str(current_app.config["KEY_GUESS_LIMIT_PER_IP"])


def _registrations_per_ip() -> str:
    return str(current_app.config["REGISTRATION_LIMIT_PER_IP"])
