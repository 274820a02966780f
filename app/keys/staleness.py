"""Stale keys: a key unused for the organization's ``stale_key_days`` (90 by default; never
used counts from when it was made) is stale. Every key list marks it; `flask keys
notify-stale`, run daily, tells its owner once (again only if it is used and then goes
unused again); and when ``stale_key_expiry_days`` is set, a stale named key still unused
that many days after its owner was told expires, audited and told.

Only keys that work and were chosen by someone count: not decoys (unused by design), not
replaced keys in their overlap (on their way out), not expired or revoked ones. A primary
key is marked and told of, but never expired this way: its person regenerates it.
"""

from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, func, or_, select, update
from sqlalchemy.orm import Session

from app.core import audit, clock, db
from app.core.models import ApiKey, User
from app.keys import last_use
from app.notifications import stale_notices
from app.organization import policies

BATCH = 100


def cutoff(session: Session) -> tuple[datetime, int]:
    """The moment before which a key's last use makes it stale, and the policy's days."""
    days = policies.current(session).stale_key_days
    return clock.now() - timedelta(days=days), days


def is_stale(record: ApiKey, before: datetime) -> bool:
    """Whether a listed key is stale: counted (see the module), and last active before."""
    if record.decoy or record.superseded_at is not None or record.revoked_at is not None:
        return False
    if record.expires_at is not None and record.expires_at <= clock.now():
        return False
    return (record.last_used_at or record.created_at) < before


def notify_stale(session: Session) -> tuple[int, int]:
    """Tell the owners of keys gone stale, then expire those the policy says; how many keys
    were told of and how many expired, a batch a transaction."""
    last_use.write_pending()  # this process's own last uses first
    told = expired = 0
    while found := _tell_batch(session):
        told += found
    while found := _expire_batch(session):
        expired += found
    return told, expired


def _counted() -> ColumnElement[bool]:
    now = clock.now()
    return and_(
        ApiKey.revoked_at.is_(None),
        ApiKey.decoy.is_(False),
        ApiKey.superseded_at.is_(None),
        or_(ApiKey.expires_at.is_(None), ApiKey.expires_at > now),
    )


def _untold() -> ColumnElement[bool]:
    """Not told of since its last use."""
    return or_(ApiKey.stale_notice_at.is_(None), ApiKey.stale_notice_at < ApiKey.last_used_at)


@db.unit_of_work
def _tell_batch(session: Session) -> int:
    before, days = cutoff(session)
    expiry_days = policies.current(session).stale_key_expiry_days
    due = session.scalars(
        select(ApiKey)
        .where(_counted(), func.coalesce(ApiKey.last_used_at, ApiKey.created_at) < before)
        .where(_untold())
        .order_by(ApiKey.id)
        .limit(BATCH)
    ).all()
    told = 0
    for record in due:
        # Claimed by a conditional UPDATE, so that two runs at once tell it once.
        claimed = session.execute(
            update(ApiKey)
            .where(ApiKey.id == record.id, _untold())
            .values(stale_notice_at=clock.now())
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount == 1:  # type: ignore[attr-defined]
            expires = (
                clock.now() + timedelta(days=expiry_days)
                if expiry_days and record.name is not None
                else None
            )
            holder = session.get_one(User, record.user_id)
            stale_notices.key_stale(session, holder, record=record, days=days, expires=expires)
            told += 1
    return told  # 0 ends the run: whatever was found, another run told it first


@db.unit_of_work
def _expire_batch(session: Session) -> int:
    expiry_days = policies.current(session).stale_key_expiry_days
    if not expiry_days:
        return 0
    now = clock.now()
    due = session.scalars(
        select(ApiKey)
        .where(_counted(), ApiKey.name.is_not(None))
        .where(ApiKey.stale_notice_at <= now - timedelta(days=expiry_days))
        .where(or_(ApiKey.last_used_at.is_(None), ApiKey.last_used_at <= ApiKey.stale_notice_at))
        .order_by(ApiKey.id)
        .limit(BATCH)
    ).all()
    for record in due:
        record.expires_at = now
        audit.record(
            session,
            "stale_key_expired",
            actor_id=None,
            subject_user_id=record.user_id,
            detail={"key_name": record.name, "key_hint": record.hint},
        )
        holder = session.get_one(User, record.user_id)
        stale_notices.key_expired_stale(session, holder, record=record)
    return len(due)
