"""Rate limits: flask-limiter's Limiter and store (RATELIMIT_STORAGE_URI; Redis shares them
across workers), with the ``limits`` library it is built on for the checks below.

Password guesses are limited per account and per client IP. Only failures count, but once
a limit is reached every attempt gets 429, even with the right password, so the limit
cannot be probed for the answer. The login form, the re-auth form and the API's
fetch_api_key draw on one allowance per account. Each attempt is checked, verified and
counted under a per-account lock, so parallel guesses cannot all slip in before the first
failure is counted (across processes, at most one per extra worker can).

Failed API keys are limited per IP, so keys cannot be guessed at line speed, and
registrations per IP, so one client cannot create accounts (and argon2 work) in bulk.

Each app gets its own Limiter, because flask-limiter keeps its settings on the instance.
Only views marked ``@registrations`` go through its per-request hooks: that bookkeeping
costs more than the whole key check, so everything else skips it.
"""

import math
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from flask import Flask, current_app, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from limits import parse
from limits.strategies import FixedWindowRateLimiter
from werkzeug.wrappers import Response

from app.accounts.users import normalize_email

F = TypeVar("F", bound=Callable[..., object])
_REGISTRATION_MARK = "keyfob_limits_registrations"
# Striped locks: bounded memory, and two accounts rarely wait on each other.
_ACCOUNT_LOCKS = [threading.Lock() for _ in range(256)]


class TooManyAttempts(Exception):
    """The account or the IP has used up its password attempts for now."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(retry_after)
        self.retry_after = retry_after


def registrations(view: F) -> F:
    """Mark a view whose successful POSTs create an account."""
    setattr(view, _REGISTRATION_MARK, True)
    return view


@contextmanager
def password_attempt(email: str) -> Iterator[Callable[[], None]]:
    """Check a password for ``email`` inside the block; call what it yields on a failure.

    Raises TooManyAttempts before the block when the account or IP has no attempts left.
    """
    account = "account:" + normalize_email(email)
    counters = [
        (parse(current_app.config["PASSWORD_LIMIT_PER_ACCOUNT"]), account, "password-account"),
        (parse(current_app.config["PASSWORD_LIMIT_PER_IP"]), _client_ip(), "password-ip"),
    ]
    strategy, prefix = _strategy(), str(current_app.config["RATELIMIT_KEY_PREFIX"])
    with _ACCOUNT_LOCKS[zlib.crc32(account.encode()) % len(_ACCOUNT_LOCKS)]:
        for item, identity, scope in counters:
            if not strategy.test(item, prefix, identity, scope):
                reset: float = strategy.get_window_stats(item, prefix, identity, scope).reset_time
                raise TooManyAttempts(max(1, math.ceil(reset - time.time())))

        def failed() -> None:
            for item, identity, scope in counters:
                strategy.hit(item, prefix, identity, scope)

        yield failed


def _strategy() -> Any:
    limiter: Limiter = current_app.extensions["keyfob.limiter"]
    return limiter.limiter


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

    def retry_after(self) -> int:
        stats = self.window.get_window_stats(self.limit, self.prefix, "key-guesses", _client_ip())
        reset: float = stats.reset_time
        return max(1, math.ceil(reset - time.time()))

    def _forget_expired(self) -> None:
        now = time.monotonic()
        for ip, until in list(self._failing_until.items()):
            if until < now:
                self._failing_until.pop(ip, None)


def key_guesses() -> KeyGuesses:
    guard: KeyGuesses = current_app.extensions["keyfob.key_guesses"]
    return guard


def _client_ip() -> str:
    return request.remote_addr or "unknown"


def init_app(app: Flask) -> Limiter:
    """Give the app its limiter, and put the registration limit on every marked view."""
    limiter = Limiter(key_func=get_remote_address, app=app)
    app.extensions["keyfob.limiter"] = limiter
    app.extensions["keyfob.key_guesses"] = KeyGuesses(app, limiter)
    per_ip = limiter.limit(_registrations_per_ip, methods=["POST"], deduct_when=_redirected)
    marked = set()
    for endpoint, view in list(app.view_functions.items()):
        if getattr(view, _REGISTRATION_MARK, False):
            limited: Any = per_ip(view)
            app.view_functions[endpoint] = limited
            marked.add(endpoint)
    limiter.request_filter(lambda: request.endpoint not in marked)
    return limiter


def _redirected(response: Response) -> bool:
    return response.status_code == 302


def _registrations_per_ip() -> str:
    return str(current_app.config["REGISTRATION_LIMIT_PER_IP"])
