"""Keys this process has verified, kept while the authentication epoch stands still.

Looking a key up in the database (an HMAC, then a three-table SELECT whose row of sixteen
columns, timestamps parsed) would be most of an API call's own cost. So each process keeps
the rows it has read, by the key's digest, together with the value of the
one-row ``auth_epoch`` counter that the row was read with (in the same statement, so the
two are consistent). Database triggers (migration 0007) raise that counter in the same
transaction as every change that can change what a key authenticates as: a key regenerated,
rolled, revoked, given an expiry or deleted; its user or bot deactivated, renamed,
re-roled, given to another owner; whoever makes it (any worker, any node, the command line,
or SQL typed into the database).

So each call still asks the database one question: for a key the process holds, the
cheapest there is (the counter's one row, by primary key), and the kept row is used only if
the counter has not moved since; for any other key, the lookup itself (which reads the
counter too). A revocation committed anywhere is refused by every process on its very next
request. When the counter moves, everything kept is dropped. Expiry needs no counter: it is
checked against the clock on every call.

Bounded: past ``capacity`` rows the oldest kept go first. Rows hold digests, never keys.
"""

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

Row = TypeVar("Row")


class VerifiedKeys(Generic[Row]):
    """Rows by digest, valid for one epoch. Reads take no lock; a fill or a drop does."""

    def __init__(self, capacity: int, on_lookup: Callable[[bool], None]) -> None:
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self._capacity = capacity
        self._on_lookup = on_lookup  # told hit (True) or miss (False), for the metrics
        # (epoch, rows): replaced whole when the epoch moves, so a reader sees one or the other.
        self._kept: tuple[int | None, dict[str, Row]] = (None, {})
        self._lock = threading.Lock()

    def get(self, digest: str, current_epoch: Callable[[], int | None]) -> Row | None:
        """The row kept for ``digest`` if the counter, asked through ``current_epoch`` only
        when there is such a row, still has the value the row was read with."""
        kept_epoch, rows = self._kept
        row = rows.get(digest)
        served = row is not None and current_epoch() == kept_epoch
        self._on_lookup(served)
        return row if served else None

    def put(self, epoch: int, digest: str, row: Row) -> None:
        """Keep ``row``, read together with the counter's value ``epoch``. A different epoch
        (newer, or older from a request that started first) starts an empty set: either way
        no row read at one value is ever served at another."""
        with self._lock:
            kept_epoch, rows = self._kept
            if kept_epoch != epoch:
                self._kept = (epoch, {digest: row})
                return
            if digest not in rows and len(rows) >= self._capacity:
                del rows[next(iter(rows))]  # the oldest kept
            rows[digest] = row

    def update(self, digest: str, change: Callable[[Row], Row]) -> None:
        """Replace a kept row with ``change(row)``: this process's own bookkeeping (when it
        last noted the key's use), which no trigger watches."""
        with self._lock:
            rows = self._kept[1]
            if digest in rows:
                rows[digest] = change(rows[digest])
