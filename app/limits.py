"""Rate limits (flask-limiter), kept in RATELIMIT_STORAGE_URI: Redis shares them across workers.

Password guesses are limited per account and per client IP. Only failures count, but
once a limit is reached every attempt gets 429, even with the right password, so the
limit cannot be probed for the answer. Login and re-authentication share the account
limit, so the password cannot be guessed on one form after being locked out of the other.

Failed API-key authentications are limited per IP, so keys cannot be guessed at line
speed, and registrations are limited per IP, so one client cannot create accounts (and
argon2 work) in bulk.

Each app gets its own Limiter, because flask-limiter keeps its settings on the instance:
views are marked (``@password_attempts``, ``@reauth_attempts``, ``@registrations``) and
the marks are turned into limits when the app is built. Every other request skips
flask-limiter at once: its per-request bookkeeping costs more than the whole key check,
so the key-guessing limit on the API's hot path uses the ``limits`` library (which
flask-limiter is built on) directly, with one counter read per request.
"""

import math
import time
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, current_app, g, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import current_user
from limits import parse
from limits.strategies import FixedWindowRateLimiter
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


def registrations(view: F) -> F:
    """Mark a view whose successful POSTs create an account."""
    return _mark(view, "registration")


def _mark(view: F, kind: str) -> F:
    setattr(view, _MARK, kind)
    return view


def failed_password() -> None:
    """In a view under flask-limiter's password limits: count this request as a failure."""
    g.password_failed = True


def api_password_wait(email: str) -> int | None:
    """For views outside flask-limiter (the API): seconds to wait before another password
    attempt for this account or from this IP, or None if one is allowed.

    It reads the same counters, under the same keys, as the limits on the login and re-auth
    forms, so all three draw on one allowance.
    """
    strategy, prefix = _shared_strategy()
    for item, identity, scope in _password_counters(email):
        if not strategy.test(item, prefix, identity, scope):
            reset: float = strategy.get_window_stats(item, prefix, identity, scope).reset_time
            return max(1, math.ceil(reset - time.time()))
    return None


def api_password_failed(email: str) -> None:
    """Outside flask-limiter (the API): count a wrong password, as the forms' limits do."""
    strategy, prefix = _shared_strategy()
    for item, identity, scope in _password_counters(email):
        strategy.hit(item, prefix, identity, scope)


def _shared_strategy() -> tuple[Any, str]:
    limiter: Limiter = current_app.extensions["keyfob.limiter"]
    return limiter.limiter, str(current_app.config["RATELIMIT_KEY_PREFIX"])


def _password_counters(email: str) -> list[tuple[Any, str, str]]:
    return [
        (parse(_per_account()), "account:" + normalize_email(email), "password-account"),
        (parse(_per_ip()), _client_ip(), "password-ip"),
    ]


class KeyGuesses:
    """Failed API keys per client IP, counted in the shared rate-limit store (fixed window).

    Reading the store on every API call would cost as much as checking the key, so each
    process remembers which IPs it has seen fail within the window and reads the store
    for those alone. Another process may let one more guess from such an IP through
    before it has seen one fail itself; after that, every process refuses it.
    """

    MAX_REMEMBERED = 100_000

    def __init__(self, app: Flask, limiter: Limiter) -> None:
        self.limit = parse(app.config["KEY_GUESS_LIMIT_PER_IP"])
        self.window = FixedWindowRateLimiter(limiter.storage)
        self.prefix = app.config["RATELIMIT_KEY_PREFIX"]
        self._failing_until: dict[str, float] = {}
        self._saturated = False

    def allowed(self) -> bool:
        """False once this IP has used up its failures: refuse before checking the key."""
        ip = _client_ip()
        until = self._failing_until.get(ip)
        if self._saturated:
            return self.window.test(self.limit, self.prefix, "key-guesses", ip)
        if until is None:
            return True
        if until < time.monotonic():
            self._failing_until.pop(ip, None)
            return True
        return self.window.test(self.limit, self.prefix, "key-guesses", ip)

    def failed(self) -> None:
        ip = _client_ip()
        self.window.hit(self.limit, self.prefix, "key-guesses", ip)
        if len(self._failing_until) >= self.MAX_REMEMBERED:
            self._forget_expired()
        if len(self._failing_until) >= self.MAX_REMEMBERED:
            self._saturated = True  # too many failing IPs to remember: read the store always
        else:
            self._failing_until[ip] = time.monotonic() + self.limit.get_expiry()

    def _forget_expired(self) -> None:
        now = time.monotonic()
        for ip, until in list(self._failing_until.items()):
            if until < now:
                self._failing_until.pop(ip, None)

    def retry_after(self) -> int:
        stats = self.window.get_window_stats(self.limit, self.prefix, "key-guesses", _client_ip())
        return max(1, math.ceil(stats.reset_time - time.time()))


def key_guesses() -> KeyGuesses:
    guard: KeyGuesses = current_app.extensions["keyfob.key_guesses"]
    return guard


def _client_ip() -> str:
    return request.remote_addr or "unknown"


def init_app(app: Flask) -> Limiter:
    """Give the app its limiter and put the password limits on every marked view."""
    limiter = Limiter(key_func=get_remote_address, app=app)
    app.extensions["keyfob.limiter"] = limiter
    app.extensions["keyfob.key_guesses"] = KeyGuesses(app, limiter)
    marked = {e for e, view in app.view_functions.items() if getattr(view, _MARK, None)}
    limiter.request_filter(lambda: request.endpoint not in marked)

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


def _registrations_per_ip() -> str:
    return str(current_app.config["REGISTRATION_LIMIT_PER_IP"])
