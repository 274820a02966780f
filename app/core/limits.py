"""Rate limits, counted in flask-limiter's store (RATELIMIT_STORAGE_URI; Redis shares the
counts across workers and machines) through the ``limits`` library it is built on.

Every limited attempt is counted *before* the work it guards, atomically in the store, and
the count is given back afterwards when the attempt did not fail. Checking first and
counting after would let a burst of parallel attempts all pass the check before the first
failure is counted; counting first cannot overshoot, in one process or in many.

Password guesses (login, re-auth and the API's fetch_api_key alike) draw on:
- an allowance per account and client IP: the tight one (5 per 30 minutes), so one client
  cannot guess, yet a stranger elsewhere cannot lock the owner out;
- an allowance per account overall, much higher, that only a distributed attack reaches;
- an allowance per client IP, so one client cannot guess across many accounts.
A browser that has logged in to the account before (a known device, app/people/known_devices.py)
draws on an allowance of its own instead, so the owner keeps working while the account is
attacked from elsewhere. Once an allowance is used up, every attempt it covers gets 429,
even with the right password, so the limit cannot be probed for the answer. A completed
password reset clears the account's own allowances (PasswordLimits.clear_account): its owner
has proved themselves by email, and must not stay locked out.

Failed API keys are limited per client IP, so keys cannot be guessed at line speed;
registrations per IP (every POST counts), so one client cannot create accounts, or probe
for taken email addresses, in bulk; password-reset emails per IP and per address, so nobody
can flood a mailbox. Each app gets its own Limiter, because flask-limiter
keeps its settings on the instance; only views marked ``@registrations`` go through its
per-request hooks.
"""

import contextlib
import hashlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from flask import Flask, current_app, request
from flask_limiter import Limiter
from limits import RateLimitItem, RateLimitItemPerMinute, parse

from app.core.client_ip import limit_identity
from app.core.counters import StoreUnavailable, Windows, for_store

F = TypeVar("F", bound=Callable[..., object])
_REGISTRATION_MARK = "keyfob_limits_registrations"
log = logging.getLogger("keyfob.limits")
# A store that does not answer must fail a request in well under a second, not hang it:
# the API's key check asks the store on every call. Its errors come wrapped as StorageError.
STORE_OPTIONS = {"wrap_exceptions": True, "socket_connect_timeout": 0.5, "socket_timeout": 0.5}
__all__ = ["StoreUnavailable", "TooManyAttempts"]


class TooManyAttempts(Exception):
    """An allowance is used up; ``limit`` names which one, ``retry_after`` is in seconds."""

    def __init__(self, limit: str, retry_after: int) -> None:
        super().__init__(limit)
        self.limit = limit
        self.retry_after = retry_after


class Allowance:
    """So many attempts per window for each identity of one kind (app/core/counters.py counts)."""

    def __init__(self, windows: Windows, prefix: str, scope: str, limit: str) -> None:
        self.scope = scope
        self._limit: RateLimitItem = parse(limit)
        self._windows = windows
        self._prefix = f"{prefix}/{scope}/"

    def take(self, identity: str) -> bool:
        """Count one attempt; False (and nothing left counted) when none is left."""
        return self._windows.take(self._prefix + identity, self._limit)

    def left(self, identity: str) -> bool:
        """Whether an attempt is left, counting nothing."""
        return self._windows.left(self._prefix + identity, self._limit)

    def count(self, identity: str) -> None:
        """Count one attempt that failed."""
        self._windows.count(self._prefix + identity, self._limit)

    def give_back(self, identity: str) -> None:
        """Uncount an attempt that turned out not to be a failure (within its window)."""
        self._windows.give_back(self._prefix + identity, self._limit)

    def clear(self, identity: str) -> None:
        """Forget every attempt counted for ``identity`` in the current window."""
        self._windows.clear(self._prefix + identity, self._limit)

    def retry_after(self, identity: str) -> int:
        return self._windows.retry_after(self._prefix + identity, self._limit)


