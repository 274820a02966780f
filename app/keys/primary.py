"""The life of a primary API key: minted, verified, revealed, regenerated (at once, or
rolled with an overlap in which the old key keeps working).

A key is shown to its owner and kept nowhere in plaintext: app/keys/store.py says how it is
kept, and does the lookup every API request makes. Named keys live in app/keys/named.py.
"""

from datetime import timedelta

from sqlalchemy import case, select, update
from sqlalchemy.orm import Session

from app.core import audit, clock, db
from app.core.models import ApiKey, Holder, User
from app.keys.store import keystore
from app.notifications import notices
from keyfob_client import keyformat


def mint(session: Session, user: Holder, *, grace: timedelta = timedelta(0)) -> str:
    """Give ``user`` a new primary key, within the caller's transaction. The current
    primary key dies now (and so do replaced keys still in an earlier overlap), or, with a
    ``grace``, is superseded and keeps working until then (or its own earlier expiry).

    The user's row (after a bot's owner's, the order every writer keeps) is locked first,
    so concurrent regenerations queue up behind each other and the last one wins cleanly;
    the partial unique index backs this up.
    """
    db.lock_holder(session, user)
    now = clock.now()
    current = (ApiKey.user_id == user.id) & ApiKey.revoked_at.is_(None)
    primary = (ApiKey.user_id == user.id) & ApiKey.is_primary()
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
    return replace(session, user, actor_id=actor_id, grace=grace)


def replace(session: Session, user: Holder, *, actor_id: int, grace: timedelta) -> str:
    """Mint, audit and notify a regeneration, within the caller's transaction (the units
    regenerate and app/keys/regeneration.py, which records the request beside it)."""
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


@db.unit_of_work
def reveal_to(session: Session, subject_id: int, *, actor_id: int, event_type: str) -> str | None:
    """Decrypt the subject's key for ``actor_id``, recording who saw it and how (the event:
    api_key_revealed or api_key_fetched; an rc file records its own in app/keys/zuliprc.py) and
    telling its owner if it left for a new address; None if the subject has no key."""
    # The subject as the request found it: a bot handed over since is refused (HolderMoved).
    db.lock_holder(session, session.get_one(User, subject_id))
    record = active_key(session, subject_id)
    if record is None:
        return None
    key = keystore().decrypt(record.ciphertext)
    audit.record(session, event_type, actor_id=actor_id, subject_user_id=subject_id)
    how = "fetched" if event_type == "api_key_fetched" else "shown"
    subject = session.get_one(User, subject_id)
    notices.key_revealed(session, subject, record=record, how=how)
    return key


def active_key(session: Session, user_id: int) -> ApiKey | None:
    """The user's current primary key record (never the key itself)."""
    return session.scalars(
        select(ApiKey).where(ApiKey.user_id == user_id, ApiKey.is_primary())
    ).first()


def reveal(session: Session, user_id: int) -> str | None:
    """Decrypt the user's current primary key; None if the user has none."""
    record = active_key(session, user_id)
    if record is None:
        return None
    return keystore().decrypt(record.ciphertext)
