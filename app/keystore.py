"""The KeyStore: how keys are kept at rest, and the authentication lookup, in one object.

A key is stored as two things: an HMAC-SHA256 digest under a server-side pepper, which is
what authentication looks up (indexed, so cost does not grow with the number of keys), and
a MultiFernet ciphertext, which is what a reveal decrypts. A stolen database alone yields
neither a usable key nor a way to test guesses offline.

One KeyStore is built at start-up from the configuration (which it checks) and shared by
the pages and the API. Its ``lookup`` is the hot path of every API request: one indexed
SELECT of just the columns a request needs, prepared once, run on a per-thread driver
connection (no pool, no ORM objects, no statement compilation).
"""

import hashlib
import hmac
from datetime import datetime
from typing import Any, NamedTuple

from cryptography.fernet import Fernet, MultiFernet
from flask import Flask, current_app

from app.db import HotReader

# A bot's owner is joined too: a bot of a deactivated owner must not authenticate, even if
# some write ever left the bot itself active.
_LOOKUP_SQL = (
    "SELECT k.id, k.last_used_at, k.expires_at, k.superseded_at, k.hint, k.name,"
    " u.id, u.email, u.full_name, u.is_bot, u.is_active, u.bot_owner_id, u.created_at,"
    " o.is_active"
    " FROM api_keys k JOIN users u ON u.id = k.user_id"
    " LEFT JOIN users o ON o.id = u.bot_owner_id"
    " WHERE k.digest = {0} AND k.revoked_at IS NULL"
)


class KeyRow(NamedTuple):
    """What the lookup reads of an unrevoked key and its user (timestamps as the driver
    gives them: SQLite returns text). Expiry is the caller's check: an expired key gets its
    own answer, so the row must come back."""

    key_id: int
    last_used_at: datetime | str | None
    expires_at: datetime | str | None
    superseded_at: datetime | str | None  # a primary key rolled with an overlap
    hint: str
    name: str | None  # a named key's; None for a primary key
    user_id: int
    email: str
    full_name: str
    is_bot: bool
    is_active: bool
    bot_owner_id: int | None
    created_at: datetime | str
    owner_is_active: bool | None  # None for a human


class KeyStore:
    def __init__(self, pepper: str, encryption_keys: list[str], reader: HotReader) -> None:
        if not encryption_keys:
            raise RuntimeError("KEY_ENCRYPTION_KEYS is empty")
        try:
            self._fernet = MultiFernet([Fernet(key) for key in encryption_keys])
        except ValueError:
            raise RuntimeError(
                "KEY_ENCRYPTION_KEYS holds a value that is not a Fernet key"
            ) from None
        self._pepper = pepper.encode("utf-8")
        self._reader = reader
        self._sql = _LOOKUP_SQL.format("?" if reader.paramstyle == "qmark" else "%s")

    def digest(self, key: str) -> str:
        """The peppered HMAC-SHA256 of a key, in hex: what lookups use."""
        return hmac.new(self._pepper, key.encode("ascii"), hashlib.sha256).hexdigest()

    def stored_form(self, key: str) -> dict[str, str]:
        """What the database keeps of a key: digest, ciphertext and last four characters."""
        ciphertext = self._fernet.encrypt(key.encode("ascii")).decode("ascii")
        return {"digest": self.digest(key), "ciphertext": ciphertext, "hint": key[-4:]}

    def decrypt(self, ciphertext: str) -> str:
        return self._fernet.decrypt(ciphertext.encode("ascii")).decode("ascii")

    def lookup(self, key_digest: str) -> KeyRow | None:
        """The unrevoked key with this digest and its user, or None."""
        row: tuple[Any, ...] | None = self._reader.fetch_one(self._sql, (key_digest,))
        return None if row is None else KeyRow(*row)


def keystore() -> KeyStore:
    store: KeyStore = current_app.extensions["keyfob.keystore"]
    return store


def init_app(app: Flask) -> None:
    """Build the app's KeyStore, checking the key secrets once at start-up."""
    reader = HotReader(app.extensions["keyfob.engine"])
    config = app.config
    app.extensions["keyfob.keystore"] = KeyStore(
        config["KEY_PEPPER"], config["KEY_ENCRYPTION_KEYS"], reader
    )
