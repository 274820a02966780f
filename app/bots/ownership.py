"""A bot's owner and name after its creation: the hand-over to another active person (an
administrator's act, or an accepted offer: app/bots/offers.py), rename, and the orphans, bots
whose owner was deactivated, which administrators transfer and then reactivate. No web code
here.

A bot changes hands with new keys: every key made while it was the previous owner's
(primary, named, replaced in its overlap) stops at the moment of the hand-over, and the bot
gets a new primary key that its new owner shows the usual way. Nobody keeps a working key of
a bot they no longer own."""

from typing import Any

from sqlalchemy import CursorResult, delete, select, update
from sqlalchemy.orm import Session, aliased

from app.bots import lifecycle
from app.core import audit, clock, db
from app.core.i18n import gettext as _
from app.core.models import ApiKey, BotTransferOffer, User
from app.keys import primary
from app.notifications import notices


@db.unit_of_work
def transfer(session: Session, bot: User, new_owner_id: int, *, actor_id: int) -> bool:
    """An administrator's act: give ``bot`` to the active person ``new_owner_id`` at once
    (hand_over); audited and committed. False when the bot was theirs already. Raises
    bots.InvalidBot."""
    lock_owners_and_bot(session, bot, new_owner_id)
    if bot.bot_owner_id == new_owner_id:
        check_receiver(session, new_owner_id)
        return False
    hand_over(session, bot, new_owner_id, actor_id=actor_id, how="administrator")
    return True


def lock_owners_and_bot(session: Session, bot: User, new_owner_id: int) -> None:
    """Lock the bot's owner, the new owner and the bot (one order for every writer), and
    read the bot again as of the lock: db.HolderMoved if it changed hands meanwhile, so that
    a request queued behind a hand-over cannot act with its previous owner's right."""
    seen_owner = owner_id(bot)
    db.lock_for_write(session, User, [seen_owner, new_owner_id, bot.id])
    session.refresh(bot)
    if bot.bot_owner_id != seen_owner:
        raise db.HolderMoved()


def check_receiver(session: Session, person_id: int) -> User:
    """The active person ``person_id``; bots.InvalidBot for a bot, a deactivated person or
    no one."""
    person = session.get(User, person_id, populate_existing=True)  # as of the lock
    if person is None or person.is_bot or not person.is_active:
        raise lifecycle.InvalidBot("bot_owner_id", _("Choose an active person as the new owner."))
    return person


def hand_over(session: Session, bot: User, new_owner_id: int, *, actor_id: int, how: str) -> None:
    """Within the caller's transaction, under lock_owners_and_bot: make ``new_owner_id`` the
    bot's owner (within their bot limit when the bot is active), stop every key of the bot
    and mint a new primary key, drop any pending offer, and audit it (``how``: an
    "administrator" or an accepted "offer")."""
    check_receiver(session, new_owner_id)
    if bot.is_active:
        lifecycle.check_room(session, new_owner_id)
    previous = owner_id(bot)
    bot.bot_owner_id = new_owner_id
    session.flush()
    stopped: CursorResult[Any] = session.execute(  # type: ignore[assignment]
        update(ApiKey)
        .where(ApiKey.user_id == bot.id, ApiKey.revoked_at.is_(None))
        .values(revoked_at=clock.now())
    )
    primary.mint(session, bot)
    session.execute(delete(BotTransferOffer).where(BotTransferOffer.bot_id == bot.id))
    detail = {"from": previous, "to": new_owner_id, "keys_stopped": stopped.rowcount, "how": how}
    audit.record(
        session, "bot_owner_changed", actor_id=actor_id, subject_user_id=bot.id, detail=detail
    )
    previous_owner, actor = session.get_one(User, previous), session.get_one(User, actor_id)
    session.refresh(bot, ["bot_owner"])
    notices.bot_handed_over(session, bot, previous_owner=previous_owner, actor=actor, how=how)


@db.unit_of_work
def rename(session: Session, bot: User, full_name: str, *, actor_id: int) -> bool:
    """Give ``bot`` a new name under the creation rules; audited and committed. False when
    the name is unchanged. Raises bots.InvalidBot."""
    name = lifecycle.clean_full_name(full_name)
    db.lock_holder(session, bot)  # not a bot handed over since the request found it
    session.refresh(bot)
    if name == bot.full_name:
        return False
    detail = {"from": bot.full_name, "to": name}
    bot.full_name = name
    audit.record(session, "bot_renamed", actor_id=actor_id, subject_user_id=bot.id, detail=detail)
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


def owner_id(bot: User) -> int:
    if bot.bot_owner_id is None:
        raise ValueError(f"user {bot.id} is not a bot")
    return bot.bot_owner_id
