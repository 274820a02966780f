"""Bots: created, listed, deactivated and reactivated by their owner. No web code here.

A bot is a User with is_bot set and an owner, so the one key-authentication path serves
humans and bots alike.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import ngettext
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.bots import types
from app.core import audit, db
from app.core.i18n import gettext as _
from app.core.models import ApiKey, Holder, User, storable_id
from app.core.refusals import FieldRefused
from app.keys import last_use, primary
from app.notifications import notices
from app.organization import policies
from app.people import identities, roles
from app.people.factors import policy as factor_policy

USERNAME = re.compile(r"[a-z0-9-]{1,40}")
# Short enough that the longest username still makes an email of at most 254 characters.
DOMAIN = re.compile(r"(?=.{1,200}$)[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*")
FULL_NAME_MAX = 100


class InvalidBot(FieldRefused):
    """A bot cannot be created, changed or reactivated; ``field`` names the input at fault."""


@dataclass(frozen=True)
class BotSummary:
    """One row of the bots list: never the key, only its last four characters."""

    id: int
    full_name: str
    email: str
    is_active: bool
    bot_type: int
    created_at: datetime
    key_hint: str | None
    key_created_at: datetime | None
    last_used_at: datetime | None


def clean_full_name(full_name: str) -> str:
    """A bot's name, made or renamed: a person's rules (identities.clean_display_name: one
    line, one script a word, something to see), with the bot's own messages for a blank or
    long one."""
    name = full_name.strip()
    if not name:
        raise InvalidBot("full_name", _("Enter a name for the bot."))
    if len(name) > FULL_NAME_MAX:
        raise InvalidBot("full_name", _("Use at most 100 characters."))
    try:
        return identities.clean_display_name(name)
    except identities.InvalidIdentity as problem:
        raise InvalidBot("full_name", problem.message) from None


def clean_username(username: str) -> str:
    name = username.strip()
    if not USERNAME.fullmatch(name):
        raise InvalidBot(
            "username",
            _("Use 1 to 40 lower-case letters, digits and hyphens."),
        )
    return name


def email_domain(config: Mapping[str, Any]) -> str:
    """BOT_EMAIL_DOMAIN when set, else SITE_URL's host, else localhost: never the request's.

    A Host header must not choose a bot's address (``ceo-bot@victim-corp.example``, or an
    address at someone else's domain that its owner could then no longer register). A
    domain that is not a plain DNS name, an IP address included, falls back to localhost.
    """
    site_host = urlsplit(config["SITE_URL"]).hostname if config["SITE_URL"] else None
    domain = str(config["BOT_EMAIL_DOMAIN"] or site_host or "").lower()
    # A last label of digits is no DNS name (127.0.0.1 would make deploy-bot@127.0.0.1).
    if not DOMAIN.fullmatch(domain) or domain.rpartition(".")[2].isdigit():
        return "localhost"
    return domain


@db.unit_of_work
def create(
    session: Session,
    owner: Holder,
    full_name: str,
    username: str,
    bot_type: int = types.GENERIC,
) -> tuple[User, str]:
    """A new bot of ``bot_type`` for ``owner`` with its first key, within the
    organization's bot policies; audited and committed. Raises InvalidBot, or
    SecondFactorRequired (the organization's second-factor policy)."""
    if owner.is_bot:
        raise InvalidBot("owner", _("Bots cannot own bots."))
    if bot_type not in types.LABELS:
        raise InvalidBot("bot_type", _("Choose one of the offered bot types."))
    factor_policy.require(session, owner.id)
    name, short_name = clean_full_name(full_name), clean_username(username)
    db.lock_for_write(session, User, [owner.id])  # the count below holds until the commit
    _check_may_create(session, owner.id)
    email = f"{short_name}-bot@{email_domain(current_app.config)}"
    if session.scalar(select(User.id).where(User.email == email)) is not None:
        raise InvalidBot("username", _("A bot or user with this email already exists."))
    check_room(session, owner.id)
    bot = User(email=email, full_name=name, is_bot=True, bot_owner_id=owner.id, bot_type=bot_type)
    session.add(bot)
    try:
        session.flush()
    except IntegrityError:  # the same email, created by a concurrent request
        raise InvalidBot("username", _("A bot or user with this email already exists.")) from None
    key = primary.mint(session, bot)
    audit.record(session, "bot_created", actor_id=owner.id, subject_user_id=bot.id)
    record = primary.active_key(session, bot.id)
    assert record is not None  # just minted
    notices.bot_created(session, bot, actor_id=owner.id, record=record)
    return bot, key


def owned(session: Session, owner_id: int, bot_id: int) -> User | None:
    """The bot if ``owner_id`` owns it; None alike for another's bot, a human, or no one."""
    if not storable_id(bot_id):
        return None
    return session.scalar(
        select(User).where(User.id == bot_id, User.is_bot, User.bot_owner_id == owner_id)
    )


def summaries(session: Session, owner_id: int) -> list[BotSummary]:
    """Every bot of the owner with its key's hint and times: one query, however many bots."""
    last_use.write_pending()
    rows = session.execute(
        select(User, ApiKey.hint, ApiKey.created_at, ApiKey.last_used_at)
        .outerjoin(
            ApiKey,
            (ApiKey.user_id == User.id) & ApiKey.is_primary(),
        )
        .where(User.bot_owner_id == owner_id)
        .order_by(func.lower(User.full_name), User.id)
    )
    return [
        BotSummary(
            bot.id,
            bot.full_name,
            bot.email,
            bot.is_active,
            bot.bot_type or types.GENERIC,
            bot.created_at,
            hint,
            created,
            used,
        )
        for bot, hint, created, used in rows
    ]


@db.unit_of_work
def deactivate(session: Session, bot: User, *, actor_id: int) -> bool:
    """Deactivate the bot, audited and committed; False if it was inactive already."""
    db.lock_holder(session, bot)
    session.refresh(bot)  # its state as of the lock, not as of an earlier read
    if not bot.is_active:
        return False
    bot.is_active = False
    audit.record(session, "bot_deactivated", actor_id=actor_id, subject_user_id=bot.id)
    return True


@db.unit_of_work
def reactivate(session: Session, bot: User, *, actor_id: int) -> bool:
    """Reactivate with the same key, unless that would exceed the owner's bot limit (then
    InvalidBot); audited and committed. False if it was active already."""
    db.lock_holder(session, bot)
    session.refresh(bot)
    if bot.is_active:
        return False
    check_room(session, _owner_id(bot))
    bot.is_active = True
    audit.record(session, "bot_reactivated", actor_id=actor_id, subject_user_id=bot.id)
    return True


def _owner_id(bot: User) -> int:
    if bot.bot_owner_id is None:
        raise ValueError(f"user {bot.id} is not a bot")
    return bot.bot_owner_id


def _check_may_create(session: Session, owner_id: int) -> None:
    """InvalidBot when only administrators may create bots and the owner is not one."""
    if policies.current(session).bot_creation_policy != policies.ADMINS_ONLY:
        return
    if not roles.is_admin(session.get_one(User, owner_id).role):
        raise InvalidBot("owner", _("Only administrators may create bots in this organization."))


def check_room(session: Session, owner_id: int) -> None:
    """InvalidBot unless the owner is still active and has fewer active bots than the
    organization's policy allows. Read under the owner's lock: a request that queued behind
    the owner's deactivation must not bring a bot back to life after it."""
    if not session.scalar(select(User.is_active).where(User.id == owner_id)):
        raise InvalidBot("owner", _("This account is deactivated."))
    limit = policies.current(session).max_bots_per_user
    active = session.scalar(
        select(func.count()).where(User.bot_owner_id == owner_id, User.is_active)
    )
    if (active or 0) >= limit:
        message = ngettext(
            "You already have %(num)d active bot, the most allowed.",
            "You already have %(num)d active bots, the most allowed.",
            limit,
        )
        raise InvalidBot("limit", message)
