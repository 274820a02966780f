"""Fixed-window counters for the allowances in app/core/limits.py: in the shared rate-limit store
(Redis, for several processes), or, with ``memory://``, in a plain dictionary of this process.

Both take an attempt by incrementing first and undo it when that went past the limit, so
parallel attempts cannot all pass; both give an attempt back only within its own window.
Both can also just say whether an attempt is left and count a failure afterwards, for the
API's key guesses (app/core/limits.py KeyGuesses), which then may overshoot by the attempts
in flight.
The local one exists for speed: the limits library's memory store takes a lock per key and
restarts an expiry timer thread every few milliseconds under load, which cost more on the
API's hot path than the rest of the key check.
"""

import math
import threading
import time
from typing import Protocol

from limits import RateLimitItem
from limits.errors import StorageError
from limits.storage import Storage
from limits.strategies import FixedWindowRateLimiter


class StoreUnavailable(Exception):
    """The shared store did not answer: nothing could be counted or given back."""


class Windows(Protocol):
    def take(self, key: str, limit: RateLimitItem) -> bool: ...
    def left(self, key: str, limit: RateLimitItem) -> bool: ...
    def count(self, key: str, limit: RateLimitItem) -> None: ...
    def give_back(self, key: str, limit: RateLimitItem) -> None: ...
    def clear(self, key: str, limit: RateLimitItem) -> None: ...
    def retry_after(self, key: str, limit: RateLimitItem) -> int: ...


class SharedWindows:
    """Counts in the limits store (atomic increments, so several processes share them)."""

    def __init__(self, storage: Storage) -> None:
        self._storage = storage
        self._window = FixedWindowRateLimiter(storage)

    def take(self, key: str, limit: RateLimitItem) -> bool:
        try:
            if not self._window.test(limit, key):
                return False  # used up: refused without touching the count (most of a flood)
            if self._window.hit(limit, key):
                return True
        except StorageError:
            raise StoreUnavailable() from None
        self.give_back(key, limit)  # a parallel attempt took the last one first
        return False

    def left(self, key: str, limit: RateLimitItem) -> bool:
        try:
            return bool(self._window.test(limit, key))
        except StorageError:
            raise StoreUnavailable() from None

    def count(self, key: str, limit: RateLimitItem) -> None:
        try:
            self._window.hit(limit, key)
        except StorageError:
            raise StoreUnavailable() from None

    def give_back(self, key: str, limit: RateLimitItem) -> None:
        # Once the window has ended its count is gone: a decrement would start the next
        # window below zero, one attempt richer.
        try:
            if self._storage.get(limit.key_for(key)) > 0:
                self._window.hit(limit, key, cost=-1)
        except StorageError:
            raise StoreUnavailable() from None

    def clear(self, key: str, limit: RateLimitItem) -> None:
        try:
            self._window.clear(limit, key)
        except StorageError:
            raise StoreUnavailable() from None

    def retry_after(self, key: str, limit: RateLimitItem) -> int:
        try:
            reset: float = self._window.get_window_stats(limit, key).reset_time
        except StorageError:
            raise StoreUnavailable() from None
        return max(1, math.ceil(reset - time.time()))


class LocalWindows:
    """Counts in this process: one lock, and expired windows swept now and then."""

    SWEEP_EVERY = 10_000  # new windows between sweeps of the expired ones

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._windows: dict[str, tuple[int, float]] = {}  # key: (count, window's end)
        self._opened = 0

    def take(self, key: str, limit: RateLimitItem) -> bool:
        now = time.monotonic()
        with self._lock:
            count, ends = self._current(key, now)
            if count >= limit.amount:
                return False
            self._add_one(key, limit, now, count, ends)
            return True

    def left(self, key: str, limit: RateLimitItem) -> bool:
        count, _ends = self._current(key, time.monotonic())  # a read: no lock needed
        return count < limit.amount

    def count(self, key: str, limit: RateLimitItem) -> None:
        now = time.monotonic()
        with self._lock:
            self._add_one(key, limit, now, *self._current(key, now))

    def _add_one(self, key: str, limit: RateLimitItem, now: float, count: int, ends: float) -> None:
        """Count one more in ``key``'s window (opening one if none is open); under the lock."""
        if count == 0:
            ends = now + limit.get_expiry()
            self._opened += 1
        self._windows[key] = (count + 1, ends)
        if self._opened >= self.SWEEP_EVERY:
            self._sweep(now)

    def give_back(self, key: str, limit: RateLimitItem) -> None:
        with self._lock:
            count, ends = self._current(key, time.monotonic())
            if count > 0:
                self._windows[key] = (count - 1, ends)

    def clear(self, key: str, limit: RateLimitItem) -> None:
        with self._lock:
            self._windows.pop(key, None)

    def retry_after(self, key: str, limit: RateLimitItem) -> int:
        with self._lock:
            count, ends = self._current(key, time.monotonic())
        return max(1, math.ceil(ends - time.monotonic())) if count else 1

    def _current(self, key: str, now: float) -> tuple[int, float]:
        count, ends = self._windows.get(key, (0, 0.0))
        return (count, ends) if ends > now else (0, 0.0)

    def _sweep(self, now: float) -> None:
        self._windows = {key: window for key, window in self._windows.items() if window[1] > now}
        self._opened = 0


def for_store(storage_uri: str, storage: Storage) -> Windows:
    return LocalWindows() if storage_uri.startswith("memory://") else SharedWindows(storage)
