"""Last uses noted in the process and written together, off the request.

A key's last use is bookkeeping that people read at a minute's resolution, yet writing it was
a transaction of its own on the request that fell due (BEGIN, UPDATE, COMMIT: several round
trips on PostgreSQL). So a due use of a key or token from a place already known is kept here,
the newest per key, and written for every key at once: LAST_USE_WRITE_SECONDS after the first
one waiting (one UPDATE executed for the whole batch, in one transaction), before any list
that shows last uses is read in this process, and when the process exits.

What a crash can lose is bounded and harmless: the last uses noted in the last
LAST_USE_WRITE_SECONDS of a process killed without exiting (a key then shows an earlier last
use). Nothing that must be kept waits here: a rolled key's first use after its roll (audited)
and a use from a network the process has not yet checked for the "used from a new network"
notice are written on the request, as before (app/keys/usage.py). With
LAST_USE_WRITE_SECONDS = 0 every use is written on the request.
"""

from dataclasses import dataclass
from datetime import datetime

from flask import Flask, current_app
from sqlalchemy import Engine, Table, bindparam, or_, text, update

from app.core.batched import Batched
from app.core.models import ApiKey, ApiToken

EXTENSION = "keyfob.pending_uses"


@dataclass(frozen=True, slots=True)
class Use:
    at: datetime
    ip: str | None
    user_agent: str | None


class PendingUses(Batched[dict[Table, dict[int, Use]]]):
    """The uses waiting to be written, by key id and by token id (the newest of each)."""

    what = "key uses"

    def add(self, table: Table, row_id: int, use: Use) -> None:
        """Note a use of row ``row_id`` of ``table`` (api_keys or api_tokens), to be written
        within LAST_USE_WRITE_SECONDS (at once when that is 0)."""
        if self.on_request:
            self._write_now({table: {row_id: use}})
            return
        with self._lock:
            self._waiting.setdefault(table, {})[row_id] = use
            self._schedule()

    def _nothing(self) -> dict[Table, dict[int, Use]]:
        return {}

    def _size(self, waiting: dict[Table, dict[int, Use]]) -> int:
        return sum(len(uses) for uses in waiting.values())

    def _write(self, engine: Engine, waiting: dict[Table, dict[int, Use]]) -> None:
        _write(engine, waiting)


def _write(engine: Engine, waiting: dict[Table, dict[int, Use]]) -> None:
    """One UPDATE a table, executed for every row waiting, in one transaction; a row already
    showing a later use is left as it is."""
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":  # bookkeeping: no need to wait for the disk
            connection.execute(text("SET LOCAL synchronous_commit = off"))
        # Every process writes its rows in one order (table, then id): each UPDATE locks its
        # row until the commit, so two batches sharing keys in different orders would
        # deadlock, and PostgreSQL would drop one of them.
        for table, uses in sorted(waiting.items(), key=lambda item: item[0].name):
            statement = (
                update(table)
                .where(table.c.id == bindparam("row_id"))
                .where(or_(table.c.last_used_at.is_(None), table.c.last_used_at < bindparam("at")))
                .values(
                    last_used_at=bindparam("at"),
                    last_used_ip=bindparam("ip"),
                    last_used_user_agent=bindparam("user_agent"),
                )
            )
            rows = [
                {"row_id": row_id, "at": use.at, "ip": use.ip, "user_agent": use.user_agent}
                for row_id, use in sorted(uses.items())
            ]
            connection.execute(statement, rows)


KEYS: Table = ApiKey.__table__  # type: ignore[assignment]
TOKENS: Table = ApiToken.__table__  # type: ignore[assignment]


def init_app(app: Flask) -> None:
    seconds = app.config["LAST_USE_WRITE_SECONDS"]
    if isinstance(seconds, bool) or not isinstance(seconds, int | float) or seconds < 0:
        raise RuntimeError("LAST_USE_WRITE_SECONDS must be a number of seconds, 0 or more")
    app.extensions[EXTENSION] = PendingUses(app.extensions["keyfob.engine"], float(seconds))


def pending() -> PendingUses:
    uses: PendingUses = current_app.extensions[EXTENSION]
    return uses


def write_pending() -> None:
    """Write this process's waiting uses before a list that shows last uses is read, so that
    a person sees their own calls at once (another process's within LAST_USE_WRITE_SECONDS)."""
    pending().write()
