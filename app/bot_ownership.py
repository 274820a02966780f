"""A bot's owner and name after its creation: transfer to another active person (by its
owner or an administrator), rename, and the orphans, bots whose owner was deactivated,
which administrators transfer and then reactivate. No web code here."""

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from app import audit, bots, db, keys
from app.i18n import gettext as _
from app.models import User


@db.unit_of_work
def transfer(
    session: Session, bot: User, new_owner_id: int, *, actor_id: int, replace_key: bool = False
) -> bool:
    """Give ``bot`` to the active person ``new_owner_id``, within their bot limit when the
    bot is active; audited and committed. ``replace_key`` also gives the bot a new primary
    key (the old one stops at once), so the previous owner's copy no longer works. False
    when the bot was theirs already. Raises bots.InvalidBot."""
    old_owner_id = bot.bot_owner_id
    if old_owner_id is None:
        raise ValueError(f"user {bot.id} is not a bot")
    db.lock_for_write(session, User, [old_owner_id, new_owner_id, bot.id])
    session.refresh(bot)
    new_owner = session.get(User, new_owner_id)
    if new_owner is None or new_owner.is_bot or not new_owner.is_active:
        raise bots.InvalidBot("bot_owner_id", _("Choose an active person as the new owner."))
    if bot.bot_owner_id == new_owner_id:
        session.rollback()
        return False
    if bot.is_active:
        bots.check_room(session, new_owner_id)
    detail = {"from": bot.bot_owner_id, "to": new_owner_id, "key_replaced": replace_key}
    bot.bot_owner_id = new_owner_id
    session.flush()
    if replace_key:
        keys.mint(session, bot)
    audit.record(
        session, "bot_owner_changed", actor_id=actor_id, subject_user_id=bot.id, detail=detail
    )
    session.commit()
    return True


@db.unit_of_work
def rename(session: Session, bot: User, full_name: str, *, actor_id: int) -> bool:
    """Give ``bot`` a new name under the creation rules; audited and committed. False when
    the name is unchanged. Raises bots.InvalidBot."""
    name = bots.clean_full_name(full_name)
    if name == bot.full_name:
        return False
    detail = {"from": bot.full_name, "to": name}
    bot.full_name = name
    audit.record(session, "bot_renamed", actor_id=actor_id, subject_user_id=bot.id, detail=detail)
    session.commit()
    return True


def orphans(session: Session) -> list[User]:
    """Every bot whose owner is deactivated, oldest first (with its owner loaded)."""
    owner = aliased(User)
    return list(
        session.scalars(
            select(User)
            .join(owner, User.bot_owner_id == owner.id)
            .where(User.is_bot, owner.is_active.is_(False))
            .order_by(User.id)
        )
    )
