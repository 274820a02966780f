"""Narrowing a key to what it is used for: a new named key beside it that holds only the
scopes its accepted calls needed over the last days (app/keys/usage_history.py), with the
same networks, request budget and expiry. The old key keeps working until its owner
revokes it, so that the script can move to the new one first.

A scope only the primary key may hold (managing keys and bots, the organization) cannot be
given to a named key: calls that needed one stay with the old key, and the pages say so.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core import clock
from app.core.i18n import gettext as _
from app.core.models import ApiKey, Holder
from app.keys import named, scopes
from app.keys.usage_history import Usage, of_key

NAME_ATTEMPTS = 20  # "CI, narrowed", "CI, narrowed 2" … before giving up on a free name


class NothingToNarrow(Exception):
    """The key's use asks for every scope it holds, or for none a named key may hold."""


@dataclass(frozen=True, slots=True)
class Narrowing:
    """What narrowing a key would give: the scopes of the new key, and the scopes the key
    was used for that a named key cannot hold (which stay with the old key)."""

    scopes: frozenset[str]
    left_behind: frozenset[str]


def proposed(usage: Usage, config: Mapping[str, Any] | None = None) -> Narrowing | None:
    """The narrowing ``usage`` suggests, or None: no accepted call, nothing a named key may
    hold, a key that holds no more than it uses, or one that has expired or is paused."""
    config = config if config is not None else current_app.config
    if usage.key.expired(clock.now()) or usage.key.paused_at is not None:
        return None  # a paused key's successor would work: resume it first
    used = frozenset(scope for scope, _calls in usage.scopes)
    grantable = frozenset(scopes.grantable(config))
    kept = used & grantable & frozenset(usage.key.scopes)  # never more than it holds
    if not kept or kept >= frozenset(usage.key.scopes):
        return None
    return Narrowing(kept, used - grantable)


def narrow(session: Session, holder: Holder, key_id: int, *, actor_id: int) -> tuple[ApiKey, str]:
    """Make the narrowed key of the holder's key ``key_id`` and its text (to show once),
    audited and told as any new named key (named.create); NothingToNarrow when there is
    nothing to narrow, usage_history.NoSuchKey for no such live key of theirs, a decoy's
    included."""
    usage = of_key(session, holder.id, key_id, decoy=False)
    narrowing = proposed(usage)
    if narrowing is None:
        raise NothingToNarrow()
    key = usage.key
    return named.create(
        session,
        holder,
        _free_name(session, holder.id, key.name or _("Primary key")),
        _expiry(session, key.expires_at),
        actor_id=actor_id,
        requested_scopes=sorted(narrowing.scopes),
        allowed_networks=key.allowed_networks,
        rate_limit_per_minute=key.rate_limit_per_minute,
    )


def _free_name(session: Session, holder_id: int, base: str) -> str:
    """ "<base>, narrowed", numbered when the holder has a live key of that name already;
    cut to fit a key's name."""
    taken = set(
        session.scalars(
            select(ApiKey.name).where(
                ApiKey.user_id == holder_id,
                ApiKey.revoked_at.is_(None),
                ApiKey.name.is_not(None),
            )
        )
    )
    for attempt in range(1, NAME_ATTEMPTS + 1):
        # ", " between: a name of another script than the suffix's (a Latin name with a
        # Chinese suffix) is two words, which a name may be, not one word of two scripts.
        suffix = ", " + (_("narrowed") if attempt == 1 else _("narrowed %(n)d", n=attempt))
        name = base[: named.NAME_MAX - len(suffix)].rstrip() + suffix
        if name not in taken:
            return name
    raise named.InvalidNamedKey("name", _("Revoke some of the narrowed keys first."))


def _expiry(session: Session, old: datetime | None) -> datetime | None:
    """The old key's expiry, or, when it has none and the organization caps how long keys
    live, the longest the cap allows."""
    if old is not None:
        return old
    cap = named.max_lifetime_days(session)
    return named.expiry_in_days(cap) if cap is not None else None
