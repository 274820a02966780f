"""Every call a known key takes part in, counted in the process and added to the key_usage
table in batches (app/core/batched.py): USAGE_WRITE_SECONDS after the first call waiting,
before this process reads usage for a page or the API, and when the process exits. The
request itself writes nothing: it adds to a few counters under a lock.

A call is counted for the key presented (a token's for the key that minted it, and for the
token too), on its day (UTC): its outcome ("accepted", or the reason it was refused), the
client's network, and for an accepted call the route and the scope it needed. What a key
may leave in memory is bounded: past ADDRESSES_A_DAY addresses, ROUTES_A_DAY routes or
TOKENS_A_DAY tokens a key-day, the rest are counted under OTHER. A process killed without
exiting loses at most USAGE_WRITE_SECONDS of its counts (docs/admin/operations.md).
"""

import re
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from flask import Flask, current_app
from sqlalchemy import Engine, Table, select, text
from sqlalchemy.dialects import postgresql, sqlite

from app.core import metrics
from app.core.batched import Batched
from app.core.clock import CLOCK_EXTENSION, Clock
from app.core.models import ApiKey, KeyUsage
from app.notifications.seen_addresses import network_of

EXTENSION = "keyfob.call_counts"
ACCEPTED = "accepted"
OUTCOME, NETWORK, ROUTE, SCOPE, TOKEN = "outcome", "network", "route", "scope", "token"
OTHER = "other"  # the name the rest are counted under, past a bound
ADDRESSES_A_DAY, ROUTES_A_DAY, TOKENS_A_DAY = 64, 100, 100
MAX_RETENTION_DAYS = 36_500  # what USAGE_RETENTION_DAYS and prune-usage accept at most
NAME_LENGTH = 200  # the longest name kept (a route of the gateway's policy may be long)
TABLE: Table = KeyUsage.__table__  # type: ignore[assignment]
KEYS: Table = ApiKey.__table__  # type: ignore[assignment]
_DAY = timedelta(days=1)
SECONDS_A_DAY = 86_400


@dataclass(slots=True)
class _Tally:
    """One key's calls on one day, as this process has counted them since its last write
    (plain dicts: a Counter's increment costs several times a dict's, on every call)."""

    outcomes: dict[str, int] = field(default_factory=dict)
    addresses: dict[str, int] = field(default_factory=dict)
    routes: dict[str, int] = field(default_factory=dict)
    scopes: dict[str, int] = field(default_factory=dict)
    tokens: dict[str, int] = field(default_factory=dict)


@dataclass(slots=True)
class _Seen:
    """The names one key has been counted under on one day in this process, written or
    not: what the bounds are held against, so that they hold for the day, not a batch."""

    addresses: set[str] = field(default_factory=set)
    routes: set[str] = field(default_factory=set)
    tokens: set[str] = field(default_factory=set)


Waiting = dict[tuple[int, date], _Tally]


