"""Where and when a key was last used, the first use of a rolled key after its roll, and
the first use of a key from a network none of its person's keys came from before.

Recorded from the authentication path, so it must stay cheap and must never fail a
request: at most one use a minute per key is noted, and written with the others waiting
(app/keys/last_use.py) unless it has something to tell: a rolled key's first use after its
roll, or a use from a network this process has not checked for the key, each written in its
own short transaction on the request. A call from the address of the key's last noted use
costs one comparison of two strings.
"""

import threading
from collections import OrderedDict
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import or_, text, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from app.core import audit, db
from app.core.models import ApiKey, ApiToken, User
from app.keys import last_use
from app.keys.store import KeyRow
from app.notifications import notices, seen_addresses

RESOLUTION = timedelta(minutes=1)


def record(row: KeyRow, now: datetime, address: str | None = None, digest: str = "") -> bool:
    """Note this use of the key (``digest``) from ``address``, unless it was noted within
    the last minute and comes from a network this process has seen the key use; the first
    use of a superseded key after its roll is always noted, and lands in the security log.
    True when it was noted now (by this call, or by a parallel one just before it)."""
    last, rolled = row.last_used_at, row.superseded_at
    # "<=": the request that made the roll used the key just before it, at the same instant
    # on a coarse clock; any use at or before the roll is a use from before it.
    first_after_roll = rolled is not None and (last is None or last <= rolled)
    recent = last is not None and now - last < RESOLUTION
    if not first_after_roll and recent and not _new_place(row, address, digest):
        return False
    if not first_after_roll and _known_place(row, address, digest):
        # Nothing to tell or audit: the use waits to be written with others (last_use.py).
        ip, user_agent = audit.request_client()
        table = last_use.TOKENS if row.token_id is not None else last_use.KEYS
        row_id = row.token_id if row.token_id is not None else row.key_id
        last_use.pending().add(table, row_id, last_use.Use(now, ip, user_agent))
        return True
    try:
        _write(row, now, rolled if first_after_roll else None, digest)
    except SQLAlchemyError as error:
        current_app.logger.warning("Could not record key use: %s", type(error).__name__)
        return False
    return True


# The networks this process has noted each key use, for the keys it saw last: a key that
# moves between a few networks is checked against its person's known networks once per
# network, not once per call. Bounded both ways: past PLACES_PER_KEY networks a key is
# checked only with its once-a-minute write (a caller cycling through a whole IPv6 range
# cannot make every call write), and past KEYS_NOTED keys the oldest is forgotten.
_PLACES: OrderedDict[str, set[str]] = OrderedDict()
PLACES_PER_KEY = 32
KEYS_NOTED = 10_000
_places_lock = threading.Lock()


def _new_place(row: KeyRow, address: str | None, digest: str) -> bool:
    """Whether ``address`` is in a network this process has not noted the key use yet,
    while the key has few enough of them."""
    if address is None or address == row.last_used_ip:
        return False
    network = seen_addresses.network_of(address)
    noted = _PLACES.get(digest, set())
    return network is not None and network not in noted and len(noted) < PLACES_PER_KEY


def _known_place(row: KeyRow, address: str | None, digest: str) -> bool:
    """Whether a use from ``address`` needs no check for the new-network notice: the key's
    last noted use came from it, or this process has checked its network for the key."""
    if address is None or address == row.last_used_ip:
        return True
    network = seen_addresses.network_of(address)
    return network is None or network in _PLACES.get(digest, ())


def _remember_place(digest: str, network: str) -> None:
    with _places_lock:
        noted = _PLACES.pop(digest, set())
        if len(noted) < PLACES_PER_KEY:
            noted.add(network)
        _PLACES[digest] = noted  # now the newest
        if len(_PLACES) > KEYS_NOTED:
            _PLACES.popitem(last=False)


def _write(row: KeyRow, now: datetime, rolled: datetime | None, digest: str) -> None:
    client = audit.request_client()
    with Session(db.engine()) as session:
        _record_use(session, row, now, rolled, client=client)
    network = seen_addresses.network_of(client[0]) if client[0] else None
    if network is not None:
        _remember_place(digest, network)


@db.unit_of_work
def _record_use(
    session: Session,
    row: KeyRow,
    now: datetime,
    rolled: datetime | None,
    *,
    client: tuple[str | None, str | None],
) -> None:
    ip, user_agent = client
    # A token's use is its own (app/keys/tokens.py); the new-network notice below names the
    # key that minted it, which is what its holder knows.
    used: type[ApiKey] | type[ApiToken] = ApiToken if row.token_id is not None else ApiKey
    # The condition makes the write (and so the audit event) happen once, however many
    # requests race here.
    stale = (
        used.last_used_at <= rolled
        if rolled is not None  # a use from a new place within the minute says where, too
        else (used.last_used_at < now - RESOLUTION) | used.last_used_ip.is_distinct_from(ip)
    )
    if rolled is None and session.get_bind().dialect.name == "postgresql":
        # Bookkeeping, not a record: a crash may lose the last moment's last-use times,
        # so the request need not wait for the commit's flush to disk (the audit event
        # of a rolled key's first use is flushed as usual).
        session.execute(text("SET LOCAL synchronous_commit = off"))
    written = session.execute(
        update(used)
        .where(used.id == (row.token_id if row.token_id is not None else row.key_id))
        .where(or_(used.last_used_at.is_(None), stale))
        .values(last_used_at=now, last_used_ip=ip, last_used_user_agent=user_agent)
    )
    if rolled is not None and written.rowcount == 1:  # type: ignore[attr-defined]
        audit.record(
            session,
            "rolled_key_used",
            actor_id=None,
            subject_user_id=row.user_id,
            detail={"key_hint": row.hint},
        )
    network = seen_addresses.network_of(ip) if ip else None
    if network is not None:
        holder, record = session.get(User, row.user_id), session.get(ApiKey, row.key_id)
        if holder is not None and record is not None:
            notices.key_used_from_new_network(session, holder, record=record, network=network)
