"""What an administrator may reach: any person or bot of the organization, within the role
rules (app/people/roles.py: an administrator acts on members and administrators, an owner on
everyone). The lookups answer None alike for what does not exist and for what the actor may
not reach, so that pages and the API answer the same 404 for both. No web code here."""

from dataclasses import dataclass
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.bots import lifecycle, offers, ownership
from app.core import audit, db
from app.core.i18n import gettext as _
from app.core.models import ApiKey, User, storable_id
from app.keys import named, primary, restrictions, usage_history
from app.keys.store import keystore
from app.notifications import notices
from app.people import accounts, roles
from app.people.factors import enrolment

# What a change of owner did: offered the bot, handed it over, or nothing (theirs already).
Handover = Literal["offered", "transferred", None]


@dataclass(frozen=True)
class Actor:
    """Who acts: enough of a User row or a verified key (keys.Principal)."""

    id: int
    role: int


def person_or_bot(session: Session, actor: Actor, user_id: int) -> User | None:
    """Anyone in the organization, for an administrator; None for a member."""
    if not roles.is_admin(actor.role) or not storable_id(user_id):
        return None
    return session.get(User, user_id)


def directory(session: Session, actor: Actor) -> list[User]:
    """The organization's people and bots, by id: every one for an administrator, the
    active ones for anyone else (as in Zulip, a deactivated account is an admin's
    business)."""
    query = select(User).order_by(User.id)
    if not roles.is_admin(actor.role):
        query = query.where(User.is_active)
    return list(session.scalars(query))


def bot(session: Session, actor: Actor, bot_id: int) -> User | None:
    """A bot its owner or an administrator may act on; None alike for anything else."""
    if not storable_id(bot_id):
        return None
    found = session.get(User, bot_id)
    if found is None or not found.is_bot:
        return None
    if found.bot_owner_id == actor.id or roles.is_admin(actor.role):
        return found
    return None


def check_may_manage(actor: Actor, target: User) -> None:
    """roles.RoleRefused unless ``actor`` may act on ``target`` (for a bot: on its owner)."""
    subject = target.bot_owner if target.is_bot and target.bot_owner is not None else target
    if subject.id != actor.id and not roles.may_manage(actor.role, subject.role):
        raise roles.RoleRefused(_("Only an owner may act on an owner or their bots."))


def deactivate(session: Session, actor: Actor, target: User) -> list[User]:
    """Deactivate a person (with their bots; users.deactivate) or a bot, as ``actor``;
    audited with the administrator as actor. Returns the bots it stopped with a person."""
    check_may_manage(actor, target)
    if target.is_bot:
        lifecycle.deactivate(session, target, actor_id=actor.id)
        return []
    if target.id == actor.id:
        raise roles.RoleRefused(_("You cannot deactivate your own account here."))
    return accounts.deactivate(session, target, actor_id=actor.id)


def reactivate(session: Session, actor: Actor, target: User) -> None:
    """Reactivate a person (their bots stay inactive) or a bot (bots.InvalidBot when its
    owner is deactivated or at the bot limit: transfer an orphan first)."""
    check_may_manage(actor, target)
    if target.is_bot:
        lifecycle.reactivate(session, target, actor_id=actor.id)
    else:
        accounts.reactivate(session, target, actor_id=actor.id)


def reset_second_factor(session: Session, actor: Actor, person: User) -> bool:
    """Remove a person's authenticator app and recovery codes when they lost them (their
    keys stay as they are); False when they had none. Not one's own: that is Remove, with
    the password and a code, in Account & privacy."""
    check_may_manage(actor, person)
    if person.is_bot:
        raise roles.RoleRefused(_("Bots have no second factor."))
    if person.id == actor.id:
        raise roles.RoleRefused(
            _("Remove your own authenticator app in Account & privacy, with a code.")
        )
    return enrolment.reset(session, person, actor_id=actor.id)


def transfer(session: Session, actor: Actor, bot: User, new_owner_id: int) -> bool:
    """An administrator's act: give ``bot`` to another active person at once, with new keys
    (bot_ownership.transfer). Giving a bot to an owner is acting on that owner."""
    check_may_manage(actor, bot)
    receiver = session.get(User, new_owner_id) if storable_id(new_owner_id) else None
    if receiver is not None:
        check_may_manage(actor, receiver)
    return ownership.transfer(session, bot, new_owner_id, actor_id=actor.id)


