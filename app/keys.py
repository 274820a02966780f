"""The life of a primary API key: minted, verified, revealed, regenerated (at once, or
rolled with an overlap in which the old key keeps working).

A key is shown to its owner and kept nowhere in plaintext: app/keystore.py says how it is
kept, and does the lookup every API request makes. Named keys live in app/named_keys.py.
"""

import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import case, select, update
from sqlalchemy.orm import Session

from app import audit, clock, db, key_use, notices
from app.keystore import keystore
from app.models import ApiKey, Holder, User
from keyfob_client import keyformat

KeyKind = Literal["primary", "named", "rolled"]


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
    role: int = 400  # app/roles.py: a bot's is its own (member), never its owner's
    bot_type: int | None = None  # app/bot_types.py; None for a person

    @property
    def id(self) -> int:  # a Holder, like the User row it stands for
        return self.user_id


class KeyRejected(Exception):
    """A presented key does not authenticate."""


class InvalidKey(KeyRejected):
    """Malformed, unknown, revoked, or not the key of the email presented with it."""


class AccountDeactivated(KeyRejected):
    """The key is right, but its user or bot is deactivated."""


class KeyExpired(KeyRejected):
    """The key is right, but it expired at ``expired_at``."""

    def __init__(self, expired_at: datetime) -> None:
        super().__init__("expired")
        self.expired_at = expired_at


def mint(session: Session, user: Holder, *, grace: timedelta = timedelta(0)) -> str:
    """Give ``user`` a new primary key; the caller commits. The current primary key dies
    now (and so do replaced keys still in an earlier overlap), or, with a ``grace``, is
    superseded and keeps working until then (or its own earlier expiry).

    The user's row (after a bot's owner's, the order every writer keeps) is locked first,
    so concurrent regenerations queue up behind each other and the last one wins cleanly;
    the partial unique index backs this up.
    """
    db.lock_for_write(session, User, [user.id] + ([user.bot_owner_id] if user.bot_owner_id else []))
    now = clock.now()
    current = (ApiKey.user_id == user.id) & ApiKey.revoked_at.is_(None)
    primary = current & ApiKey.name.is_(None) & ApiKey.superseded_at.is_(None)
    if grace > timedelta(0):
        ends = now + grace
        session.execute(
            update(ApiKey)
            .where(primary)
            .values(
                superseded_at=now,
                expires_at=case(
                    (
                        ApiKey.expires_at.is_not(None) & (ApiKey.expires_at < ends),
                        ApiKey.expires_at,
                    ),
                    else_=ends,
                ),
            )
        )
    else:  # "stops working now" means every old primary key, earlier overlaps included
        session.execute(
            update(ApiKey).where(current & ApiKey.name.is_(None)).values(revoked_at=now)
        )
    key = keyformat.generate(keyformat.BOT_PREFIX if user.is_bot else keyformat.USER_PREFIX)
    session.add(ApiKey(user_id=user.id, created_at=now, **keystore().stored_form(key)))
    session.flush()
    return key


@db.unit_of_work
def regenerate(
    session: Session, user: Holder, *, actor_id: int, grace: timedelta = timedelta(0)
) -> str:
    """A new primary key for ``user``, the old one dead now or after ``grace``, the change
    audited, notified and committed."""
    key = replace(session, user, actor_id=actor_id, grace=grace)
    session.commit()
    return key


def replace(session: Session, user: Holder, *, actor_id: int, grace: timedelta) -> str:
    """Mint, audit and notify a regeneration; the caller commits (app/rotations.py, which
    records the request beside it, and regenerate)."""
    key = mint(session, user, grace=grace)
    detail = {"grace_seconds": int(grace.total_seconds())} if grace else None
    audit.record(
        session, "api_key_regenerated", actor_id=actor_id, subject_user_id=user.id, detail=detail
    )
    subject = session.get_one(User, user.id)  # no query when the row is already loaded
    record = active_key(session, user.id)
    assert record is not None  # just minted
    notices.key_regenerated(session, subject, actor_id=actor_id, record=record, grace=grace)
    return key


def reveal_to(session: Session, subject_id: int, *, actor_id: int, event_type: str) -> str | None:
    """Decrypt the subject's key for ``actor_id``, recording who saw it and how (the event:
    api_key_revealed or api_key_fetched; an rc file records its own in app/zuliprc.py) and
    telling its owner if it left for a new address; None if the subject has no key."""
    record = active_key(session, subject_id)
    if record is None:
        return None
    key = keystore().decrypt(record.ciphertext)
    audit.record(session, event_type, actor_id=actor_id, subject_user_id=subject_id)
    how = "fetched" if event_type == "api_key_fetched" else "shown"
    subject = session.get_one(User, subject_id)
    notices.key_revealed(session, subject, record=record, how=how)
    session.commit()
    return key


def active_key(session: Session, user_id: int) -> ApiKey | None:
    """The user's current primary key record (never the key itself)."""
    return session.scalars(
        select(ApiKey).where(
            ApiKey.user_id == user_id,
            ApiKey.revoked_at.is_(None),
            ApiKey.name.is_(None),
            ApiKey.superseded_at.is_(None),
        )
    ).first()


def reveal(session: Session, user_id: int) -> str | None:
    """Decrypt the user's current primary key; None if the user has none."""
    record = active_key(session, user_id)
    if record is None:
        return None
    return keystore().decrypt(record.ciphertext)


def verify(email: str | None, key: str) -> Principal:
    """The active user or bot that ``key`` (with ``email``, when the client sent one) names;
    else InvalidKey, AccountDeactivated or KeyExpired.

    Format and checksum first (no query for garbage), then one indexed lookup by digest
    (under either pepper while the pepper is rotated), or the row this process verified
    while the authentication epoch stands still (app/verified_keys.py), then a
    constant-time email comparison. A revoked or deactivated key fails on the very next
    request, in every worker.
    """
    if not keyformat.is_well_formed(key):
        raise InvalidKey()
    store = keystore()
    digests = store.digests(key)
    row = store.lookup(digests)
    if row is None:
        raise InvalidKey()
    if email is not None:
        presented = email.strip().lower().encode("utf-8", "surrogatepass")
        if not hmac.compare_digest(row.email.encode("utf-8"), presented):
            raise InvalidKey()
    if not row.is_active or (row.owner_is_active is not None and not row.owner_is_active):
        raise AccountDeactivated()
    now = clock.now()
    if row.expires_at is not None and row.expires_at <= now:
        raise KeyExpired(row.expires_at)
    if key_use.record(row, now):
        store.note_use(digests, now)
    return Principal(
        key_id=row.key_id,
        user_id=row.user_id,
        email=row.email,
        full_name=row.full_name,
        is_bot=bool(row.is_bot),
        bot_owner_id=row.bot_owner_id,
        date_joined=row.created_at,
        key_kind="named" if row.name else "rolled" if row.superseded_at else "primary",
        role=row.role,
        bot_type=row.bot_type,
    )
