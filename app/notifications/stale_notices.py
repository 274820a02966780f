"""Notices of stale keys (app/keys/staleness.py): always sent (nobody acted, so nobody's
routine), with no link, since the daily command that sends them has no request to build
one from."""

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from app.core.models import ApiKey, User
from app.notifications.mail.compose import Verbatim
from app.notifications.notices import notify, when


def key_stale(
    session: Session, holder: User, *, record: ApiKey, days: int, expires: datetime | None
) -> None:
    """``record`` has gone unused ``days`` days; ``expires``: when it will expire if it
    stays unused (the organization's policy), or None."""
    notify(
        session,
        holder,
        "key_stale",
        subject=_l("An API key has not been used for a long time"),
        key_name=record.name,
        hint=Verbatim(record.hint),
        days=days,
        expires=when(expires) if expires is not None else None,
    )


def key_expired_stale(session: Session, holder: User, *, record: ApiKey) -> None:
    notify(
        session,
        holder,
        "key_expired_stale",
        subject=_l("An unused API key has expired"),
        key_name=record.name,
        hint=Verbatim(record.hint),
    )