@dataclass
class PasswordAttempt:
    """The allowances one password attempt drew on; it stays counted unless released."""

    taken: list[tuple[Allowance, str]] = field(default_factory=list)

    def release(self) -> None:
        """Give everything back: the password was right, or the attempt was refused. A store
        that stopped answering keeps the count: that errs on the side of the limit."""
        try:
            for allowance, identity in self.taken:
                allowance.give_back(identity)
        except StoreUnavailable:
            _warn("The rate-limit store is unavailable: a password attempt stays counted")
        self.taken.clear()


class PasswordLimits:
    """The password allowances of one app (see the module's docstring)."""

    def __init__(self, app: Flask, windows: Windows) -> None:
        config, prefix = app.config, str(app.config["RATELIMIT_KEY_PREFIX"])
        tight = config["PASSWORD_LIMIT_PER_ACCOUNT_AND_IP"]
        self.account_and_ip = Allowance(windows, prefix, "password-account-ip", tight)
        self.device = Allowance(windows, prefix, "password-device", tight)
        self.account = Allowance(
            windows, prefix, "password-account", config["PASSWORD_LIMIT_PER_ACCOUNT"]
        )
        self.ip = Allowance(windows, prefix, "password-ip", config["PASSWORD_LIMIT_PER_IP"])
        # A refused attempt is recorded at most this often per account, from however many
        # addresses, so a flood of refusals cannot push everything else out of the owner's
        # security log.
        self.notices = Allowance(windows, prefix, "password-refusal-notice", "1 per minute")

    def begin(self, email: str, device_id: str | None) -> PasswordAttempt:
        """Count an attempt on ``email`` before its password is checked; TooManyAttempts
        if an allowance it needs is used up (then nothing stays counted)."""
        account, ip = account_identity(email), limit_identity()
        if device_id is not None:
            needed = [(self.device, f"{account}/{device_id}")]
        else:
            needed = [
                (self.account_and_ip, f"{account}/{ip}"),
                (self.account, account),
                (self.ip, ip),
            ]
        attempt = PasswordAttempt()
        for allowance, identity in needed:
            try:
                taken = allowance.take(identity)
            except StoreUnavailable:
                attempt.release()  # fail closed: no password is checked uncounted
                raise
            if not taken:
                attempt.release()  # not an attempt after all: give back what it took
                raise TooManyAttempts(allowance.scope, allowance.retry_after(identity))
            attempt.taken.append((allowance, identity))
        return attempt

    def clear_account(self, email: str) -> None:
        """Forget the failures counted on ``email``'s account once its owner has proved
        themselves by email (a completed reset): the account's own allowance, and its
        allowance at the client that did the reset, where the owner logs in next. Other
        clients' allowances on it and every per-IP allowance stay: an attacker's address
        stays refused. A store that does not answer keeps the counts (logged), and the
        reset stands."""
        account = account_identity(email)
        try:
            self.account.clear(account)
            self.account_and_ip.clear(f"{account}/{limit_identity()}")
        except StoreUnavailable:
            _warn("The rate-limit store is unavailable: a reset account's failures stay counted")

    def should_record_refusal(self, email: str) -> bool:
        return self.notices.take(account_identity(email))


class KeyGuesses:
    """Failed API keys per client (``limit_identity()``): a key is checked only while the
    client has guesses left, and a wrong one is counted after its check. Unlike passwords'
    (counted first, given back), this may let through, once the guesses are used up, as
    many as the client had in flight: every valid call, the API's hot path, then costs the
    store one read rather than four operations. A key is 178 random bits: a handful of
    guesses more finds nothing."""

    def __init__(self, app: Flask, windows: Windows) -> None:
        prefix = str(app.config["RATELIMIT_KEY_PREFIX"])
        limit = app.config["KEY_GUESS_LIMIT_PER_IP"]
        self._allowance = Allowance(windows, prefix, "key-guesses", limit)

    def allows(self, client: str) -> bool:
        """Whether the client has guesses left; True also when the store does not answer.
        Keys stay checked: every script keeps working through the store's outage
        (passwords fail closed)."""
        try:
            return self._allowance.left(client)
        except StoreUnavailable:
            _warn("The rate-limit store is unavailable: key guesses are not counted")
            return True

    def failed(self, client: str) -> None:
        """Count a wrong key (not at all while the store does not answer)."""
        with contextlib.suppress(StoreUnavailable):
            self._allowance.count(client)

    def retry_after(self, client: str) -> int:
        return self._allowance.retry_after(client)


