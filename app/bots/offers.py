"""A bot offered by its owner to another person, who accepts or declines it (as a
repository transfer between two people works elsewhere). Until it is accepted the bot stays
its owner's: it counts against nobody else's bot limit, its notices go to its owner, and
the person offered it cannot reach it. Accepting is the hand-over (bot_ownership.hand_over:
new keys, the old ones stopped). No web code here.

An offer holds only while it is pending: not expired, its bot still owned by the person who
offered it, and that person still active. Anything else is the same "no such offer", so
that an offer cannot be probed or replayed after the fact."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from app.bots import ownership
from app.core import audit, clock, db
from app.core.models import BotTransferOffer, User, storable_id
from app.notifications import notices

LIFETIME = timedelta(days=7)


class NoSuchOffer(Exception):
    """No pending offer of that bot to that person (never made, lapsed, or acted on)."""


@dataclass(frozen=True)
class Offer:
    """A pending offer as the pages show it: who offers which bot to whom, until when."""

    bot_id: int
    from_owner_id: int
    bot_name: str
    bot_email: str
    from_name: str
    from_email: str
    to_name: str
    to_email: str
    expires_at: datetime


@db.unit_of_work
def offer(session: Session, bot: User, to_user_id: int, *, actor_id: int) -> bool:
    """Offer the bot to the active person ``to_user_id`` for LIFETIME, replacing any offer
    of it pending; audited and committed. False (and any pending offer withdrawn) when they
    own it already. Raises bots.InvalidBot for anyone who is not an active person."""
    ownership.lock_owners_and_bot(session, bot, to_user_id)
    ownership.check_receiver(session, to_user_id)
    owner_id = ownership.owner_id(bot)
    _withdraw_pending(session, bot.id, actor_id=actor_id)
    if to_user_id == owner_id:
        return False
    now = clock.now()
    made = BotTransferOffer(
        bot_id=bot.id,
        from_owner_id=owner_id,
        to_user_id=to_user_id,
        created_at=now,
        expires_at=now + LIFETIME,
    )
    session.add(made)
    audit.record(
        session,
        "bot_transfer_offered",
        actor_id=actor_id,
        subject_user_id=bot.id,
        detail={"from": owner_id, "to": to_user_id},
    )
    receiver, giver = session.get_one(User, to_user_id), session.get_one(User, owner_id)
    notices.bot_offered(session, receiver, bot=bot, giver=giver, expires_at=made.expires_at)
    return True


@db.unit_of_work
def accept(session: Session, receiver: User, bot_id: int, *, offered_by: int) -> User:
    """The person offered the bot takes it from ``offered_by`` (the offer they were shown:
    never another one made since): the hand-over, with the receiver as actor, within their
    bot limit; committed. Returns the bot. Raises NoSuchOffer, bots.InvalidBot."""
    if not storable_id(bot_id) or not _is_pending(session, bot_id, receiver.id, offered_by):
        raise NoSuchOffer()
    bot = session.get_one(User, bot_id)
    try:
        ownership.lock_owners_and_bot(session, bot, receiver.id)
    except db.HolderMoved:
        raise NoSuchOffer() from None
    if not _is_pending(session, bot_id, receiver.id, offered_by):  # taken or withdrawn since
        raise NoSuchOffer()
    ownership.hand_over(session, bot, receiver.id, actor_id=receiver.id, how="offer")
    return bot


@db.unit_of_work
def decline(session: Session, person: User, bot_id: int) -> None:
    """End a pending offer: the person offered it declines, or its owner withdraws it;
    audited and committed. Raises NoSuchOffer for anyone else and any other bot."""
    if not storable_id(bot_id):
        raise NoSuchOffer()
    row = session.get(BotTransferOffer, bot_id)
    if row is None or person.id not in (row.from_owner_id, row.to_user_id):
        raise NoSuchOffer()
    db.lock_for_write(session, User, [row.from_owner_id, row.to_user_id, bot_id])
    row = session.get(BotTransferOffer, bot_id, populate_existing=True)  # as of the lock
    if row is None or person.id not in (row.from_owner_id, row.to_user_id):
        raise NoSuchOffer()
    if not _is_pending(session, bot_id, row.to_user_id, row.from_owner_id):
        raise NoSuchOffer()
    if person.id == row.to_user_id:
        # About the person declining, not the bot: its owner's security log must not show
        # the decliner's address and browser.
        session.delete(row)
        detail = {"bot": bot_id, "from": row.from_owner_id, "to": row.to_user_id}
        audit.record(
            session,
            "bot_transfer_declined",
            actor_id=person.id,
            subject_user_id=person.id,
            detail=detail,
        )
    else:
        _withdraw_pending(session, bot_id, actor_id=person.id)


def _withdraw_pending(session: Session, bot_id: int, *, actor_id: int) -> None:
    """Drop the bot's offer, if any, audited as withdrawn (by its owner, or replaced by a
    new offer of theirs)."""
    row = session.get(BotTransferOffer, bot_id, populate_existing=True)
    if row is None:
        return
    session.delete(row)
    session.flush()
    detail = {"from": row.from_owner_id, "to": row.to_user_id}
    audit.record(
        session, "bot_transfer_withdrawn", actor_id=actor_id, subject_user_id=bot_id, detail=detail
    )


def offered_to(session: Session, person_id: int) -> list[Offer]:
    """The pending offers made to ``person_id``, soonest to lapse first."""
    return _listed(session, BotTransferOffer.to_user_id == person_id)


def offered_by(session: Session, owner_id: int) -> dict[int, Offer]:
    """The pending offers of ``owner_id``'s bots, by bot id."""
    return {
        found.bot_id: found
        for found in _listed(session, BotTransferOffer.from_owner_id == owner_id)
    }


def _is_pending(session: Session, bot_id: int, to_user_id: int, from_owner_id: int) -> bool:
    condition = (
        (BotTransferOffer.bot_id == bot_id)
        & (BotTransferOffer.to_user_id == to_user_id)
        & (BotTransferOffer.from_owner_id == from_owner_id)
    )
    return bool(_listed(session, condition))


def _listed(session: Session, condition: object) -> list[Offer]:
    bot, giver, receiver = aliased(User), aliased(User), aliased(User)
    rows = session.execute(
        select(BotTransferOffer, bot, giver, receiver)
        .join(bot, bot.id == BotTransferOffer.bot_id)
        .join(giver, giver.id == BotTransferOffer.from_owner_id)
        .join(receiver, receiver.id == BotTransferOffer.to_user_id)
        .where(
            condition,  # type: ignore[arg-type]
            BotTransferOffer.expires_at > clock.now(),
            bot.bot_owner_id == BotTransferOffer.from_owner_id,
            giver.is_active,
            receiver.is_active,
        )
        .order_by(BotTransferOffer.expires_at, BotTransferOffer.bot_id)
    )
    return [
        Offer(
            row.bot_id,
            row.from_owner_id,
            found_bot.full_name,
            found_bot.email,
            found_giver.full_name,
            found_giver.email,
            found_receiver.full_name,
            found_receiver.email,
            row.expires_at,
        )
        for row, found_bot, found_giver, found_receiver in rows
    ]
