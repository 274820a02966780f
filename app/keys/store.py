"""The KeyStore: how keys are kept at rest, and the authentication lookup, in one object.

A key is stored as two things: an HMAC-SHA256 digest under a server-side pepper, which is
what authentication looks up (indexed, so cost does not grow with the number of keys), and
a MultiFernet ciphertext, which is what a reveal decrypts. A stolen database alone yields
neither a usable key nor a way to test guesses offline.

One KeyStore is built at start-up from the configuration (which it checks) and shared by
the pages and the API. Its ``lookup`` is the hot path of every API request: one indexed
SELECT of just the columns a request needs, prepared once, run on a per-thread driver
connection (no pool, no ORM objects, no statement compilation).

While the pepper is being rotated (app/keys/secret_rotation.py), a previous pepper is configured
too and a key is looked up under both in that same one query (``digest IN (?, ?)``), so a
key matches whether or not its row has been rewritten yet. Without one the SQL is the plain
``digest = ?``: the choice is made once, here, at start-up.
"""

import hashlib
import hmac
from datetime import datetime
from typing import Any, NamedTuple, cast

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import Flask, current_app

from app.core import metrics
from app.core.db import HotReader
from app.core.models import as_utc
from app.keys import networks, scopes
from app.keys.networks import Network
from app.keys.verified import VerifiedKeys

# A bot's owner is joined too: a bot of a deactivated owner must not authenticate, even if
# some write ever left the bot itself active.
# The authentication epoch (app/keys/verified.py), read with the row in the same statement so
# the two agree; alone, it is what a call asks when its key is already verified.
_EPOCH_SQL = "SELECT value FROM auth_epoch WHERE id = 1"
_LOOKUP_SQL = (
    "SELECT k.id, k.last_used_at, k.last_used_ip, k.expires_at, k.superseded_at, k.hint,"
    " k.name, k.scopes, k.allowed_networks, k.paused_at, k.decoy, k.rate_limit_per_minute,"
    " u.id, u.email, u.full_name, u.is_bot, u.is_active, u.bot_owner_id, u.created_at,"
    " o.is_active, u.role, u.bot_type, (SELECT value FROM auth_epoch WHERE id = 1)"
    " FROM api_keys k JOIN users u ON u.id = k.user_id"
    " LEFT JOIN users o ON o.id = u.bot_owner_id"
    " WHERE k.digest {0} AND k.revoked_at IS NULL"
)
# A token (app/keys/tokens.py) as a row of the key that minted it, read in the same statement:
# its own id, last use, expiry, hint and scopes, its key's everything else, and then the
# key's expiry and scopes, which bound the token's. A token of a revoked key, or of a key
# rolled since, matches nothing.
_TOKEN_LOOKUP_SQL = (  # SQL, not a secret: S105 is told below
    "SELECT k.id, t.last_used_at, t.last_used_ip, t.expires_at, k.superseded_at, t.hint,"  # noqa: S105
    " k.name, t.scopes, k.allowed_networks, k.paused_at, k.decoy, k.rate_limit_per_minute,"
    " u.id, u.email, u.full_name, u.is_bot, u.is_active, u.bot_owner_id, u.created_at,"
    " o.is_active, u.role, u.bot_type, (SELECT value FROM auth_epoch WHERE id = 1),"
    " t.id, k.expires_at, k.scopes"
    " FROM api_tokens t JOIN api_keys k ON k.id = t.key_id JOIN users u ON u.id = k.user_id"
    " LEFT JOIN users o ON o.id = u.bot_owner_id"
    " WHERE t.digest {0} AND t.revoked_at IS NULL AND k.revoked_at IS NULL"
    " AND k.superseded_at IS NULL"
)


