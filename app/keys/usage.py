"""Where and when a key was last used, and the first use of a rolled key after its roll.

Recorded from the authentication path, so it must stay cheap and must never fail a
request: at most one write a minute per key, in its own short transaction.
"""

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import or_, text, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from app.core import audit, db
from app.core.models import ApiKey
from app.keys.store import KeyRow

RESOLUTION = timedelta(minutes=1)


def record(row: KeyRow, now: datetime) -> bool:
    """Note this use of the key, unless it was noted within the last minute; the first use
    of a superseded key after its roll is always noted, and lands in the security log.
    True when it was noted now (by this call, or by a parallel one just before it)."""
    last, rolled = row.last_used_at, row.superseded_at
    # "<=": the request that made the roll used the key just before it, at the same instant
    # on a coarse clock; any use at or before the roll is a use from before it.
    first_after_roll = rolled is not None and (last is None or last <= rolled)
    if not first_after_roll and last is not None and now - last < RESOLUTION:
        return False
    try:
        _write(row, now, rolled if first_after_roll else None)
    except SQLAlchemyError as error:
        current_app.logger.warning("Could not record key use: %s", type(error).__name__)
        return False
    return True


def _write(row: KeyRow, now: datetime, rolled: datetime | None) -> None:
    with Session(db.engine()) as session:
        _record_use(session, row, now, rolled, client=audit.request_client())


@db.unit_of_work
def _record_use(
    session: Session,
    row: KeyRow,
    now: datetime,
    rolled: datetime | None,
    *,
    client: tuple[str | None, str | None],
) -> None:
    ip, user_agent = client
    # The condition makes the write (and so the audit event) happen once, however many
    # requests race here.
    stale = (
        ApiKey.last_used_at <= rolled
        if rolled is not None
        else ApiKey.last_used_at < now - RESOLUTION
    )
    if rolled is None and session.get_bind().dialect.name == "postgresql":
        # Bookkeeping, not a record: a crash may lose the last moment's last-use times,
        # so the request need not wait for the commit's flush to disk (the audit event
        # of a rolled key's first use is flushed as usual).
        session.execute(text("SET LOCAL synchronous_commit = off"))
    written = session.execute(
        update(ApiKey)
        .where(ApiKey.id == row.key_id)
        .where(or_(ApiKey.last_used_at.is_(None), stale))
        .values(last_used_at=now, last_used_ip=ip, last_used_user_agent=user_agent)
    )
    if rolled is not None and written.rowcount == 1:  # type: ignore[attr-defined]
        audit.record(
            session,
            "rolled_key_used",
            actor_id=None,
            subject_user_id=row.user_id,
            detail={"key_hint": row.hint},
        )