def regenerate_bot_key(session: Session, actor: Actor, bot: User) -> None:
    """A new primary key for ``bot``, the old one dead at once; audited, its owner told."""
    check_may_manage(actor, bot)
    primary.regenerate(session, bot, actor_id=actor.id)


def keys_of(session: Session, actor: Actor, target: User) -> list[named.KeySummary]:
    """The live keys of a person or bot ``actor`` manages (named.live_keys: never their
    text, and no decoys: those are their person's to know of)."""
    check_may_manage(actor, target)
    return named.live_keys(session, target.id)


def key_usage(
    session: Session, actor: Actor, target: User, key_id: int, *, days: int = usage_history.DAYS
) -> usage_history.Usage:
    """The usage of a live key (not a decoy) of a person or bot ``actor`` manages;
    usage_history.NoSuchKey when ``target`` has no such key."""
    check_may_manage(actor, target)
    return usage_history.of_key(session, target.id, key_id, days=days, decoy=False)


def pause_key(
    session: Session,
    actor: Actor,
    target: User,
    key_id: int,
    *,
    paused: bool,
    caller: restrictions.Caller | None = None,
) -> ApiKey:
    """Pause or resume a key of a person or bot ``actor`` manages, as its owner can
    (restrictions.change: audited with the administrator as actor, and told to the key's
    person); named.NoSuchKey when ``target`` has no such live key."""
    check_may_manage(actor, target)
    wanted = restrictions.Change(paused=paused)
    return restrictions.change(
        session, target, key_id, wanted, actor_id=actor.id, caller=caller or restrictions.Caller()
    )


def revoke_other_keys(session: Session, actor: Actor, bot: User) -> int:
    """Revoke every named key of ``bot`` (and a rolled key in its overlap), each audited;
    its primary key keeps working. How many were revoked."""
    check_may_manage(actor, bot)
    revoked = 0
    for summary in named.live_keys(session, bot.id):
        if summary.kind == "primary":
            continue
        try:
            named.revoke(session, bot, summary.id, actor_id=actor.id)
        except named.NoSuchKey:
            continue  # revoked meanwhile: it is gone either way
        revoked += 1
    return revoked


@db.unit_of_work
def reveal_bot_key(session: Session, actor: Actor, bot: User) -> str | None:
    """Decrypt ``bot``'s primary key for an administrator, as Zulip lets them: its own audit
    event, and its owner told by email whoever they are. None if the bot has no key."""
    check_may_manage(actor, bot)
    record = primary.active_key(session, bot.id)
    if record is None:
        return None
    key = keystore().decrypt(record.ciphertext)
    audit.record(
        session,
        "bot_key_revealed_by_admin",
        actor_id=actor.id,
        subject_user_id=bot.id,
        detail={"key_hint": record.hint},
    )
    administrator = session.get_one(User, actor.id)
    notices.bot_key_revealed_by_admin(session, bot, administrator=administrator, record=record)
    return key


def update_bot(
    session: Session,
    actor: Actor,
    bot: User,
    full_name: str | None,
    owner_id: int | None,
) -> Handover:
    """Rename ``bot`` and/or give it to ``owner_id``, as its owner or an administrator (each
    change audited). The bot's own owner offers it (bot_offers.offer: it changes hands when
    the person accepts); an administrator acting on someone else's bot transfers it at once.
    The name is checked first, so that a refused request changes nothing. Raises
    bots.InvalidBot, roles.RoleRefused."""
    check_may_manage(actor, bot)
    if full_name is not None:
        lifecycle.clean_full_name(full_name)
    outcome: Handover = None
    if owner_id is not None and bot.bot_owner_id == actor.id:
        outcome = "offered" if offers.offer(session, bot, owner_id, actor_id=actor.id) else None
    elif owner_id is not None:
        outcome = "transferred" if transfer(session, actor, bot, owner_id) else None
    if full_name is not None:
        ownership.rename(session, bot, full_name, actor_id=actor.id)
    return outcome