class KeyRow(NamedTuple):
    """What the lookup reads of an unrevoked key and its user (timestamps as aware UTC
    datetimes, whatever the driver gave). Expiry is the caller's check: an expired key gets
    its own answer, so the row must come back."""

    key_id: int
    last_used_at: datetime | None
    last_used_ip: str | None  # where its last noted use came from
    expires_at: datetime | None
    superseded_at: datetime | None  # a primary key rolled with an overlap
    hint: str
    name: str | None  # a named key's; None for a primary key
    scopes: frozenset[str] | None  # None: every scope its kind of key may have
    networks: tuple[Network, ...] | None  # where it may be used from; None: anywhere
    paused_at: datetime | None
    decoy: bool  # never works; its use is told (app/keys/decoys.py)
    rate_limit: int | None  # requests a minute it may make (app/keys/budgets.py); None: any
    user_id: int
    email: str
    full_name: str
    is_bot: bool
    is_active: bool
    bot_owner_id: int | None
    created_at: datetime
    owner_is_active: bool | None  # None for a human
    role: int  # app/people/roles.py
    bot_type: int | None  # app/bots/types.py; None for a human
    epoch: int | None  # the authentication epoch when the row was read
    # A token's own id (app/keys/tokens.py); None for a key. A token's row is otherwise its
    # key's (key_id is the key's: budget and networks are the key's), with the token's own
    # last use, hint, expiry (never after the key's) and scopes (never beyond the key's).
    token_id: int | None = None

    @classmethod
    def from_token_driver(cls, raw: tuple[Any, ...]) -> "KeyRow":
        """A token's row as the driver returned it (_TOKEN_LOOKUP_SQL)."""
        *columns, token_id, key_expires_at, key_scopes = raw
        row = cls.from_driver(tuple(columns))
        expires = _utc(key_expires_at)
        if expires is not None and (row.expires_at is None or expires < row.expires_at):
            row = row._replace(expires_at=expires)
        narrowed = scopes.read(cast(str | None, key_scopes))
        held = row.scopes if narrowed is None or row.scopes is None else row.scopes & narrowed
        return row._replace(token_id=token_id, scopes=held)

    @classmethod
    def from_driver(cls, raw: tuple[Any, ...]) -> "KeyRow":
        """The row as the driver returned it (SQLite gives timestamps as text)."""
        row = cls(*raw)
        return row._replace(
            last_used_at=_utc(row.last_used_at),
            expires_at=_utc(row.expires_at),
            superseded_at=_utc(row.superseded_at),
            scopes=scopes.read(cast(str | None, row.scopes)),  # the driver gives the text
            networks=networks.read(cast(str | None, row.networks)),
            paused_at=_utc(row.paused_at),
            decoy=bool(row.decoy),  # SQLite gives 0 or 1
            created_at=as_utc(row.created_at),
        )


def _utc(value: datetime | str | None) -> datetime | None:
    return None if value is None else as_utc(value)


