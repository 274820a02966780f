"""What a key's owner changes on a live key after it was made: where it may be used from
(app/keys/networks.py), whether it is paused, and its request budget (app/keys/budgets.py).
Any key may be restricted, the primary key too; each change is audited and its owner told.
The one lookup of every API call reads all three, and the epoch trigger makes a change hold
on the next request everywhere.

A refusal from a network the key does not allow is recorded here too: audited with the
address and told to the owner once per key, client and day (a client: an address, or an
IPv6 address's /64), and for at most twenty clients a key a day (the limit store
remembers), so that a leaked key tried from afar makes a few emails, not thousands.

No web code here.
"""

from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core import audit, clock, db
from app.core.client_ip import limit_identity
from app.core.i18n import gettext as _
from app.core.models import ApiKey, Holder, User, storable_id
from app.core.refusals import FieldRefused
from app.keys import networks, tokens
from app.keys.named import NoSuchKey
from app.keys.store import KeyRow
from app.notifications import notices


@dataclass(frozen=True)
class Change:
    """What to change on a key; None leaves it as it is. ``allowed_networks``: checked
    networks (networks.check), an empty tuple lifting the limit."""

    allowed_networks: tuple[str, ...] | None = None
    paused: bool | None = None
    budget: int | None = None  # requests a minute (budgets.check); 0 lifts the budget


@dataclass(frozen=True)
class Caller:
    """The key a request came with and its address, so that a key does not lock itself
    out: it may not pause itself, nor leave the network it is calling from."""

    key_id: int | None = None
    address: str | None = None


class LockedOut(FieldRefused):
    """The change would stop the very key that asked for it."""


@db.unit_of_work
def change(
    session: Session,
    holder: Holder,
    key_id: int,
    wanted: Change,
    *,
    actor_id: int,
    caller: Caller = Caller(),
) -> ApiKey:
    """Apply ``wanted`` to the holder's live key ``key_id`` (NoSuchKey otherwise), each
    change audited and told; the key as it is now."""
    db.lock_holder(session, holder)
    record = _live(session, holder.id, key_id)
    if wanted.allowed_networks is not None:
        _set_networks(session, record, wanted.allowed_networks, actor_id, caller)
    if wanted.paused is not None:
        _set_paused(session, record, wanted.paused, actor_id, caller)
    if wanted.budget is not None:
        _set_budget(session, record, wanted.budget or None, actor_id)
    return record


def _live(session: Session, holder_id: int, key_id: int) -> ApiKey:
    record = None
    if storable_id(key_id):
        record = session.scalar(
            select(ApiKey).where(
                ApiKey.id == key_id,
                ApiKey.user_id == holder_id,
                ApiKey.revoked_at.is_(None),
                ApiKey.decoy.is_(False),  # a decoy never works: nothing to restrict
            )
        )
    if record is None:
        raise NoSuchKey()
    return record


def _set_networks(
    session: Session, record: ApiKey, wanted: tuple[str, ...], actor_id: int, caller: Caller
) -> None:
    before = networks.shown(networks.read(record.allowed_networks))
    if list(wanted) == before:
        return
    if record.id == caller.key_id and not networks.allows(
        networks.read(networks.stored(wanted)), caller.address
    ):
        raise LockedOut(
            "allowed_networks",
            _("This list would refuse the key you are calling with, from where you call."),
        )
    record.allowed_networks = networks.stored(wanted)
    detail = {"key_name": record.name, "key_hint": record.hint, "from": before, "to": list(wanted)}
    holder = session.get_one(User, record.user_id)
    audit.record(
        session,
        "api_key_networks_changed",
        actor_id=actor_id,
        subject_user_id=holder.id,
        detail=detail,
    )
    notices.key_networks_changed(
        session, holder, actor_id=actor_id, record=record, allowed=list(wanted)
    )


def _set_paused(
    session: Session, record: ApiKey, paused: bool, actor_id: int, caller: Caller
) -> None:
    if (record.paused_at is not None) == paused:
        return
    if paused and record.id == caller.key_id:
        raise LockedOut("paused", _("A key cannot pause itself: use another key, or the pages."))
    record.paused_at = clock.now() if paused else None
    detail: dict[str, object] = {"key_name": record.name, "key_hint": record.hint}
    if paused:  # for good: resuming the key must not bring back tokens a thief minted
        detail["tokens_ended"] = tokens.end_all(session, record.id)
    holder = session.get_one(User, record.user_id)
    audit.record(
        session,
        "api_key_paused" if paused else "api_key_resumed",
        actor_id=actor_id,
        subject_user_id=holder.id,
        detail=detail,
    )
    notices.key_paused(session, holder, actor_id=actor_id, record=record, paused=paused)


def _set_budget(session: Session, record: ApiKey, budget: int | None, actor_id: int) -> None:
    if record.rate_limit_per_minute == budget:
        return
    detail = {
        "key_name": record.name,
        "key_hint": record.hint,
        "from": record.rate_limit_per_minute,
        "to": budget,
    }
    record.rate_limit_per_minute = budget
    holder = session.get_one(User, record.user_id)
    audit.record(
        session,
        "api_key_budget_changed",
        actor_id=actor_id,
        subject_user_id=holder.id,
        detail=detail,
    )
    notices.key_budget_changed(session, holder, actor_id=actor_id, record=record)


def refused_network(row: KeyRow, address: str | None, endpoint: str) -> None:
    """A call with the right key from a network it does not allow: recorded, and its owner
    told, once per key, address and day."""
    if not _first_today(row.key_id):
        return
    _record_refusal(db.session(), row, address, endpoint)


def _first_today(key_id: int) -> bool:
    """Whether this refusal is the first from its client today, and the key has told of
    fewer than twenty clients today (a caller with a whole IPv6 network of addresses
    cannot fill the log or the mailbox)."""
    per_address, per_key = current_app.extensions["keyfob.network_refusals"]
    # The client as the limits count it (an IPv6 address's /64): one counter per network a
    # caller controls, not one per address it can make up.
    return bool(per_address.take(f"{key_id}/{limit_identity()}") and per_key.take(str(key_id)))


@db.unit_of_work
def _record_refusal(session: Session, row: KeyRow, address: str | None, endpoint: str) -> None:
    record = session.get(ApiKey, row.key_id)
    if record is None:  # deleted since the lookup: nothing left to tell of
        return
    detail = {"key_name": row.name, "key_hint": row.hint, "address": address, "endpoint": endpoint}
    audit.record(
        session,
        "api_key_refused_network",
        actor_id=None,
        subject_user_id=row.user_id,
        detail=detail,
    )
    holder = session.get_one(User, row.user_id)
    notices.key_refused_network(session, holder, record=record, endpoint=endpoint)