class CallCounts(Batched[Waiting]):
    """The calls counted and not yet written, by key and day."""

    what = "key usage"

    def __init__(self, engine: Engine, seconds: float, clock: Clock | None = None) -> None:
        super().__init__(engine, seconds)
        self._clock = clock if clock is not None else Clock()
        self._seen: dict[tuple[int, date], _Seen] = {}
        self._today: date | None = None
        self._day: tuple[float, date] = (0.0, date.min)  # today (UTC), and when it ends

    def today(self) -> date:
        """Today (UTC) by the app's clock; worked out once a day, not on every call."""
        if self._clock.substitute is not None:  # a test's clock
            return self._clock.now().date()
        now = time.time()
        ends, day = self._day
        if now >= ends:
            day = datetime.fromtimestamp(now, UTC).date()
            self._day = ((now // SECONDS_A_DAY + 1) * SECONDS_A_DAY, day)
        return day

    def note(
        self,
        key_id: int,
        outcome: str,
        *,
        day: date | None = None,
        address: str | None = None,
        token_id: int | None = None,
        route: str | None = None,
        scope: str | None = None,
    ) -> None:
        """Count one call of key ``key_id`` with ``outcome``, on ``day`` (default: today)."""
        when = (key_id, day if day is not None else self.today())
        with self._lock:
            tally = self._waiting.get(when)
            if tally is None:
                tally = self._waiting[when] = _Tally()
            seen = self._seen.get(when) or self._seen_anew(*when)
            counted = tally.outcomes
            counted[outcome] = counted.get(outcome, 0) + 1
            if address is not None:
                _add(tally.addresses, seen.addresses, address, ADDRESSES_A_DAY)
            if token_id is not None:
                _add(tally.tokens, seen.tokens, str(token_id), TOKENS_A_DAY)
            if route is not None:
                _add(tally.routes, seen.routes, route, ROUTES_A_DAY)
            if scope is not None:  # from the fixed set of scopes: bounded already
                tally.scopes[scope] = tally.scopes.get(scope, 0) + 1
            if not self.on_request:
                self._schedule()
        if self.on_request:
            self.write()

    def _seen_anew(self, key_id: int, day: date) -> _Seen:
        """A key's first call of ``day`` in this process; the days before yesterday are
        forgotten when a new day begins (a call of yesterday may still come in late)."""
        if day != self._today:
            self._today = day
            self._seen = {
                kept: names for kept, names in self._seen.items() if kept[1] >= day - _DAY
            }
        seen = self._seen[(key_id, day)] = _Seen()
        return seen

    def _nothing(self) -> Waiting:
        return {}

    def _size(self, waiting: Waiting) -> int:
        return sum(sum(tally.outcomes.values()) for tally in waiting.values())

    def _write(self, engine: Engine, waiting: Waiting) -> None:
        rows = _rows(waiting)
        for (_key, _day, facet, name), calls in rows.items():
            if facet == OUTCOME:
                metrics.key_calls(name, calls)
        _upsert(engine, rows)


def _add(counter: dict[str, int], seen: set[str], name: str, bound: int) -> None:
    """Count ``name``, or OTHER once ``bound`` names have been seen this day."""
    if name not in seen:
        if len(seen) >= bound:
            name = OTHER
        else:
            seen.add(name)
    counter[name] = counter.get(name, 0) + 1


def _rows(waiting: Waiting) -> dict[tuple[int, date, str, str], int]:
    """The rows to add, by primary key; addresses become their networks here, off the
    request (a /24 or a /48, as the "used from a new network" notice counts them)."""
    rows: Counter[tuple[int, date, str, str]] = Counter()
    for (key_id, day), tally in waiting.items():
        networks: Counter[str] = Counter()
        for address, calls in tally.addresses.items():
            networks[network_of(address) or OTHER] += calls
        for facet, counted in (
            (OUTCOME, tally.outcomes),
            (NETWORK, networks),
            (ROUTE, tally.routes),
            (SCOPE, tally.scopes),
            (TOKEN, tally.tokens),
        ):
            for name, calls in counted.items():
                shown = _as_documented(name) if facet == ROUTE else name
                rows[(key_id, day, facet, shown[:NAME_LENGTH])] += calls
    return rows


_FLASK_ARGUMENT = re.compile(r"<(?:[^<>:]+:)?([^<>:]+)>")


def _as_documented(route: str) -> str:
    """A Flask rule's arguments as the API reference and the route policy write them:
    ``/keys/<int:key_id>`` is ``/keys/{key_id}``."""
    return _FLASK_ARGUMENT.sub(r"{\1}", route)


def _upsert(engine: Engine, rows: dict[tuple[int, date, str, str], int]) -> None:
    """Add every row's calls to what the table holds, in one transaction. Every process
    writes in one order (the primary key's): two batches that share rows and lock them in
    different orders would deadlock, and PostgreSQL would drop one of them."""
    dialect = postgresql if engine.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(TABLE)
    statement = statement.on_conflict_do_update(
        index_elements=[TABLE.c.key_id, TABLE.c.day, TABLE.c.facet, TABLE.c.name],
        set_={"calls": TABLE.c.calls + statement.excluded.calls},
    )
    values = [
        {"key_id": key_id, "day": day, "facet": facet, "name": name, "calls": calls}
        for (key_id, day, facet, name), calls in sorted(rows.items())
    ]
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":  # bookkeeping: no need to wait for the disk
            connection.execute(text("SET LOCAL synchronous_commit = off"))
        # A key deleted since (flask keys prune) takes no counts: on SQLite its id may be
        # given to a new key, which would show a stranger's usage.
        wanted = {value["key_id"] for value in values}
        alive = set(connection.scalars(select(KEYS.c.id).where(KEYS.c.id.in_(wanted))))
        values = [value for value in values if value["key_id"] in alive]
        if values:
            connection.execute(statement, values)


def init_app(app: Flask) -> None:
    seconds = app.config["USAGE_WRITE_SECONDS"]
    if isinstance(seconds, bool) or not isinstance(seconds, int | float) or seconds < 0:
        raise RuntimeError("USAGE_WRITE_SECONDS must be a number of seconds, 0 or more")
    kept = app.config["USAGE_RETENTION_DAYS"]
    if isinstance(kept, bool) or not isinstance(kept, int) or not 1 <= kept <= MAX_RETENTION_DAYS:
        raise RuntimeError(
            f"USAGE_RETENTION_DAYS must be a whole number from 1 to {MAX_RETENTION_DAYS}"
        )
    engine, clock = app.extensions["keyfob.engine"], app.extensions[CLOCK_EXTENSION]
    app.extensions[EXTENSION] = CallCounts(engine, float(seconds), clock)


def counts() -> CallCounts:
    counted: CallCounts = current_app.extensions[EXTENSION]
    return counted


def write_waiting() -> None:
    """Write this process's counts before usage is read, so that a person sees their own
    calls at once (another process's within USAGE_WRITE_SECONDS)."""
    counts().write()