class KeyStore:
    """Keys at rest (a peppered digest and an encrypted copy) and the hot path's lookup.

    EPOCH_SQL and LOOKUP_SQL are everything it asks the database; ``reader`` is the
    connection it asks through (one prepared statement a call)."""

    EPOCH_SQL = _EPOCH_SQL
    LOOKUP_SQL = _LOOKUP_SQL
    TOKEN_LOOKUP_SQL = _TOKEN_LOOKUP_SQL

    def __init__(
        self,
        pepper: str,
        encryption_keys: list[str],
        reader: HotReader,
        previous_pepper: str = "",
        verified: VerifiedKeys[KeyRow] | None = None,
    ) -> None:
        if not encryption_keys:
            raise RuntimeError("KEY_ENCRYPTION_KEYS is empty")
        try:
            self._fernets = [Fernet(key) for key in encryption_keys]
        except ValueError:
            raise RuntimeError(
                "KEY_ENCRYPTION_KEYS holds a value that is not a Fernet key"
            ) from None
        self._fernet = MultiFernet(self._fernets)
        if previous_pepper and previous_pepper == pepper:
            # Almost certainly a half-edited configuration: say so rather than run a
            # rotation that changes nothing.
            raise RuntimeError("KEY_PEPPER_PREVIOUS is the same as KEY_PEPPER")
        self._pepper = pepper.encode("utf-8")
        self._previous = previous_pepper.encode("utf-8") if previous_pepper else None
        self.reader = reader
        self._verified = verified
        mark = "?" if reader.paramstyle == "qmark" else "%s"
        match = f"IN ({mark}, {mark})" if self._previous is not None else f"= {mark}"
        self._lookup_sql = self.LOOKUP_SQL.format(match)
        self._token_lookup_sql = self.TOKEN_LOOKUP_SQL.format(match)
        # Chosen once, like the SQL: with one pepper, one digest and an equality.
        self.digests = self._both_digests if self._previous is not None else self._one_digest

    @property
    def rotating_pepper(self) -> bool:
        """Whether a previous pepper is configured (keys verify under it too)."""
        return self._previous is not None

    def digest(self, key: str) -> str:
        """The peppered HMAC-SHA256 of a key, in hex: what is stored and looked up."""
        return _hmac_hex(self._pepper, key)

    def previous_digest(self, key: str) -> str | None:
        """The key's digest under the previous pepper, if one is configured."""
        return None if self._previous is None else _hmac_hex(self._previous, key)

    def _one_digest(self, key: str) -> tuple[str, ...]:
        """What ``lookup`` takes (as ``digests``): the key's digest."""
        return (_hmac_hex(self._pepper, key),)

    def _both_digests(self, key: str) -> tuple[str, ...]:
        """What ``lookup`` takes (as ``digests``) while the pepper is rotated."""
        assert self._previous is not None
        return (_hmac_hex(self._pepper, key), _hmac_hex(self._previous, key))

    def request_digests(self, label: bytes, value: str) -> tuple[str, ...]:
        """Digests of another secret value under the current (first) and previous pepper,
        with a label of its own so it can never equal a key's digest."""
        message = label + b"\0" + value.encode("utf-8")
        peppers = [self._pepper] + ([self._previous] if self._previous is not None else [])
        return tuple(hmac.new(p, message, hashlib.sha256).hexdigest() for p in peppers)

    def stored_form(self, key: str) -> dict[str, str]:
        """What the database keeps of a key: digest, ciphertext and last four characters."""
        ciphertext = self._fernet.encrypt(key.encode("ascii")).decode("ascii")
        return {"digest": self.digest(key), "ciphertext": ciphertext, "hint": key[-4:]}

    def decrypt(self, ciphertext: str) -> str:
        return self._fernet.decrypt(ciphertext.encode("ascii")).decode("ascii")

    def encrypt(self, secret: str) -> str:
        """Another ASCII secret the server must read again (an authenticator app's), under
        the first encryption key, as keys are."""
        return self._fernet.encrypt(secret.encode("ascii")).decode("ascii")

    def reencrypt(self, ciphertext: str) -> str | None:
        """The ciphertext under the first encryption key, or None if it already is.

        Raises cryptography's InvalidToken if no configured key decrypts it."""
        token = ciphertext.encode("ascii")
        try:
            self._fernets[0].decrypt(token)
            return None
        except InvalidToken:
            return self._fernet.rotate(token).decode("ascii")

    def lookup(self, digests: tuple[str, ...], *, token: bool = False) -> KeyRow | None:
        """The unrevoked key with one of these digests (``digests(key)``: the key's, and
        its previous-pepper one while the pepper is rotated) and its user, or None; with
        ``token``, the unrevoked token's row (KeyRow.from_token_driver). Keys and tokens
        are unique, so at most one row matches. A row verified earlier is served while the
        authentication epoch has not moved (app/keys/verified.py). A decoy's row is never
        kept: its every use asks the database, as an unknown key's does, so that the time
        of the answer does not tell the two apart."""
        if self._verified is None:
            return self._read(digests, token)
        kept = self._verified.get(digests[0], self._current_epoch)
        if kept is not None:
            return kept
        row = self._read(digests, token)
        if row is not None and row.epoch is not None and not row.decoy:
            self._verified.put(row.epoch, digests[0], row)
        return row

    def _current_epoch(self) -> int | None:
        current = self.reader.fetch_one(self.EPOCH_SQL, ())
        return None if current is None else int(current[0])

    def note_use(self, digests: tuple[str, ...], used_at: datetime, address: str | None) -> None:
        """The key's use was just noted (app/keys/usage.py): a kept row says so too, or every
        call would try the once-a-minute write again."""
        if self._verified is not None:
            self._verified.update(
                digests[0], lambda row: row._replace(last_used_at=used_at, last_used_ip=address)
            )

    def _read(self, digests: tuple[str, ...], token: bool = False) -> KeyRow | None:
        if token:
            raw = self.reader.fetch_one(self._token_lookup_sql, digests)
            return None if raw is None else KeyRow.from_token_driver(raw)
        row: tuple[Any, ...] | None = self.reader.fetch_one(self._lookup_sql, digests)
        return None if row is None else KeyRow.from_driver(row)


def _hmac_hex(pepper: bytes, key: str) -> str:
    return hmac.new(pepper, key.encode("ascii"), hashlib.sha256).hexdigest()


def keystore() -> KeyStore:
    store: KeyStore = current_app.extensions["keyfob.keystore"]
    return store


def init_app(app: Flask, kind: type[KeyStore] = KeyStore) -> None:
    """Build the app's KeyStore (``kind``: the class, KeyStore or one that asks the database
    otherwise), checking the key secrets once at start-up."""
    reader = HotReader(app.extensions["keyfob.engine"])
    config = app.config
    capacity = int(config["VERIFIED_KEY_CACHE_SIZE"])
    app.extensions["keyfob.keystore"] = kind(
        config["KEY_PEPPER"],
        config["KEY_ENCRYPTION_KEYS"],
        reader,
        previous_pepper=config["KEY_PEPPER_PREVIOUS"],
        verified=VerifiedKeys(capacity, metrics.verified_key_lookup) if capacity > 0 else None,
    )
