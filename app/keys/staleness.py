"""Stale keys: a key unused for the organization's ``stale_key_days`` (90 by default; never
used counts from when it was made) is stale. Every key list marks it; `flask keys
notify-stale`, run daily, tells its owner once (again only if it is used and then goes
unused again); and when ``stale_key_expiry_days`` is set, a stale named key's notice names
the day it expires if it stays unused, and on that day it does, audited and told.

Only what the notice promised expires: a key told before the policy was set is told again,
with the day; a key used since its notice, or no longer stale by the policy in force, does
not. Only keys that work, of active holders, count: not decoys (unused by design), not
replaced keys in their overlap, not expired or revoked ones. A primary key is marked and
told of, but never expired this way: its person regenerates it.
"""

from datetime import date, datetime, timedelta

from sqlalchemy import ColumnElement, and_, exists, func, or_, select, update
from sqlalchemy.orm import Session, aliased

from app.core import audit, clock, db
from app.core.models import ApiKey, KeyUsage, User
from app.keys import call_counts, last_use
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
    """Tell the owners of keys gone stale, then expire those whose notice said so; how many
    keys were told of and how many expired, a batch a transaction."""
    last_use.write_pending()  # this process's own uses and counts first
    call_counts.write_waiting()
    told = expired = 0
    while found := _tell_batch(session):
        told += found
    after = 0
    while (batch := _expire_batch(session, after)) is not None:
        found, after = batch
        expired += found
    return told, expired


def _counted(before: datetime) -> ColumnElement[bool]:
    """Working keys, of an active person or a bot whose owner is active, unused since."""
    owner = aliased(User)
    active_holders = (
        select(User.id)
        .outerjoin(owner, User.bot_owner_id == owner.id)
        .where(User.is_active.is_(True), or_(owner.id.is_(None), owner.is_active.is_(True)))
    )
    now = clock.now()
    return and_(
        ApiKey.user_id.in_(active_holders),
        ApiKey.revoked_at.is_(None),
        ApiKey.decoy.is_(False),
        ApiKey.superseded_at.is_(None),
        or_(ApiKey.expires_at.is_(None), ApiKey.expires_at > now),
        func.coalesce(ApiKey.last_used_at, ApiKey.created_at) < before,
    )


def _untold(expiring: bool) -> ColumnElement[bool]:
    """Not told of since its last use; with ``expiring`` (the policy expires stale named
    keys), also a named key whose notice named no day to expire."""
    told_before = or_(
        ApiKey.stale_notice_at.is_(None), ApiKey.stale_notice_at < ApiKey.last_used_at
    )
    if not expiring:
        return told_before
    no_day_named = ApiKey.name.is_not(None) & ApiKey.stale_expires_at.is_(None)
    return or_(told_before, no_day_named)


@db.unit_of_work
def _tell_batch(session: Session) -> int:
    before, days = cutoff(session)
    expiry_days = policies.current(session).stale_key_expiry_days
    untold = _untold(bool(expiry_days))
    due = session.scalars(
        select(ApiKey).where(_counted(before), untold).order_by(ApiKey.id).limit(BATCH)
    ).all()
    told, now = 0, clock.now()
    for record in due:
        named = record.name is not None
        expires = now + timedelta(days=expiry_days) if expiry_days and named else None
        # Claimed by a conditional UPDATE, so that two runs at once tell it once.
        claimed = session.execute(
            update(ApiKey)
            .where(ApiKey.id == record.id, untold)
            .values(stale_notice_at=now, stale_expires_at=expires)
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount == 1:  # type: ignore[attr-defined]
            holder = session.get_one(User, record.user_id)
            stale_notices.key_stale(session, holder, record=record, days=days, expires=expires)
            told += 1
    return told  # 0 ends the run: whatever was found, another run told it first


@db.unit_of_work
def _expire_batch(session: Session, after: int) -> tuple[int, int] | None:
    """Expire the named keys past id ``after`` whose notice's day has come, still unused
    since it: how many, and the last id looked at (None when none was left)."""
    expiry_days = policies.current(session).stale_key_expiry_days
    if not expiry_days:
        return None
    before, _days = cutoff(session)
    now = clock.now()
    unused_since_told = or_(
        ApiKey.last_used_at.is_(None), ApiKey.last_used_at <= ApiKey.stale_notice_at
    )
    due = session.scalars(
        select(ApiKey)
        .where(_counted(before), ApiKey.name.is_not(None), unused_since_told)
        .where(ApiKey.stale_expires_at <= now)
        .where(ApiKey.stale_notice_at <= now - timedelta(days=expiry_days))
        .where(ApiKey.id > after)
        .order_by(ApiKey.id)
        .limit(BATCH)
    ).all()
    if not due:
        return None
    expired = 0
    for record in due:
        assert record.stale_notice_at is not None
        if _accepted_since(session, record.id, record.stale_notice_at.date()):
            continue  # used, and its last use not written yet: its count says so
        changed = session.execute(
            update(ApiKey)
            .where(ApiKey.id == record.id, unused_since_told, _still_working(now))
            .values(expires_at=now)
            .execution_options(synchronize_session=False)
        )
        if changed.rowcount != 1:  # type: ignore[attr-defined]
            continue
        audit.record(
            session,
            "stale_key_expired",
            actor_id=None,
            subject_user_id=record.user_id,
            detail={"key_name": record.name, "key_hint": record.hint},
        )
        holder = session.get_one(User, record.user_id)
        stale_notices.key_expired_stale(session, holder, record=record)
        expired += 1
    return expired, due[-1].id


def _still_working(now: datetime) -> ColumnElement[bool]:
    return ApiKey.revoked_at.is_(None) & (ApiKey.expires_at.is_(None) | (ApiKey.expires_at > now))


def _accepted_since(session: Session, key_id: int, day: date) -> bool:
    accepted = (
        select(KeyUsage.key_id)
        .where(KeyUsage.key_id == key_id, KeyUsage.day >= day)
        .where(KeyUsage.facet == call_counts.OUTCOME, KeyUsage.name == call_counts.ACCEPTED)
    )
    return bool(session.scalar(select(exists(accepted))))
