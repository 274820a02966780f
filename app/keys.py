"""The life of an API key: minted, verified, revealed, regenerated.

A key is shown to its owner and kept nowhere in plaintext: app/keystore.py says how it is
kept, and does the lookup every API request makes.
"""

import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from app import audit, clock, db
from app.keystore import keystore
from app.models import ApiKey, Holder, User, as_utc
from keyfob_client import keyformat

LAST_USED_RESOLUTION = timedelta(minutes=1)


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

    @property
    def id(self) -> int:  # a Holder, like the User row it stands for
        return self.user_id


class KeyRejected(Exception):
    """A presented key does not authenticate."""


class InvalidKey(KeyRejected):
    """Malformed, unknown, revoked, or not the key of the email presented with it."""


class AccountDeactivated(KeyRejected):
    """The key is right, but its user or bot is deactivated."""


def mint(session: Session, user: Holder) -> str:
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
    session.add(ApiKey(user_id=user.id, created_at=now, **keystore().stored_form(key)))
    session.flush()
    return key


@db.unit_of_work
def regenerate(session: Session, user: Holder, *, actor_id: int) -> str:
    """A new key for ``user``, the old one dead, the change audited and committed."""
    key = mint(session, user)
    audit.record(session, "api_key_regenerated", actor_id=actor_id, subject_user_id=user.id)
    session.commit()
    return key


def reveal_to(session: Session, subject_id: int, *, actor_id: int, event_type: str) -> str | None:
    """Decrypt the subject's key for ``actor_id``, recording who saw it and how (the event:
    api_key_revealed or api_key_fetched; an rc file records its own in app/zuliprc.py);
    None if the subject has no key."""
    key = reveal(session, subject_id)
    if key is not None:
        audit.record(session, event_type, actor_id=actor_id, subject_user_id=subject_id)
        session.commit()
    return key


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
    return keystore().decrypt(record.ciphertext)


def verify(email: str, key: str) -> Principal:
    """The active user or bot that ``email`` and ``key`` name together; else InvalidKey or
    AccountDeactivated.

    Format and checksum first (no query for garbage), then one indexed lookup by digest,
    then a constant-time email comparison. No cache: a revoked or deactivated key fails
    on the very next request, in every worker.
    """
    if not keyformat.is_well_formed(key):
        raise InvalidKey()
    store = keystore()
    row = store.lookup(store.digest(key))
    if row is None:
        raise InvalidKey()
    presented = email.strip().lower().encode("utf-8", "surrogatepass")
    if not hmac.compare_digest(row.email.encode("utf-8"), presented):
        raise InvalidKey()
    if not row.is_active or (row.owner_is_active is not None and not row.owner_is_active):
        raise AccountDeactivated()
    _touch(row.key_id, row.last_used_at)
    return Principal(
        key_id=row.key_id,
        user_id=row.user_id,
        email=row.email,
        full_name=row.full_name,
        is_bot=bool(row.is_bot),
        bot_owner_id=row.bot_owner_id,
        date_joined=as_utc(row.created_at),
    )


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
