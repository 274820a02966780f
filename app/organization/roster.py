"""The organization as the admin console lists it: every person and every bot, with their
primary key's hint and last use (never a key). One query per list. And the one person or
bot the API's GET /users/<id> shows. No web code here."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session, aliased

from app.core.models import ApiKey, User, storable_id
from app.keys import last_use
from app.people.factors import held


@dataclass(frozen=True)
class Listed:
    """One row of the Users or Bots list."""

    id: int
    full_name: str
    email: str
    role: int
    is_active: bool
    created_at: datetime
    key_hint: str | None
    last_used_at: datetime | None
    bot_type: int | None = None
    owner_id: int | None = None
    owner_name: str | None = None
    second_factor: bool = False  # a person with an authenticator app or a passkey


def _primary_key() -> ColumnElement[bool]:
    """The join condition to a user's current primary key."""
    return (ApiKey.user_id == User.id) & ApiKey.is_primary()


def people(session: Session) -> list[Listed]:
    """Every human, active first, then by name."""
    last_use.write_pending()
    enrolled = held.enrolled_where(User.id)
    rows = session.execute(
        select(User, ApiKey.hint, ApiKey.last_used_at, enrolled)
        .outerjoin(ApiKey, _primary_key())
        .where(User.is_bot.is_(False))
        .order_by(User.is_active.desc(), func.lower(User.full_name), User.id)
    )
    return [
        Listed(
            u.id,
            u.full_name,
            u.email,
            u.role,
            u.is_active,
            u.created_at,
            hint,
            used,
            second_factor=bool(factor),
        )
        for u, hint, used, factor in rows
    ]


def all_bots(session: Session) -> list[Listed]:
    """Every bot with its owner, active first, then by name."""
    owner = aliased(User)
    last_use.write_pending()
    rows = session.execute(
        select(User, ApiKey.hint, ApiKey.last_used_at)
        .outerjoin(ApiKey, _primary_key())
        .add_columns(owner.full_name, owner.role)
        .join(owner, User.bot_owner_id == owner.id)
        .where(User.is_bot)
        .order_by(User.is_active.desc(), func.lower(User.full_name), User.id)
    )
    return [
        Listed(
            bot.id,
            bot.full_name,
            bot.email,
            owner_role,  # what may_manage weighs for a bot
            bot.is_active,
            bot.created_at,
            hint,
            used,
            bot_type=bot.bot_type,
            owner_id=bot.bot_owner_id,
            owner_name=owner_name,
        )
        for bot, hint, used, owner_name, owner_role in rows
    ]


def active_people(session: Session) -> list[User]:
    """Who may own a bot: every active human, by name."""
    return list(
        session.scalars(
            select(User)
            .where(User.is_bot.is_(False), User.is_active)
            .order_by(func.lower(User.full_name), User.id)
        )
    )


def visible_user(session: Session, user_id: int, *, admin: bool) -> User | None:
    """One person or bot, seen as GET /users lists them (administration.directory): anyone
    to an administrator, only the active ones to anyone else. None alike for an id that
    does not exist, could not exist, or names someone the caller may not see, so the
    answer tells a member nothing about who was deactivated."""
    if not storable_id(user_id):
        return None
    found = session.get(User, user_id)
    if found is None or not (admin or found.is_active):
        return None
    return found
