"""The IP addresses each person's keys have been shown or downloaded from, so that a key
leaving for an address never seen before is worth an email (app/notifications/notices.py)."""

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from app.core import clock
from app.core.models import SeenAddress


def first_time(session: Session, user_id: int, address: str) -> bool:
    """Record ``address`` for ``user_id`` in the caller's transaction; True if it is new.

    An insert that skips a row already there, so two reveals at once from one new address
    cannot fail on the primary key (one of them may then count it as new: one mail too many,
    never an error)."""
    if session.scalar(
        select(SeenAddress.address).where(
            SeenAddress.user_id == user_id, SeenAddress.address == address
        )
    ):
        return False
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    session.execute(
        insert(SeenAddress)
        .values(user_id=user_id, address=address, first_seen_at=clock.now())
        .on_conflict_do_nothing()
    )
    return True
