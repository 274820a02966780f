"""The organization's policies: who may create bots, how many bots a person may own, the
longest a new key may live, whether anyone may register, who must have a second factor, and
when an unused key is stale and whether a stale key expires.
The configuration file gives each one's default; an administrator's choice in the console is
a row that overrides it, audited. Every rule that depends on a policy reads it here. No web
code here.
"""

from dataclasses import dataclass, fields, replace
from typing import Any

from flask import Flask, current_app
from sqlalchemy import select
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.orm import Session

from app.core import audit, clock, db
from app.core.i18n import gettext as _
from app.core.models import OrganizationPolicy
from app.core.refusals import FieldRefused

EVERYONE = "everyone"
ADMINS_ONLY = "admins_only"
# Who must have a second factor (app/people/factors/policy.py): nobody, administrators
# (to administer, and to create keys or bots), or everyone who creates keys or bots.
NOBODY, ADMINISTRATORS, KEY_MAKERS = "nobody", "administrators", "key_makers"
SECOND_FACTOR_CHOICES = (NOBODY, ADMINISTRATORS, KEY_MAKERS)
MAX_BOTS_CEILING = 1000
MAX_LIFETIME_CEILING = 3650


@dataclass(frozen=True)
class Policies:
    bot_creation_policy: str  # EVERYONE or ADMINS_ONLY (Zulip's bot_creation_policy)
    max_bots_per_user: int
    max_key_lifetime_days: int  # 0: no cap
    registration_open: bool
    second_factor_required: str  # one of SECOND_FACTOR_CHOICES
    stale_key_days: int  # a key unused this long is stale: marked, and its owner told once
    stale_key_expiry_days: int  # 0: never; else a stale named key expires this long after


class InvalidPolicy(FieldRefused):
    """A policy's value is out of its range; ``field`` names the policy."""


def init_app(app: Flask) -> None:
    """Refuse a configured default that no console choice could have made."""
    if app.config["BOT_CREATION_POLICY"] not in (EVERYONE, ADMINS_ONLY):
        raise ValueError("BOT_CREATION_POLICY must be everyone or admins_only")
    if app.config["SECOND_FACTOR_REQUIRED"] not in SECOND_FACTOR_CHOICES:
        raise ValueError("SECOND_FACTOR_REQUIRED must be nobody, administrators or key_makers")
    for name in ("stale_key_days", "stale_key_expiry_days"):
        try:
            _check(name, app.config[name.upper()])
        except InvalidPolicy:
            least, most = _RANGES[name]
            raise ValueError(
                f"{name.upper()} must be a whole number from {least} to {most}"
            ) from None


def defaults() -> Policies:
    config = current_app.config
    return Policies(
        bot_creation_policy=str(config["BOT_CREATION_POLICY"]),
        max_bots_per_user=int(config["MAX_BOTS_PER_USER"]),
        max_key_lifetime_days=int(config["MAX_KEY_LIFETIME_DAYS"]),
        registration_open=bool(config["REGISTRATION_OPEN"]),
        second_factor_required=str(config["SECOND_FACTOR_REQUIRED"]),
        stale_key_days=int(config["STALE_KEY_DAYS"]),
        stale_key_expiry_days=int(config["STALE_KEY_EXPIRY_DAYS"]),
    )


def current(session: Session) -> Policies:
    """The policies in force: the configuration's, with the console's choices over them."""
    chosen = {row.name: row.value for row in session.scalars(select(OrganizationPolicy))}
    known = {field.name for field in fields(Policies)}
    return replace(defaults(), **{name: value for name, value in chosen.items() if name in known})


def for_display(session: Session) -> Policies:
    """The policies for a page that only shows something by them (the login page's "Create
    an account" link): the configured defaults when the database cannot be reached, so
    that such a page still renders through an outage. Never for enforcing a rule."""
    try:
        return current(session)
    except (OperationalError, InterfaceError, db.DatabaseUnavailable):
        session.rollback()
        return defaults()


@db.unit_of_work
def change(session: Session, wanted: dict[str, Any], *, actor_id: int) -> list[str]:
    """Set the policies in ``wanted`` (InvalidPolicy for a value out of its range), audited
    and committed; the names of those that changed."""
    checked = {name: _check(name, value) for name, value in wanted.items()}
    before = current(session)
    changed = {n: v for n, v in checked.items() if getattr(before, n) != v}
    for name, value in changed.items():
        row = session.get(OrganizationPolicy, name) or OrganizationPolicy(name=name)
        row.value, row.changed_at, row.changed_by = value, clock.now(), actor_id
        session.add(row)
    if changed:
        detail = {n: {"from": getattr(before, n), "to": v} for n, v in changed.items()}
        audit.record(
            session, "policy_changed", actor_id=actor_id, subject_user_id=None, detail=detail
        )
    return sorted(changed)


# The numbers a policy may be, both ends included.
_RANGES = {
    "max_bots_per_user": (0, MAX_BOTS_CEILING),
    "max_key_lifetime_days": (0, MAX_LIFETIME_CEILING),
    "stale_key_days": (1, MAX_LIFETIME_CEILING),
    "stale_key_expiry_days": (0, MAX_LIFETIME_CEILING),
}


def _check(name: str, value: Any) -> Any:
    if name == "bot_creation_policy" and value in (EVERYONE, ADMINS_ONLY):
        return value
    if name == "registration_open" and isinstance(value, bool):
        return value
    if name == "second_factor_required" and value in SECOND_FACTOR_CHOICES:
        return value
    if name in _RANGES and isinstance(value, int) and not isinstance(value, bool):
        least, most = _RANGES[name]
        if least <= value <= most:
            return value
        raise InvalidPolicy(
            name,
            _("Use a whole number from %(least)d to %(most)d.", least=least, most=most),
        )
    raise InvalidPolicy(name, _("Choose one of the offered values."))
