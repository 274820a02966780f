"""Which second factors a person holds: an authenticator app (once confirmed) and any
passkeys. The one place that says whether someone "has a second factor", for the login, the
re-authentication window, fetch_api_key, the policy and the pages alike."""

from collections.abc import Sequence

from sqlalchemy import ColumnElement, SQLColumnExpression, exists, literal, select
from sqlalchemy.orm import Session

from app.core.models import Passkey, TotpFactor


def app_factor(session: Session, user_id: int) -> TotpFactor | None:
    """The person's authenticator app, once a first code confirmed it."""
    query = select(TotpFactor).where(
        TotpFactor.user_id == user_id, TotpFactor.confirmed_at.is_not(None)
    )
    return session.scalar(query)


def passkeys(session: Session, user_id: int) -> Sequence[Passkey]:
    """The person's passkeys, oldest first."""
    query = select(Passkey).where(Passkey.user_id == user_id).order_by(Passkey.id)
    return session.scalars(query).all()


def enrolled(session: Session, user_id: int) -> bool:
    """Whether the person has a second factor of any kind (one query)."""
    return bool(session.scalar(select(enrolled_where(literal(user_id)))))


def enrolled_where(user_id: SQLColumnExpression[int]) -> ColumnElement[bool]:
    """The same, as a condition on a query's user id (the organization's list of people)."""
    app = exists().where(TotpFactor.user_id == user_id, TotpFactor.confirmed_at.is_not(None))
    return app | exists().where(Passkey.user_id == user_id)


def factor_mark(session: Session, user_id: int) -> str | None:
    """What a browser remembered at the second step is bound to: the factors as they are now
    (an app removed and added again, or a passkey added or removed, is another mark). None
    without a factor."""
    app = app_factor(session, user_id)
    keys = [str(passkey.id) for passkey in passkeys(session, user_id)]
    if app is None and not keys:
        return None
    app_part = f"{app.id}:{app.confirmed_at.isoformat()}" if app and app.confirmed_at else "-"
    return f"{app_part}|{','.join(keys)}"
