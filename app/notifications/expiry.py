"""Telling owners that a key expires soon: 7, 3 and 1 days ahead, by `flask keys
notify-expiring` run daily. Each key remembers the fewest days it has been told of
(api_keys.expiry_notice_days), so each threshold is sent once, however often or late the
command runs; a run that comes late sends only the nearest threshold passed."""

from datetime import timedelta

from sqlalchemy import ColumnElement, or_, select, update
from sqlalchemy.orm import Session

from app.core import clock, db
from app.core.models import ApiKey, User
from app.notifications import notices

THRESHOLDS_DAYS = (1, 3, 7)  # nearest first: a key a day away is told "1", not "7"
BATCH = 100


def notify_expiring(session: Session) -> int:
    """Queue a notice for every live key crossing a threshold, a batch per transaction;
    how many were queued (or passed over: a deactivated owner is told nothing)."""
    told = 0
    for days in THRESHOLDS_DAYS:
        found = BATCH
        while found:
            found, queued = _tell_batch(session, days)
            told += queued
    return told


@db.unit_of_work
def _tell_batch(session: Session, days: int) -> tuple[int, int]:
    """The next BATCH keys due for the ``days`` notice, each claimed and told: how many
    were due (none at the end) and how many notices were queued."""
    due = _due(session, days)
    return len(due), sum(_tell(session, record, days) for record in due)


def _due(session: Session, days: int) -> list[ApiKey]:
    now = clock.now()
    return list(
        session.scalars(
            select(ApiKey)
            .where(
                ApiKey.revoked_at.is_(None),
                ApiKey.superseded_at.is_(None),  # an overlap's end was chosen minutes ago
                ApiKey.expires_at > now,
                ApiKey.expires_at <= now + timedelta(days=days),
                _not_told(days),
            )
            .order_by(ApiKey.id)
            .limit(BATCH)
        )
    )


def _not_told(days: int) -> ColumnElement[bool]:
    return or_(ApiKey.expiry_notice_days.is_(None), ApiKey.expiry_notice_days > days)


def _tell(session: Session, record: ApiKey, days: int) -> int:
    """Claim the threshold with a conditional UPDATE (so two runs at once send it once),
    then queue the notice in the same transaction."""
    claimed = session.execute(
        update(ApiKey)
        .where(ApiKey.id == record.id, _not_told(days))
        .values(expiry_notice_days=days)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        return 0
    notices.key_expiring(session, session.get_one(User, record.user_id), record=record, days=days)
    return 1
