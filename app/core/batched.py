"""Bookkeeping noted by requests in the process and written together, off the request.

A request notes what it did (a key's last use, a call counted) in memory; everything waiting
is written in one transaction ``seconds`` after the first note waiting, whenever a reader asks
for it (``write``), and when the process exits. A process killed without exiting loses what
waited: at most ``seconds`` of notes. A write that fails is logged by its kind alone and its
notes are lost: bookkeeping, never a record that must be kept.
"""

import atexit
import logging
import threading
import weakref
from abc import ABC, abstractmethod
from typing import Any, Generic, TypeVar

from sqlalchemy import Engine

log = logging.getLogger("keyfob.batched")
Waiting = TypeVar("Waiting")


class Batched(ABC, Generic[Waiting]):
    """Notes waiting to be written; a subclass says what a note is and how a batch is written."""

    def __init__(self, engine: Engine, seconds: float) -> None:
        self._engine = engine
        self._seconds = seconds
        self._waiting = self._nothing()
        self._lock = threading.Lock()
        self._timer: threading.Timer | None = None
        _ALIVE.add(self)

    @property
    def on_request(self) -> bool:
        """Whether each note is written at once (``seconds`` is 0)."""
        return self._seconds <= 0

    def _schedule(self) -> None:
        """Start the timer for what waits; the caller holds the lock and has just noted."""
        if self._timer is None:
            self._timer = threading.Timer(self._seconds, self.write)
            self._timer.daemon = True
            self._timer.start()

    def write(self) -> int:
        """Write everything waiting, now; how many notes that was."""
        with self._lock:
            waiting, self._waiting = self._waiting, self._nothing()
            if self._timer is not None:
                self._timer.cancel()  # harmless when the timer itself is what runs this
                self._timer = None
        return self._write_now(waiting)

    def _write_now(self, waiting: Waiting) -> int:
        size = self._size(waiting)
        if size == 0:
            return 0
        try:
            self._write(self._engine, waiting)
        except Exception as problem:  # a timer thread or exit: nobody else could report it
            log.warning("Could not write %s: %s", self.what, type(problem).__name__)
        return size

    what = "bookkeeping"  # what the log calls a batch that failed

    @abstractmethod
    def _nothing(self) -> Waiting:
        """An empty batch."""

    @abstractmethod
    def _size(self, waiting: Waiting) -> int:
        """How many notes a batch holds."""

    @abstractmethod
    def _write(self, engine: Engine, waiting: Waiting) -> None:
        """Write a batch in one transaction."""


_ALIVE: "weakref.WeakSet[Batched[Any]]" = weakref.WeakSet()


@atexit.register
def _write_all_at_exit() -> None:
    for batched in list(_ALIVE):
        batched.write()
