"""Retention: what the database stops keeping, so audit rows, dead keys and tokens, per-key
usage and sent mail do not grow without bound. Each pass deletes in batches of its own short
transactions, so a large backlog never holds locks for long, and an interrupted run simply
continues next time.
No web code here.
"""

from collections.abc import Callable
from datetime import date, timedelta

from sqlalchemy import ColumnElement, delete, func, or_, select
from sqlalchemy.orm import Session

from app.core import clock, db
from app.core.models import ApiKey, ApiToken, AuditEvent, KeyRotation, KeyUsage, OutboundMail
from app.keys.regeneration import WINDOW as IDEMPOTENCY_WINDOW

BATCH = 1000


def prune_audit(session: Session, older_than: timedelta, *, batch: int = BATCH) -> int:
    """Delete audit events older than ``older_than``; how many went."""
    cutoff = clock.now() - older_than
    return _in_batches(session, AuditEvent, AuditEvent.created_at < cutoff, batch, _no_refs)


def prune_dead_keys(session: Session, older_than: timedelta, *, batch: int = BATCH) -> int:
    """Delete keys that stopped working more than ``older_than`` ago: revoked ones, and
    replaced ones whose overlap ended. Working keys, and expired named keys (still listed as
    expired until their owner revokes them), stay. Short-lived tokens dead as long go first
    (and any left of a key being deleted go with it), uncounted: the count is of keys.
    Idempotency records past their day go too, and so does any that names a key being
    deleted."""
    cutoff = clock.now() - older_than
    _forget_old_requests(session)
    dead_tokens = or_(ApiToken.revoked_at < cutoff, ApiToken.expires_at < cutoff)
    _in_batches(session, ApiToken, dead_tokens, batch, _no_refs)
    dead = or_(
        ApiKey.revoked_at < cutoff,
        ApiKey.superseded_at.is_not(None) & (ApiKey.expires_at < cutoff),
    )
    return _in_batches(session, ApiKey, dead, batch, _rotations_naming)


def prune_mail(session: Session, older_than: timedelta, *, batch: int = BATCH) -> int:
    """Delete the records of mail sent or given up more than ``older_than`` ago (their
    bodies went at once); mail still waiting to go stays, however old."""
    cutoff = clock.now() - older_than
    done = or_(OutboundMail.sent_at < cutoff, OutboundMail.gave_up_at < cutoff)
    return _in_batches(session, OutboundMail, done, batch, _no_refs)


def prune_usage(session: Session, older_than: timedelta) -> int:
    """Delete per-key usage of days older than ``older_than``, a day a transaction; how
    many rows went."""
    cutoff = (clock.now() - older_than).date()
    removed = 0
    while (deleted := _delete_oldest_day(session, cutoff)) is not None:
        removed += deleted
    return removed


@db.unit_of_work
def _delete_oldest_day(session: Session, cutoff: date) -> int | None:
    """Delete the usage of the oldest day before ``cutoff``: how many rows (None: no such day)."""
    oldest = session.scalar(select(func.min(KeyUsage.day)).where(KeyUsage.day < cutoff))
    if oldest is None:
        return None
    deleted = session.execute(delete(KeyUsage).where(KeyUsage.day == oldest))
    return int(deleted.rowcount)  # type: ignore[attr-defined]


def _in_batches(
    session: Session,
    model: type[ApiKey] | type[ApiToken] | type[AuditEvent] | type[OutboundMail],
    condition: ColumnElement[bool],
    batch: int,
    before_delete: Callable[[Session, list[int]], None],
) -> int:
    removed = 0
    while deleted := _delete_batch(session, model, condition, batch, before_delete):
        removed += deleted
    return removed


@db.unit_of_work
def _delete_batch(
    session: Session,
    model: type[ApiKey] | type[ApiToken] | type[AuditEvent] | type[OutboundMail],
    condition: ColumnElement[bool],
    batch: int,
    before_delete: Callable[[Session, list[int]], None],
) -> int:
    """Delete the first ``batch`` rows that meet ``condition``; how many (0 when none is left)."""
    ids = list(session.scalars(select(model.id).where(condition).order_by(model.id).limit(batch)))
    if ids:
        before_delete(session, ids)
        session.execute(delete(model).where(model.id.in_(ids)))
    return len(ids)


@db.unit_of_work
def _forget_old_requests(session: Session) -> None:
    """Idempotency records past their window answer no repeat any more."""
    session.execute(
        delete(KeyRotation).where(KeyRotation.created_at < clock.now() - IDEMPOTENCY_WINDOW)
    )


def _no_refs(_session: Session, _ids: list[int]) -> None:
    """Nothing refers to an audit event or a mail record."""


def _rotations_naming(session: Session, key_ids: list[int]) -> None:
    """What names the keys about to go: idempotency records, their tokens, their usage."""
    session.execute(delete(KeyUsage).where(KeyUsage.key_id.in_(key_ids)))
    session.execute(delete(KeyRotation).where(KeyRotation.new_key_id.in_(key_ids)))
    session.execute(delete(ApiToken).where(ApiToken.key_id.in_(key_ids)))
