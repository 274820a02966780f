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

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import and_, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app import keys
from app.forms import has_control_characters
from app.models import ApiKey, User

USERNAME = re.compile(r"[a-z0-9-]{1,40}")
# Short enough that the longest username still makes an email of at most 254 characters.
DOMAIN = re.compile(r"(?=.{1,200}$)[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*")
FULL_NAME_MAX = 100
MAX_ID = 2**31 - 1


class InvalidBot(Exception):
    """A bot cannot be created or reactivated; ``field`` names the input at fault."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(field)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class BotSummary:
    """One row of the bots list: never the key, only its last four characters."""

    id: int
    full_name: str
    email: str
    is_active: bool
    created_at: datetime
    key_hint: str | None
    key_created_at: datetime | None
    last_used_at: datetime | None


def clean_full_name(full_name: str) -> str:
    name = full_name.strip()
    if not name:
        raise InvalidBot("full_name", _("Enter a name for the bot."))
    if len(name) > FULL_NAME_MAX:
        raise InvalidBot("full_name", _("Use at most 100 characters."))
    if has_control_characters(name):
        raise InvalidBot("full_name", _("Remove the control characters."))
    return name


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


def create(
    session: Session, owner: User, full_name: str, username: str, domain: str, limit: int
) -> tuple[User, str]:
    """A new bot for ``owner`` and its first key; the caller commits."""
    if owner.is_bot:
        raise InvalidBot("owner", _("Bots cannot own bots."))
    name, short_name = clean_full_name(full_name), clean_username(username)
    _lock(session, owner)
    email = f"{short_name}-bot@{domain}"
    if session.scalar(select(User.id).where(User.email == email)) is not None:
        raise InvalidBot("username", _("A bot or user with this email already exists."))
    _check_room(session, owner, limit)
    bot = User(email=email, full_name=name, is_bot=True, bot_owner_id=owner.id)
    session.add(bot)
    try:
        session.flush()
    except IntegrityError:  # the same email, created by a concurrent request
        raise InvalidBot("username", _("A bot or user with this email already exists.")) from None
    return bot, keys.mint(session, bot)


def owned(session: Session, owner_id: int, bot_id: int) -> User | None:
    """The bot if ``owner_id`` owns it; None alike for another's bot, a human, or no one."""
    if not 0 < bot_id <= MAX_ID:  # a number the database could not even store
        return None
    return session.scalar(
        select(User).where(User.id == bot_id, User.is_bot, User.bot_owner_id == owner_id)
    )


def summaries(session: Session, owner_id: int) -> list[BotSummary]:
    """Every bot of the owner with its key's hint and times: one query, however many bots."""
    rows = session.execute(
        select(User, ApiKey.hint, ApiKey.created_at, ApiKey.last_used_at)
        .outerjoin(ApiKey, and_(ApiKey.user_id == User.id, ApiKey.revoked_at.is_(None)))
        .where(User.bot_owner_id == owner_id)
        .order_by(func.lower(User.full_name), User.id)
    )
    return [
        BotSummary(
            bot.id, bot.full_name, bot.email, bot.is_active, bot.created_at, hint, created, used
        )
        for bot, hint, created, used in rows
    ]


def deactivate(bot: User) -> bool:
    """Deactivate; True if it was active (doing it twice is harmless)."""
    was_active = bot.is_active
    bot.is_active = False
    return was_active


def reactivate(session: Session, owner: User, bot: User, limit: int) -> bool:
    """Reactivate with the same key, unless that would exceed the owner's bot limit."""
    if bot.is_active:
        return False
    _lock(session, owner)
    _check_room(session, owner, limit)
    bot.is_active = True
    return True


def set_user_active(session: Session, user: User, active: bool) -> list[User]:
    """(De)activate a human; deactivation takes their bots with it, reactivation does not.

    Deactivation also ends the user's login sessions for good: reactivation does not
    bring an old session cookie back to life.
    """
    user.is_active = active
    if active:
        return []
    user.session_generation += 1
    bots = list(session.scalars(select(User).where(User.bot_owner_id == user.id, User.is_active)))
    for bot in bots:
        bot.is_active = False
    return bots


def _lock(session: Session, owner: User) -> None:
    # Serialises an owner's creations and reactivations, so the limit holds under races.
    session.execute(select(User.id).where(User.id == owner.id).with_for_update())


def _check_room(session: Session, owner: User, limit: int) -> None:
    active = session.scalar(
        select(func.count()).where(User.bot_owner_id == owner.id, User.is_active)
    )
    if (active or 0) >= limit:
        message = ngettext(
            "You already have %(num)d active bot, the most allowed.",
            "You already have %(num)d active bots, the most allowed.",
            limit,
        )
        raise InvalidBot("limit", message)
