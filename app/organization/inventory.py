"""The key inventory of the admin console: every working key and short-lived token of the
organization's active people and bots, with its holder, kind, scopes, networks, age,
expiry, last use and calls over the last 30 days; filtered, sorted, and exported as CSV.

An administrator sees the keys of everyone they manage (not an owner's, nor an owner's
bots'), as the rest of the console; an owner sees every key. Decoys are left out: a decoy
is its person's to know of. No web code here.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from app.core import clock
from app.core.models import ApiKey, ApiToken, User
from app.keys import last_use, named, networks, scopes, staleness, usage_history
from app.organization.administration import Actor
from app.organization.spreadsheet import csv_text
from app.people import roles

KINDS = ("primary", "named", "rolled", "token")
SORTS = ("holder", "kind", "created", "expires", "last_used", "calls")
DAYS = usage_history.DAYS
CSV_COLUMNS = (
    "holder_id",
    "holder",
    "holder_email",
    "is_bot",
    "kind",
    "id",
    "name",
    "hint",
    "scopes",
    "allowed_networks",
    "created_at",
    "expires_at",
    "last_used_at",
    f"calls_last_{DAYS}_days",
    "stale",
    "paused",
)


@dataclass(frozen=True, slots=True)
class Filters:
    holder: str = ""  # part of the holder's name or email, in any case
    kind: str = ""  # one of KINDS, or "" for every kind
    stale_only: bool = False
    sort: str = "holder"  # one of SORTS
    descending: bool = False


@dataclass(frozen=True, slots=True)
class Entry:
    """One key or token: never its text, only its last four characters."""

    id: int
    kind: str
    name: str | None
    hint: str
    holder: User
    scopes: tuple[str, ...]
    networks: tuple[str, ...]
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    calls: int  # over the last DAYS days, accepted and refused
    stale: bool
    paused: bool
    key_id: int  # the key itself, or the key that minted the token


def entries(session: Session, actor: Actor, filters: Filters) -> list[Entry]:
    """The keys and tokens ``actor`` may see that match ``filters``, in their order."""
    holders = {holder.id: holder for holder in _holders(session, actor)}
    last_use.write_pending()
    found = _keys(session, holders) + _tokens(session, holders)
    wanted = filters.holder.casefold()
    matching = [
        entry
        for entry in found
        if (not wanted or wanted in f"{entry.holder.full_name}\n{entry.holder.email}".casefold())
        and (not filters.kind or entry.kind == filters.kind)
        and (entry.stale or not filters.stale_only)
    ]
    return _sorted(matching, filters.sort, filters.descending)


def export_csv(found: list[Entry]) -> str:
    return csv_text(CSV_COLUMNS, (_cells(entry) for entry in found))


def _holders(session: Session, actor: Actor) -> list[User]:
    """The active people and bots whose keys ``actor`` may see."""
    everyone = list(session.scalars(select(User).where(User.is_active.is_(True))))
    by_id = {user.id: user for user in everyone}

    def visible(user: User) -> bool:
        subject = by_id.get(user.bot_owner_id or 0, user) if user.is_bot else user
        return subject.id == actor.id or roles.may_manage(actor.role, subject.role)

    return [user for user in everyone if visible(user)]


def _keys(session: Session, holders: dict[int, User]) -> list[Entry]:
    now = clock.now()
    records = list(
        session.scalars(
            select(ApiKey).where(
                ApiKey.user_id.in_(holders),
                ApiKey.revoked_at.is_(None),
                ApiKey.decoy.is_(False),
                # a replaced key whose overlap has ended is dead, as the key lists say
                or_(ApiKey.superseded_at.is_(None), ApiKey.expires_at > now),
            )
        )
    )
    since = (now - timedelta(days=DAYS - 1)).date()
    calls = usage_history.calls_since(session, (r.id for r in records), since)
    before, _days = staleness.cutoff(session)
    found = []
    for record in records:
        summary = named.summarize(record)
        found.append(
            Entry(
                id=record.id,
                kind=summary.kind,
                name=record.name,
                hint=record.hint,
                holder=holders[record.user_id],
                scopes=summary.scopes,
                networks=summary.allowed_networks,
                created_at=record.created_at,
                expires_at=record.expires_at,
                last_used_at=record.last_used_at,
                calls=calls.get(record.id, 0),
                stale=staleness.is_stale(record, before),
                paused=record.paused_at is not None,
                key_id=record.id,
            )
        )
    return found


def _tokens(session: Session, holders: dict[int, User]) -> list[Entry]:
    now = clock.now()
    rows = session.execute(
        select(ApiToken, ApiKey.allowed_networks)
        .join(ApiKey, ApiToken.key_id == ApiKey.id)
        .where(
            ApiToken.user_id.in_(holders),
            ApiToken.revoked_at.is_(None),
            ApiToken.expires_at > now,
            ApiKey.revoked_at.is_(None),
        )
    ).all()
    since = (now - timedelta(days=DAYS - 1)).date()
    calls = usage_history.token_calls_since(session, (token.id for token, _n in rows), since)
    config = current_app.config
    return [
        Entry(
            id=token.id,
            kind="token",
            name=None,
            hint=token.hint,
            holder=holders[token.user_id],
            scopes=tuple(scopes.held(scopes.read(token.scopes), primary=False, config=config)),
            networks=tuple(networks.shown(networks.read(limited))),  # its key's
            created_at=token.created_at,
            expires_at=token.expires_at,
            last_used_at=token.last_used_at,
            calls=calls.get(token.id, 0),
            stale=False,  # a token lives minutes or hours: never stale
            paused=False,
            key_id=token.key_id,
        )
        for token, limited in rows
    ]


def _sorted(found: list[Entry], sort: str, descending: bool) -> list[Entry]:
    """In ``sort``'s order; entries without a value (never expires, never used) last, and
    the holder's name, then the kind, then the id break ties, so that the order is stable."""
    found = sorted(found, key=lambda e: (e.holder.full_name.casefold(), KINDS.index(e.kind), e.id))
    if sort == "holder":
        return list(reversed(found)) if descending else found
    value: Callable[[Entry], Any] = {
        "kind": lambda e: KINDS.index(e.kind),
        "created": lambda e: e.created_at,
        "expires": lambda e: e.expires_at,
        "last_used": lambda e: e.last_used_at,
        "calls": lambda e: e.calls,
    }[sort]
    present = [entry for entry in found if value(entry) is not None]
    absent = [entry for entry in found if value(entry) is None]
    return sorted(present, key=value, reverse=descending) + absent


def _cells(entry: Entry) -> list[str]:
    def when(moment: datetime | None) -> str:
        return moment.isoformat() if moment is not None else ""

    return [
        str(entry.holder.id),
        entry.holder.full_name,
        entry.holder.email,
        "yes" if entry.holder.is_bot else "no",
        entry.kind,
        str(entry.id),
        entry.name or "",
        entry.hint,
        " ".join(entry.scopes),
        " ".join(entry.networks),
        when(entry.created_at),
        when(entry.expires_at),
        when(entry.last_used_at),
        str(entry.calls),
        "yes" if entry.stale else "no",
        "yes" if entry.paused else "no",
    ]
