"""Where a key is verified: the one check every API request makes (format and checksum, one
lookup by digest, the email, the account, the expiry), and the Principal it yields.

How keys are kept and looked up is app/keys/store.py; a key's use is noted by app/keys/usage.py.
"""

import hmac
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from app.core import clock
from app.keys import networks, usage
from app.keys.networks import Network
from app.keys.store import KeyRow, keystore
from app.people import roles
from app.people.accounts import AccountDeactivated
from keyfob_client import keyformat

KeyKind = Literal["primary", "named", "rolled", "token"]


@dataclass(frozen=True, slots=True)
class Principal:
    """Who a valid key belongs to: what an API request needs, without loading the ORM user."""

    key_id: int
    user_id: int
    email: str
    full_name: str
    is_bot: bool
    bot_owner_id: int | None
    date_joined: datetime
    # Which of the holder's keys this is: only the primary key manages keys and bots.
    key_kind: KeyKind = "primary"
    role: int = roles.MEMBER  # a bot's is its own (member), never its owner's
    bot_type: int | None = None  # app/bots/types.py; None for a person
    # What the key may do (app/keys/scopes.py); None: every scope its kind of key may have.
    scopes: frozenset[str] | None = None
    key_name: str | None = None
    key_expires_at: datetime | None = None
    allowed_networks: tuple[Network, ...] | None = None
    rate_limit: int | None = None  # requests a minute (app/keys/budgets.py); None: no budget
    token_id: int | None = None  # a token's own id (key_id is then its key's)

    @property
    def id(self) -> int:  # a Holder, like the User row it stands for
        return self.user_id


class KeyRejected(Exception):
    """A presented key does not authenticate. ``row`` is the key's when it was found (a
    wrong email, an expired, paused or decoy key, the wrong network): its refusal is
    counted for that key (app/keys/call_counts.py)."""

    def __init__(self, row: KeyRow | None = None) -> None:
        super().__init__(type(self).__name__)
        self.row = row


class InvalidKey(KeyRejected):
    """Malformed, unknown, revoked, or not the key of the email presented with it."""


class DecoyUsed(InvalidKey):
    """A decoy was presented (app/keys/decoys.py): refused as an unknown key is, which a
    caller that only knows InvalidKey does too; ``row`` is the decoy's, to tell of its use."""

    row: KeyRow

    def __init__(self, row: KeyRow) -> None:
        super().__init__(row)


class KeyExpired(KeyRejected):
    """The key is right, but it expired at ``expired_at``."""

    def __init__(self, row: KeyRow, expired_at: datetime) -> None:
        super().__init__(row)
        self.expired_at = expired_at


class KeyPaused(KeyRejected):
    """The key is right, but its owner paused it (app/keys/restrictions.py)."""


class NetworkRefused(KeyRejected):
    """The key is right, but not from this address (app/keys/networks.py): ``row`` is the
    key's, for the record of the refusal."""

    row: KeyRow

    def __init__(self, row: KeyRow) -> None:
        super().__init__(row)


def verify(email: str | None, key: str, address: str | None = None) -> Principal:
    """The active user or bot that ``key`` (with ``email``, when the client sent one) names,
    used from ``address``; else InvalidKey (DecoyUsed for a decoy, whoever's, whatever the
    email), AccountDeactivated, KeyExpired, KeyPaused or NetworkRefused.

    Format and checksum first (no query for garbage), then one indexed lookup by digest
    (under either pepper while the pepper is rotated), or the row this process verified
    while the authentication epoch stands still (app/keys/verified.py), then a
    constant-time email comparison. A revoked or deactivated key fails on the very next
    request, in every worker.
    """
    if not keyformat.is_well_formed(key):
        raise InvalidKey()
    store = keystore()
    digests = store.digests(key)
    row = store.lookup(digests, token=keyformat.is_token(key))
    if row is None:
        raise InvalidKey()
    if row.decoy:  # before anything else about it: any use of a decoy is told
        raise DecoyUsed(row)
    if email is not None:
        presented = email.strip().lower().encode("utf-8", "surrogatepass")
        if not hmac.compare_digest(row.email.encode("utf-8"), presented):
            raise InvalidKey(row)
    if not row.is_active or (row.owner_is_active is not None and not row.owner_is_active):
        raise AccountDeactivated()
    now = clock.now()
    if row.expires_at is not None and row.expires_at <= now:
        raise KeyExpired(row, row.expires_at)
    if row.paused_at is not None:
        raise KeyPaused(row)
    if not networks.allows(row.networks, address):
        raise NetworkRefused(row)
    if usage.record(row, now, address, digests[0]):
        store.note_use(digests, now, address)
    return Principal(
        key_id=row.key_id,
        user_id=row.user_id,
        email=row.email,
        full_name=row.full_name,
        is_bot=bool(row.is_bot),
        bot_owner_id=row.bot_owner_id,
        date_joined=row.created_at,
        key_kind=_kind(row),
        role=row.role,
        bot_type=row.bot_type,
        scopes=row.scopes,
        key_name=row.name,
        key_expires_at=row.expires_at,
        allowed_networks=row.networks,
        rate_limit=row.rate_limit,
        token_id=row.token_id,
    )


def _kind(row: KeyRow) -> KeyKind:
    if row.token_id is not None:
        return "token"
    return "named" if row.name else "rolled" if row.superseded_at else "primary"
