"""What an app asks of its database and its rate-limit store, seen where they see it.

The database: every statement on every connection the app's engine hands out (the ORM's
pooled ones, and the one per thread that the key lookup keeps: it is checked out of the
same engine), from the driver itself: SQLite's trace callback (each statement it runs,
BEGIN and COMMIT included), or libpq's protocol trace on PostgreSQL (each Execute or simple
Query the client sends, and each ReadyForQuery the server answers: one a round trip).

Redis: the commands a private server counted (tests/helpers/services.py), so nothing else
is in the count."""

import sqlite3
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import redis
from flask import Flask
from sqlalchemy import event


@dataclass
class Seen:
    statements: int = 0
    round_trips: int = 0  # a server's; SQLite runs in the process and has none


class DatabaseTrace:
    def __init__(self, app: Flask, folder: Path) -> None:
        self.engine = app.extensions["keyfob.engine"]
        self.folder = folder
        self.sqlite: list[str] = []
        self.traced: dict[int, Any] = {}  # id of a DB-API connection: it (kept alive)

    def attach(self, dbapi_connection: Any, *_record: Any) -> None:
        if id(dbapi_connection) in self.traced:
            return
        self.traced[id(dbapi_connection)] = dbapi_connection
        if isinstance(dbapi_connection, sqlite3.Connection):
            dbapi_connection.set_trace_callback(self.sqlite.append)
            return
        pgconn = dbapi_connection.pgconn
        trace = (self.folder / f"{id(dbapi_connection)}.trace").open("wb")
        pgconn.trace(trace.fileno())
        pgconn.set_trace_flags(psycopg.pq.Trace.SUPPRESS_TIMESTAMPS)
        self.traced[-id(dbapi_connection)] = trace

    def detach(self) -> None:
        for key, traced in self.traced.items():
            if key < 0:
                traced.close()
            elif isinstance(traced, sqlite3.Connection):
                traced.set_trace_callback(None)
            elif not traced.closed:
                traced.pgconn.untrace()

    def seen(self) -> Seen:
        if self.engine.dialect.name == "sqlite":
            return Seen(statements=len(self.sqlite))
        lines = [
            line.split("\t")
            for trace in self.folder.glob("*.trace")
            for line in trace.read_text(errors="replace").splitlines()
        ]
        messages = [fields[:3] for fields in lines if len(fields) >= 3]  # one a message
        sent = sum(1 for side, _length, kind in messages if side == "F" and kind in _STATEMENTS)
        answered = sum(1 for side, _length, kind in messages if (side, kind) == _ROUND_TRIP)
        return Seen(statements=sent, round_trips=answered)


_STATEMENTS = {"Execute", "Query"}
_ROUND_TRIP = ("B", "ReadyForQuery")


@contextmanager
def database_trace(app: Flask) -> Iterator[DatabaseTrace]:
    """Trace every connection ``app`` checks out from now on (the key lookup's included,
    as long as this thread has not opened it yet)."""
    with tempfile.TemporaryDirectory(prefix="keyfob-trace-") as folder:
        trace = DatabaseTrace(app, Path(folder))
        event.listen(trace.engine, "checkout", trace.attach)
        try:
            yield trace
        finally:
            event.remove(trace.engine, "checkout", trace.attach)
            trace.detach()


class StoreCount:
    """The commands a client sent a Redis server while ``call`` ran, as the server's
    MONITOR shows them: one a round trip (a script's own commands, which MONITOR marks as
    Lua's, run inside the one that called the script)."""

    END = "keyfob-test: the call is over"

    def __init__(self, url: str) -> None:
        # Two connections, each greeted before anything is watched: one watches, the
        # other says when the call is over.
        self.watching, self.telling = redis.Redis.from_url(url), redis.Redis.from_url(url)
        self.telling.ping()

    def sent_during(self, call: Callable[[], object]) -> list[str]:
        sent: list[str] = []
        with self.watching.monitor() as monitor:  # type: ignore[no-untyped-call]
            call()
            self.telling.echo(self.END)
            for _ in range(MONITORED_AT_MOST):
                seen = monitor.next_command()
                if seen["command"] == f"ECHO {self.END}":
                    return sent
                if seen["client_type"] != "lua":
                    sent.append(seen["command"].split()[0].upper())
        raise AssertionError(f"the call sent more than {MONITORED_AT_MOST} commands")


MONITORED_AT_MOST = 1000
