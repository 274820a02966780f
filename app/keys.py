"""The life of an API key: minted, stored, verified, revealed, regenerated.

A key is shown to its owner and kept nowhere in plaintext. At rest it is two things:
an HMAC-SHA256 digest under a server-side pepper, which is what authentication looks
up (indexed, so cost does not grow with the number of keys), and a MultiFernet
ciphertext, which is what a reveal decrypts. A stolen database alone yields neither
a usable key nor a way to test guesses offline.
"""

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from cryptography.fernet import Fernet, MultiFernet
from flask import Flask, current_app
from sqlalchemy import select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from app import audit, clock, db, keyformat
from app.models import ApiKey, User, as_utc

LAST_USED_RESOLUTION = timedelta(minutes=1)

# The authentication hot path: one indexed SELECT of just the columns a request needs,
# run on a per-thread driver connection (no pool, no ORM objects, no statement compilation).
_AUTH_SQL = (
    "SELECT k.id, k.last_used_at, u.id, u.email, u.full_name, u.is_bot, u.is_active,"
    " u.bot_owner_id, u.created_at"
    " FROM api_keys k JOIN users u ON u.id = k.user_id"
    " WHERE k.digest = {0} AND k.revoked_at IS NULL"
)


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


class KeyRejected(Exception):
    """A presented key does not authenticate; ``reason`` is "invalid" or "deactivated"."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def init_app(app: Flask) -> None:
    """Check the key secrets once at start-up and keep them ready for the hot path."""
    encryption_keys = app.config["KEY_ENCRYPTION_KEYS"]
    if not encryption_keys:
        raise RuntimeError("KEY_ENCRYPTION_KEYS is empty")
    try:
        fernet = MultiFernet([Fernet(k) for k in encryption_keys])
    except ValueError:
        raise RuntimeError("KEY_ENCRYPTION_KEYS holds a value that is not a Fernet key") from None
    app.extensions["keyfob.keys"] = (app.config["KEY_PEPPER"].encode("utf-8"), fernet)
    paramstyle = app.extensions["keyfob.reader"].paramstyle
    app.extensions["keyfob.auth_sql"] = _AUTH_SQL.format("?" if paramstyle == "qmark" else "%s")


def _secrets() -> tuple[bytes, MultiFernet]:
    result: tuple[bytes, MultiFernet] = current_app.extensions["keyfob.keys"]
    return result


def digest(key: str) -> str:
    """The peppered HMAC-SHA256 of a key, in hex: what lookups use."""
    return hmac.new(_secrets()[0], key.encode("ascii"), hashlib.sha256).hexdigest()


def mint(session: Session, user: User) -> str:
    """Give ``user`` a new key, revoking any active one; the caller commits.

    The user's row (after a bot's owner's, the order every writer keeps) is locked first,
    so concurrent regenerations queue up behind each other and the last one wins cleanly;
    the partial unique index backs this up.
    """
    db.lock_for_write(session, User, [user.id] + ([user.bot_owner_id] if user.bot_owner_id else []))
    now = clock.now()
    session.execute(
        update(ApiKey)
        .where(ApiKey.user_id == user.id, ApiKey.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    key = keyformat.generate(keyformat.BOT_PREFIX if user.is_bot else keyformat.USER_PREFIX)
    session.add(ApiKey(user_id=user.id, created_at=now, **stored_form(key)))
    session.flush()
    return key


@db.unit_of_work
def regenerate(session: Session, user: User, *, actor_id: int) -> str:
    """A new key for ``user``, the old one dead, the change audited and committed."""
    key = mint(session, user)
    audit.record(session, "api_key_regenerated", actor_id=actor_id, subject_user_id=user.id)
    session.commit()
    return key


def reveal_to(session: Session, subject_id: int, *, actor_id: int, event_type: str) -> str | None:
    """Decrypt the subject's key for ``actor_id``, recording who saw it and how (the event:
    api_key_revealed, rc_downloaded, api_key_fetched); None if the subject has no key."""
    key = reveal(session, subject_id)
    if key is not None:
        audit.record(session, event_type, actor_id=actor_id, subject_user_id=subject_id)
        session.commit()
    return key


def stored_form(key: str) -> dict[str, str]:
    """What the database keeps of a key: digest, ciphertext and last four characters."""
    ciphertext = _secrets()[1].encrypt(key.encode("ascii")).decode("ascii")
    return {"digest": digest(key), "ciphertext": ciphertext, "hint": key[-4:]}


def active_key(session: Session, user_id: int) -> ApiKey | None:
    """The user's current key record (never the key itself)."""
    return session.scalars(
        select(ApiKey).where(ApiKey.user_id == user_id, ApiKey.revoked_at.is_(None))
    ).first()


def reveal(session: Session, user_id: int) -> str | None:
    """Decrypt the user's current key; None if the user has none."""
    record = active_key(session, user_id)
    if record is None:
        return None
    return _secrets()[1].decrypt(record.ciphertext.encode("ascii")).decode("ascii")


def verify(email: str, key: str) -> Principal:
    """The active user or bot that ``email`` and ``key`` name together, or KeyRejected.

    Format and checksum first (no query for garbage), then one indexed lookup by digest,
    then a constant-time email comparison. No cache: a revoked or deactivated key fails
    on the very next request, in every worker.
    """
    if not keyformat.is_well_formed(key):
        raise KeyRejected("invalid")
    row = _lookup(digest(key))
    if row is None:
        raise KeyRejected("invalid")
    key_id, last_used_at, user_id, owner_email, full_name, is_bot, is_active, owner, joined = row
    presented = email.strip().lower().encode("utf-8")
    if not hmac.compare_digest(str(owner_email).encode("utf-8"), presented):
        raise KeyRejected("invalid")
    if not is_active:
        raise KeyRejected("deactivated")
    _touch(key_id, last_used_at)
    return Principal(
        key_id=key_id,
        user_id=user_id,
        email=owner_email,
        full_name=full_name,
        is_bot=bool(is_bot),
        bot_owner_id=owner,
        date_joined=as_utc(joined),
    )


def _lookup(key_digest: str) -> tuple[Any, ...] | None:
    return db.reader().fetch_one(current_app.extensions["keyfob.auth_sql"], (key_digest,))


def _touch(key_id: int, last_used_at: datetime | str | None) -> None:
    """Record use, at most once a minute per key, so reads do not turn into writes."""
    now = clock.now()
    if last_used_at is not None and now - as_utc(last_used_at) < LAST_USED_RESOLUTION:
        return
    stale = now - LAST_USED_RESOLUTION
    # Its own short transaction: it must not commit the request's work, nor fail the request.
    try:
        with db.engine().begin() as connection:
            connection.execute(
                update(ApiKey)
                .where(ApiKey.id == key_id)
                .where(ApiKey.last_used_at.is_(None) | (ApiKey.last_used_at < stale))
                .values(last_used_at=now)
            )
    except SQLAlchemyError as error:
        current_app.logger.warning("Could not record key use: %s", type(error).__name__)