class KeyBudgets:
    """Requests a minute for each key its owner gave a budget (``rate_limit_per_minute``):
    a runaway script then cannot use up the platform's capacity for everyone else. Counted
    in the shared store, so the budget holds across workers and nodes (with ``memory://``,
    each process counts for itself)."""

    def __init__(self, app: Flask, windows: Windows) -> None:
        self._windows = windows
        self._prefix = f"{app.config['RATELIMIT_KEY_PREFIX']}/key-budget/"

    def spend(self, key_id: int, per_minute: int) -> int | None:
        """Count one request of key ``key_id``: None within its budget, else the seconds
        until it has requests again. Within budget when the store does not answer: a
        budget guards capacity, and an outage must not stop every budgeted script."""
        budget, name = RateLimitItemPerMinute(per_minute), f"{self._prefix}{key_id}"
        try:
            if self._windows.take(name, budget):
                return None
            return max(1, self._windows.retry_after(name, budget))
        except StoreUnavailable:
            _warn("The rate-limit store is unavailable: key budgets are not counted")
            return None


class LeakReports:
    """Reports to the public revocation endpoint per client (``limit_identity()``): every
    request counts, whatever it holds, so no one can try keys there in bulk."""

    def __init__(self, app: Flask, windows: Windows) -> None:
        prefix = str(app.config["RATELIMIT_KEY_PREFIX"])
        limit = app.config["LEAK_REPORT_LIMIT_PER_IP"]
        self._allowance = Allowance(windows, prefix, "leak-reports", limit)

    def take(self, client: str) -> bool:
        """One report taken; True also when the store does not answer: a leaked key must be
        revoked through the outage, and each report's work is bounded (100 keys)."""
        try:
            return self._allowance.take(client)
        except StoreUnavailable:
            _warn("The rate-limit store is unavailable: leak reports are not counted")
            return True

    def retry_after(self, client: str) -> int:
        return self._allowance.retry_after(client)


class Sparingly:
    """How often something worth telling of is told, per identity (``limit``, e.g. once a
    day): ``take`` is True while the allowance lasts. False when the store does not answer,
    so that an outage never turns into a flood of mail."""

    def __init__(self, app: Flask, windows: Windows, scope: str, limit: str) -> None:
        prefix = str(app.config["RATELIMIT_KEY_PREFIX"])
        self._allowance = Allowance(windows, prefix, scope, limit)

    def take(self, identity: str) -> bool:
        try:
            return self._allowance.take(identity)
        except StoreUnavailable:
            _warn("The rate-limit store is unavailable: refusals are not told of")
            return False


_last_warned: dict[str, float] = {}


def _warn(message: str) -> None:
    """Log ``message`` at most once a minute per process: an outage must not flood the log
    with a line per request."""
    now = time.monotonic()
    if now - _last_warned.get(message, -60.0) >= 60:
        _last_warned[message] = now
        log.warning(message)


def account_identity(email: str) -> str:
    """What an account's counters are keyed on: a digest of the address, so the store holds
    no email addresses and every key has the same short length.

    ``email`` is the address as the people's rules store it (accounts.normalize_email), so
    that every spelling of one address (case, fullwidth letters, a punycode domain) is one
    account, as for the lookup: otherwise each spelling would get an allowance of its own.
    Every caller passes it normalised; the rule itself lives with the people."""
    return hashlib.sha256(email.encode("utf-8", "surrogatepass")).hexdigest()[:32]


