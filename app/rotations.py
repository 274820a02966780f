"""Regenerating a primary key, optionally under an Idempotency-Key: a client that lost the
answer (a timeout, a crash before it saved the key) sends the same request again and gets
the same new key, instead of rolling the key a second time and losing the one it missed.

The Idempotency-Key value is kept only as an HMAC under the server's pepper (it is the
caller's secret for a day: whoever has it and the caller's key can read the new key again).
A record counts for WINDOW; older ones are ignored and purged. While the pepper is rotated,
a record is found under the previous pepper too: the value itself is not stored, so these
digests cannot be rewritten, and a client retrying across the switch must still get the
key it missed rather than a second roll (README, Rotating secrets).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app import clock, db, keys
from app.keystore import keystore
from app.models import ApiKey, Holder, KeyRotation, User

WINDOW = timedelta(hours=24)
IDEMPOTENCY_KEY_MAX = 255
# Its own label, so the digest of a value can never equal the digest of an API key.
_LABEL = b"idempotency-key"


class IdempotencyKeyReused(Exception):
    """The caller used this Idempotency-Key for a different regeneration (another subject
    or another grace)."""


class NotARepeat(Exception):
    """Only a repeat of an earlier request was allowed, and this is none."""


class RotationSuperseded(Exception):
    """The key this Idempotency-Key made has since been revoked or replaced: answering it
    again would hand out a key that no longer works as the primary key."""


@dataclass(frozen=True, slots=True)
class Rotation:
    key: str
    old_key_expires_at: datetime | None  # None: the old key died at once


def is_valid_idempotency_key(value: str) -> bool:
    """1 to 255 visible ASCII characters (no spaces, no control characters)."""
    return 0 < len(value) <= IDEMPOTENCY_KEY_MAX and all("!" <= c <= "~" for c in value)


@db.unit_of_work
def regenerate(
    session: Session,
    subject: Holder,
    *,
    actor_id: int,
    grace: timedelta = timedelta(0),
    idempotency_key: str | None = None,
    repeat_only: bool = False,
) -> Rotation:
    """A new primary key for ``subject`` (the old one dead now or after ``grace``), audited
    and committed; or, for a repeat of an earlier request with the same ``idempotency_key``
    by the same actor within WINDOW, that request's key again, with nothing changed. With
    ``repeat_only``, anything but such a repeat raises NotARepeat.

    The subject's rows (its owner's first) are locked before the record is read, and the
    actor is always among them (the subject itself, or a bot's owner), so repeats of one
    request queue up and all but the first find its record.
    """
    db.lock_for_write(session, User, [subject.id, *_owner(subject)])
    if idempotency_key is None and repeat_only:
        session.rollback()
        raise NotARepeat()
    if idempotency_key is None:
        rotation = _roll(session, subject, actor_id, grace)
        session.commit()
        return rotation
    digest, *previous = keystore().request_digests(_LABEL, idempotency_key)
    since = clock.now() - WINDOW
    earlier = session.scalar(
        select(KeyRotation).where(
            KeyRotation.actor_id == actor_id,
            KeyRotation.request_digest.in_([digest, *previous]),
            KeyRotation.created_at > since,
        )
    )
    if earlier is not None:
        return _repeat(session, earlier, subject, grace)
    if repeat_only:
        session.rollback()
        raise NotARepeat()
    session.execute(  # expired records go, so their values may be used again
        delete(KeyRotation).where(KeyRotation.actor_id == actor_id, KeyRotation.created_at <= since)
    )
    rotation = _roll(session, subject, actor_id, grace)
    new_key = _made(session, rotation.key)
    session.add(
        KeyRotation(
            actor_id=actor_id,
            request_digest=digest,
            subject_user_id=subject.id,
            grace_seconds=_seconds(grace),
            new_key_id=new_key.id,
            created_at=new_key.created_at,
        )
    )
    session.commit()
    return rotation


def _roll(session: Session, subject: Holder, actor_id: int, grace: timedelta) -> Rotation:
    """Mint, audit and notify, uncommitted; the old key's end is the new key's creation
    plus the grace (mint supersedes the old key at that same instant)."""
    key = keys.replace(session, subject, actor_id=actor_id, grace=grace)
    made = _made(session, key)
    return Rotation(key, made.created_at + grace if grace else None)


def _made(session: Session, key: str) -> ApiKey:
    return session.scalars(select(ApiKey).where(ApiKey.digest == keystore().digest(key))).one()


def _repeat(session: Session, earlier: KeyRotation, subject: Holder, grace: timedelta) -> Rotation:
    """The earlier request's answer again, if this is the same request and its key is still
    the subject's primary key. Nothing is written: the transaction just ends."""
    if earlier.subject_user_id != subject.id or earlier.grace_seconds != _seconds(grace):
        session.rollback()
        raise IdempotencyKeyReused()
    made = session.get(ApiKey, earlier.new_key_id)
    if made is None or made.revoked_at is not None or made.superseded_at is not None:
        session.rollback()
        raise RotationSuperseded()
    key = keystore().decrypt(made.ciphertext)
    session.rollback()  # nothing was written: end the transaction and its locks
    return Rotation(key, made.created_at + grace if grace else None)


def _owner(subject: Holder) -> list[int]:
    return [subject.bot_owner_id] if subject.bot_owner_id else []


def _seconds(grace: timedelta) -> int:
    return int(grace.total_seconds())
