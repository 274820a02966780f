"""Regenerating a primary key, optionally under an Idempotency-Key: a client that lost the
answer (a timeout, a crash before it saved the key) sends the same request again and gets
the same new key, instead of rolling the key a second time and losing the one it missed.

The Idempotency-Key value is kept only as an HMAC under the server's pepper (it is the
caller's secret for a day: whoever has it and the caller's key can read the new key again).
A record counts for WINDOW; older ones are ignored and purged. While the pepper is rotated,
a record is found under the previous pepper too: the value itself is not stored, so these
digests cannot be rewritten, and a client retrying across the switch must still get the
key it missed rather than a second roll (docs/admin/secrets-rotation.md).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, exists, select
from sqlalchemy.orm import Session, aliased

from app.core import clock, db
from app.core.models import ApiKey, Holder, KeyRotation
from app.keys import primary
from app.keys.store import keystore

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
    replaced_key_id: int | None = None,
) -> Rotation:
    """A new primary key for ``subject`` (the old one dead now or after ``grace``), audited
    and committed; or, for a repeat of an earlier request with the same ``idempotency_key``
    by the same actor within WINDOW, that request's key again, with nothing changed.

    ``replaced_key_id`` is the caller's key when it is a replaced key in its overlap: then
    only a repeat of the rotation that replaced that very key is answered, and anything
    else raises NotARepeat. A later rotation's key (one that replaced a newer key) is never
    read with it, or a leaked old key would fetch the current one.

    The subject's rows (its owner's first) are locked before the record is read, and the
    actor is always among them (the subject itself, or a bot's owner), so repeats of one
    request queue up and all but the first find its record.
    """
    db.lock_holder(session, subject)
    repeat_only = replaced_key_id is not None
    if idempotency_key is None and repeat_only:
        raise NotARepeat()
    if idempotency_key is None:
        return _roll(session, subject, actor_id, grace)
    digest, *previous = keystore().request_digests(_LABEL, idempotency_key)
    since = clock.now() - WINDOW
    earlier = session.scalar(
        select(KeyRotation).where(
            KeyRotation.actor_id == actor_id,
            KeyRotation.request_digest.in_([digest, *previous]),
            KeyRotation.created_at > since,
        )
    )
    # Checked before anything else is said about the record, so a replaced key learns
    # nothing (no 422 or 409) about rotations other than its own.
    if replaced_key_id is not None and (
        earlier is None or not _replaced(session, earlier, replaced_key_id)
    ):
        raise NotARepeat()
    if earlier is not None:
        return _repeat(session, earlier, subject, grace)
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
    return rotation


def _roll(session: Session, subject: Holder, actor_id: int, grace: timedelta) -> Rotation:
    """Mint, audit and notify, within the caller's transaction; the old key's end is the
    new key's creation plus the grace (mint supersedes the old key at that same instant)."""
    key = primary.replace(session, subject, actor_id=actor_id, grace=grace)
    made = _made(session, key)
    return Rotation(key, made.created_at + grace if grace else None)


def _made(session: Session, key: str) -> ApiKey:
    return session.scalars(select(ApiKey).where(ApiKey.digest == keystore().digest(key))).one()


def _repeat(session: Session, earlier: KeyRotation, subject: Holder, grace: timedelta) -> Rotation:
    """The earlier request's answer again, if this is the same request and its key is still
    the subject's primary key. Nothing is written."""
    if earlier.subject_user_id != subject.id or earlier.grace_seconds != _seconds(grace):
        raise IdempotencyKeyReused()
    made = session.get(ApiKey, earlier.new_key_id)
    if made is None or made.revoked_at is not None or made.superseded_at is not None:
        raise RotationSuperseded()
    key = keystore().decrypt(made.ciphertext)
    return Rotation(key, made.created_at + grace if grace else None)


def _replaced(session: Session, earlier: KeyRotation, key_id: int) -> bool:
    """Whether ``earlier`` replaced the key ``key_id``: that key is a primary key of the
    rotation's subject, superseded at the very instant the rotation's key was made (mint
    does both at once), and the last primary key the subject got before that one. The ids
    tell apart two rotations at one instant, which the times alone would not."""
    made, between = aliased(ApiKey), aliased(ApiKey)
    subject_id = earlier.subject_user_id
    newer_primary_key_before_made = exists().where(
        between.user_id == subject_id,
        between.name.is_(None),
        between.id > ApiKey.id,
        between.id < made.id,
    )
    found = session.scalar(
        select(ApiKey.id)
        .join(made, made.id == earlier.new_key_id)
        .where(
            ApiKey.id == key_id,
            ApiKey.user_id == subject_id,
            ApiKey.name.is_(None),
            made.user_id == subject_id,
            ApiKey.superseded_at == made.created_at,
            ~newer_primary_key_before_made,
        )
    )
    return found is not None


def _owner(subject: Holder) -> list[int]:
    return [subject.bot_owner_id] if subject.bot_owner_id else []


def _seconds(grace: timedelta) -> int:
    return int(grace.total_seconds())