class ResetRequests:
    """Password-reset emails asked for, per client IP and per address: every request counts,
    whether or not the address has an account, so the limit tells nothing either."""

    def __init__(self, app: Flask, windows: Windows) -> None:
        config, prefix = app.config, str(app.config["RATELIMIT_KEY_PREFIX"])
        self.ip = Allowance(
            windows, prefix, "password-reset-ip", config["PASSWORD_RESET_LIMIT_PER_IP"]
        )
        self.address = Allowance(
            windows, prefix, "password-reset-address", config["PASSWORD_RESET_LIMIT_PER_ADDRESS"]
        )

    def take(self, email: str) -> None:
        """Count one request for ``email``; TooManyAttempts when an allowance is used up.
        A store that does not answer fails the request (StoreUnavailable): no mail unlimited."""
        for allowance, identity in (
            (self.ip, limit_identity()),
            (self.address, account_identity(email)),
        ):
            if not allowance.take(identity):
                raise TooManyAttempts(allowance.scope, allowance.retry_after(identity))


def reset_requests() -> ResetRequests:
    guard: ResetRequests = current_app.extensions["keyfob.reset_requests"]
    return guard


def password_limits() -> PasswordLimits:
    limits: PasswordLimits = current_app.extensions["keyfob.password_limits"]
    return limits


KEY_GUESSES = "keyfob.key_guesses"  # the app extension key_guesses() returns


def key_guesses() -> KeyGuesses:
    guard: KeyGuesses = current_app.extensions[KEY_GUESSES]
    return guard


def key_budgets() -> KeyBudgets:
    budgets: KeyBudgets = current_app.extensions["keyfob.key_budgets"]
    return budgets


def leak_reports() -> LeakReports:
    guard: LeakReports = current_app.extensions["keyfob.leak_reports"]
    return guard


def registrations(view: F) -> F:
    """Mark a view whose POSTs register an account: each one counts, whatever its answer."""
    setattr(view, _REGISTRATION_MARK, True)
    return view


def init_app(app: Flask) -> Limiter:
    """Give the app its limiter and allowances, and limit every view marked ``@registrations``."""
    app.config["RATELIMIT_STORAGE_OPTIONS"] = {
        **STORE_OPTIONS,
        **app.config.get("RATELIMIT_STORAGE_OPTIONS", {}),
    }
    limiter = Limiter(key_func=limit_identity, app=app)
    app.extensions["keyfob.limiter"] = limiter
    windows = for_store(str(app.config["RATELIMIT_STORAGE_URI"]), limiter.storage)
    app.extensions["keyfob.password_limits"] = PasswordLimits(app, windows)
    app.extensions[KEY_GUESSES] = KeyGuesses(app, windows)
    app.extensions["keyfob.reset_requests"] = ResetRequests(app, windows)
    app.extensions["keyfob.leak_reports"] = LeakReports(app, windows)
    # A refused key is told of once per address a day, and at most so often a day in all:
    # a caller with many addresses (an IPv6 network) cannot fill the log or the mailbox.
    app.extensions["keyfob.network_refusals"] = (
        Sparingly(app, windows, "network-refusals", "1 per day"),
        Sparingly(app, windows, "network-refusals-per-key", "20 per day"),
    )
    app.extensions["keyfob.new_networks"] = Sparingly(app, windows, "new-networks", "20 per day")
    app.extensions["keyfob.key_budgets"] = KeyBudgets(app, windows)
    app.extensions["keyfob.decoy_sightings"] = (
        Sparingly(app, windows, "decoy-sightings", "1 per hour"),
        Sparingly(app, windows, "decoy-sightings-per-key", "20 per day"),
        Sparingly(app, windows, "decoy-sightings-per-person", "10 per hour"),
    )
    per_ip = limiter.limit(_registrations_per_ip, methods=["POST"])
    marked = set()
    for endpoint, view in list(app.view_functions.items()):
        if getattr(view, _REGISTRATION_MARK, False):
            limited: Any = per_ip(view)
            app.view_functions[endpoint] = limited
            marked.add(endpoint)
    limiter.request_filter(lambda: request.endpoint not in marked)
    return limiter


def _registrations_per_ip() -> str:
    return str(current_app.config["REGISTRATION_LIMIT_PER_IP"])
