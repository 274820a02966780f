"""Readiness: can this process reach its database and its rate-limit store right now?

Each check is bounded by READINESS_TIMEOUT_SECONDS, so a load balancer's probe gets an answer
even while a dependency hangs. The database is reached through an engine of its own without a
pool: a probe makes a new connection, which is what a restarted or unreachable server breaks
(a pooled one could hide that), and the app's pool is never drained by probes.
"""

import logging
import math
import threading
from collections.abc import Callable

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry
from sqlalchemy import Engine, create_engine, make_url, text
from sqlalchemy.pool import NullPool

log = logging.getLogger("keyfob.readiness")
OK, DOWN = "ok", "down"


class Readiness:
    def __init__(
        self, database_url: str, storage_uri: str, storage_check: Callable[[], bool], timeout: float
    ) -> None:
        self._engine = _probe_engine(database_url, timeout)
        self._store = _store_check(storage_uri, storage_check, timeout)

    def check(self) -> dict[str, str]:
        """Each dependency's state, "ok" or "down"; a failure is logged by name only (an
        exception's text can hold a host name or a URL, never wanted in a log)."""
        checks = {
            "database": self._run("database", self._database),
            "ratelimit_store": self._run("ratelimit_store", self._store),
        }
        return checks

    def _run(self, name: str, check: Callable[[], bool]) -> str:
        try:
            if check():
                log.debug("readiness: %s ok", name)  # never INFO: probes come every few seconds
                return OK
            log.warning("readiness: %s did not answer", name)
        except Exception as error:
            log.warning("readiness: %s is down (%s)", name, type(error).__name__)
        return DOWN

    def _database(self) -> bool:
        with self._engine.connect() as connection:
            return connection.execute(text("SELECT 1")).scalar() == 1


def _probe_engine(url: str, timeout: float) -> Engine:
    backend = make_url(url).get_backend_name()
    if backend == "postgresql":
        # libpq (and psycopg) never wait less than 2 s to connect; the statement gets the rest.
        connect_args: dict[str, object] = {
            "connect_timeout": max(2, math.ceil(timeout)),
            "options": f"-c statement_timeout={int(timeout * 1000)}",
        }
    elif backend == "sqlite":
        connect_args = {"timeout": timeout}
    else:
        connect_args = {}
    return create_engine(url, poolclass=NullPool, hide_parameters=True, connect_args=connect_args)


def _store_check(uri: str, storage_check: Callable[[], bool], timeout: float) -> Callable[[], bool]:
    """A check of the rate-limit store, bounded in time.

    memory:// lives in this process: always ready. Redis gets a client of its own with
    socket timeouts and no retries (the limiter's client may have neither). Any other store
    is asked through the limiter, in a thread this probe stops waiting for after ``timeout``.
    """
    if uri.startswith("memory://"):
        return lambda: True
    if uri.startswith(("redis://", "rediss://", "redis+unix://")):
        client = redis.Redis.from_url(
            uri.replace("redis+unix://", "unix://", 1),
            socket_connect_timeout=timeout,
            socket_timeout=timeout,
            retry=Retry(NoBackoff(), 0),  # one attempt: the probe's answer is now
        )
        return lambda: bool(client.ping())
    return lambda: _within(timeout, storage_check)


def _within(timeout: float, check: Callable[[], bool]) -> bool:
    outcome: list[bool] = []

    def run() -> None:
        try:
            outcome.append(bool(check()))
        except Exception:  # a store that fails is down; its error text may hold its URL
            outcome.append(False)

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(timeout)
    return bool(outcome and outcome[0])
