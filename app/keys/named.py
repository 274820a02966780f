"""Named keys: up to MAX_NAMED_KEYS per user or bot beside the primary key, each with an
optional expiry, shown once at creation and revoked one at a time. Also the list of a
holder's live keys (primary, named, and rolled keys still in their overlap), which never
holds key text. No web code here.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from flask import current_app
from flask_babel import ngettext
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from app.core import audit, clock, db
from app.core.i18n import gettext as _
from app.core.models import ApiKey, Holder, User, storable_id
from app.core.refusals import FieldRefused
from app.keys import budgets, last_use, networks, scopes, staleness
from app.keys.store import keystore
from app.keys.verification import KeyKind
from app.notifications import notices
from app.organization import policies
from app.people import identities
from app.people.factors import policy as factor_policy
from keyfob_client import keyformat

NAME_MAX = 50
LIFETIME_CHOICES_DAYS = (30, 90, 365)
LATEST_EXPIRY_DAYS = 36500  # a century: later dates are typos, not intentions


class InvalidNamedKey(FieldRefused):
    """A named key cannot be made as asked; ``field`` names the input at fault."""


class NoSuchKey(Exception):
    """No live key of this holder has that id."""


class PrimaryKeyNotRevocable(NoSuchKey):
    """The id is the holder's current primary key, which is replaced (regenerated), never
    revoked alone. A NoSuchKey too, so a caller that need not tell them apart can catch one."""


@dataclass(frozen=True)
class KeySummary:
    """One row of a key list: never the key, only its last four characters."""

    id: int
    kind: KeyKind
    name: str | None
    hint: str
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    last_used_ip: str | None
    last_used_user_agent: str | None
    scopes: tuple[str, ...]  # what the key may do (app/keys/scopes.py), by name
    every_scope: bool  # all a key of its kind may have: the pages say so rather than list them
    allowed_networks: tuple[str, ...]  # where it may be used from; empty: anywhere
    paused_at: datetime | None
    rate_limit_per_minute: int | None  # its request budget (app/keys/budgets.py); None: none
    # The organization's stale_key_days when the key has gone that long unused
    # (app/keys/staleness.py), for the lists to mark it; None: not stale.
    stale_days: int | None = None

    def expired(self, now: datetime) -> bool:
        return self.expires_at is not None and self.expires_at <= now


def clean_name(name: str) -> str:
    """The name with surrounding spaces removed, under the same rules as a bot's name."""
    cleaned = name.strip()
    if not cleaned:
        raise InvalidNamedKey("name", _("Enter a name for the key."))
    if len(cleaned) > NAME_MAX:
        raise InvalidNamedKey("name", _("Use at most 50 characters."))
    try:  # one line, one script a word, something to see: as every name
        return identities.clean_display_name(cleaned)
    except identities.InvalidIdentity as problem:
        raise InvalidNamedKey("name", problem.message) from None


def max_lifetime_days(session: Session) -> int | None:
    """The organization's longest key lifetime (app/organization/policies.py), or None when
    new keys may live for ever (the policy is 0)."""
    days = policies.current(session).max_key_lifetime_days
    return days if days > 0 else None


def expiry_in_days(days: int) -> datetime:
    """The moment a key made now with a lifetime of ``days`` expires."""
    if not 0 < days <= LATEST_EXPIRY_DAYS:
        raise InvalidNamedKey("expires", _("Choose a lifetime of 1 to 36500 days."))
    return clock.now() + timedelta(days=days)


def expiry_on(day: date) -> datetime:
    """A key that expires "on" a date works through that whole day (UTC)."""
    if day >= date.max:  # no day after it to end on; far beyond any lifetime allowed anyway
        days = LATEST_EXPIRY_DAYS
        raise InvalidNamedKey("expires", _("Keys must expire within %(days)d days.", days=days))
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=UTC)


def check_expiry(session: Session, expires_at: datetime | None) -> None:
    """InvalidNamedKey unless ``expires_at`` is in the future and within the lifetime cap."""
    now, cap = clock.now(), max_lifetime_days(session)
    if expires_at is None:
        if cap is not None:
            raise InvalidNamedKey("expires", _("Keys must expire within %(days)d days.", days=cap))
        return
    if expires_at <= now:
        raise InvalidNamedKey("expires", _("Choose an expiry in the future."))
    latest = now + timedelta(days=cap if cap is not None else LATEST_EXPIRY_DAYS)
    if expires_at > latest:
        days = cap if cap is not None else LATEST_EXPIRY_DAYS
        raise InvalidNamedKey("expires", _("Keys must expire within %(days)d days.", days=days))


@db.unit_of_work
def create(
    session: Session,
    holder: Holder,
    name: str,
    expires_at: datetime | None,
    *,
    actor_id: int,
    requested_scopes: Iterable[object] | None = None,
    allowed_networks: Iterable[object] = (),
    rate_limit_per_minute: object = None,
) -> tuple[ApiKey, str]:
    """A new named key for ``holder`` and its text (to show once); audited and committed.
    It holds ``requested_scopes`` (app/keys/scopes.py), or, when None, every scope a named
    key may be given today (written out: a scope added later is not given to it), and
    works only from ``allowed_networks`` (app/keys/networks.py) when any are given, within
    a budget of ``rate_limit_per_minute`` requests a minute when one is (app/keys/budgets.py).
    Raises SecondFactorRequired when the organization's policy asks the actor for a second
    factor they have not added (app/people/factors/policy.py)."""
    factor_policy.require(session, actor_id)
    cleaned = clean_name(name)
    chosen = _chosen_scopes(requested_scopes)
    try:
        limited_to = networks.check(allowed_networks)
        budget = budgets.check(rate_limit_per_minute)
    except (networks.InvalidNetworks, budgets.InvalidBudget) as problem:
        raise InvalidNamedKey(problem.field, problem.message) from None
    check_expiry(session, expires_at)
    db.lock_holder(session, holder)  # the checks below hold until commit
    retire_expired_namesake(session, holder.id, cleaned)
    check_room(session, holder.id, cleaned)
    key = keyformat.generate(keyformat.BOT_PREFIX if holder.is_bot else keyformat.USER_PREFIX)
    record = ApiKey(
        user_id=holder.id,
        name=cleaned,
        created_at=clock.now(),
        expires_at=expires_at,
        scopes=scopes.stored(chosen),
        allowed_networks=networks.stored(limited_to),
        rate_limit_per_minute=budget,
        **keystore().stored_form(key),
    )
    session.add(record)
    session.flush()
    audit.record(
        session,
        "named_key_created",
        actor_id=actor_id,
        subject_user_id=holder.id,
        detail={
            "key_name": cleaned,
            "key_hint": record.hint,
            "scopes": sorted(chosen),
            "allowed_networks": list(limited_to),
            "rate_limit_per_minute": budget,
        },
    )
    notices.key_created(session, session.get_one(User, holder.id), actor_id=actor_id, record=record)
    return record, key


@db.unit_of_work
def revoke(session: Session, holder: Holder, key_id: int, *, actor_id: int) -> None:
    """Revoke one named key, or a rolled key before its overlap ends; NoSuchKey otherwise
    (PrimaryKeyNotRevocable for the current primary key).
    The others keep working. Audited and committed."""
    db.lock_holder(session, holder)
    if not storable_id(key_id):
        raise NoSuchKey()
    record = session.scalar(
        select(ApiKey).where(
            ApiKey.id == key_id,
            ApiKey.user_id == holder.id,
            ApiKey.revoked_at.is_(None),
            ApiKey.decoy.is_(False),  # listed apart, and removed apart (app/keys/decoys.py)
        )
    )
    if record is None:
        raise NoSuchKey()
    if record.name is None and record.superseded_at is None:
        raise PrimaryKeyNotRevocable()
    record.revoked_at = clock.now()
    audit.record(
        session,
        "api_key_revoked",
        actor_id=actor_id,
        subject_user_id=holder.id,
        detail={"key_name": record.name, "key_hint": record.hint},
    )


def live_keys(session: Session, holder_id: int) -> list[KeySummary]:
    """The holder's unrevoked keys: the primary first, then the others, newest first.
    Rolled keys whose overlap has ended are left out: they are dead and were never named.
    Decoys are listed apart (app/keys/decoys.py)."""
    now = clock.now()
    last_use.write_pending()
    records = session.scalars(
        select(ApiKey)
        .where(ApiKey.user_id == holder_id, ApiKey.revoked_at.is_(None), ApiKey.decoy.is_(False))
        .order_by(ApiKey.created_at.desc(), ApiKey.id.desc())
    )
    before, days = staleness.cutoff(session)
    summaries = [
        summarize(record, stale_days=days if staleness.is_stale(record, before) else None)
        for record in records
    ]
    return sorted(
        (s for s in summaries if not (s.kind == "rolled" and s.expired(now))),
        key=lambda summary: summary.kind != "primary",
    )


def summarize(record: ApiKey, *, stale_days: int | None = None) -> KeySummary:
    """What a list shows of one key (``stale_days``: see KeySummary)."""
    kind: KeyKind = (
        "named" if record.name else "rolled" if record.superseded_at is not None else "primary"
    )
    held = scopes.held(
        scopes.read(record.scopes), primary=kind == "primary", config=current_app.config
    )
    every = held == scopes.held(None, primary=kind == "primary", config=current_app.config)
    return KeySummary(
        record.id,
        kind,
        record.name,
        record.hint,
        record.created_at,
        record.expires_at,
        record.last_used_at,
        record.last_used_ip,
        record.last_used_user_agent,
        tuple(held),
        every,
        tuple(networks.shown(networks.read(record.allowed_networks))),
        record.paused_at,
        record.rate_limit_per_minute,
        stale_days,
    )


def _chosen_scopes(requested: Iterable[object] | None) -> frozenset[str]:
    config = current_app.config
    if requested is None:
        return frozenset(scopes.grantable(config))
    try:
        return scopes.check_requested(requested, config)
    except scopes.InvalidScopes as problem:
        raise InvalidNamedKey(problem.field, problem.message) from None


def retire_expired_namesake(session: Session, holder_id: int, name: str) -> None:
    """An expired key gives up its name: it no longer works, so the name is free again."""
    session.execute(
        update(ApiKey)
        .where(
            ApiKey.user_id == holder_id,
            ApiKey.name == name,
            ApiKey.revoked_at.is_(None),
            ApiKey.expires_at <= clock.now(),
        )
        .values(revoked_at=ApiKey.expires_at)
    )


def check_room(session: Session, holder_id: int, name: str, *, decoy: bool = False) -> None:
    """InvalidNamedKey if a live key of the holder has this name (a decoy's too: a name
    tells all of them apart), or the holder has as many named keys (``decoy``: decoys) as
    the configuration allows."""
    live = select(ApiKey).where(
        ApiKey.user_id == holder_id, ApiKey.revoked_at.is_(None), ApiKey.name.is_not(None)
    )
    if session.scalar(live.where(ApiKey.name == name).with_only_columns(ApiKey.id)):
        raise InvalidNamedKey("name", _("A key with this name already exists."))
    unexpired = live.where(
        ApiKey.decoy.is_(decoy),
        ApiKey.expires_at.is_(None) | (ApiKey.expires_at > clock.now()),
    )
    count = session.scalar(unexpired.with_only_columns(func.count()))
    limit = int(current_app.config["MAX_DECOY_KEYS" if decoy else "MAX_NAMED_KEYS"])
    if (count or 0) >= limit:
        if decoy:
            message = ngettext(
                "You already have %(num)d decoy key, the most allowed.",
                "You already have %(num)d decoy keys, the most allowed.",
                limit,
            )
        else:
            message = ngettext(
                "You already have %(num)d named key, the most allowed.",
                "You already have %(num)d named keys, the most allowed.",
                limit,
            )
        raise InvalidNamedKey("limit", message)


def working(session: Session, holder_id: int, key_id: int, *, decoy: bool = False) -> ApiKey | None:
    """The holder's named key (``decoy``: decoy) ``key_id`` if it is live (not revoked, not
    expired)."""
    if not storable_id(key_id):
        return None
    return session.scalar(
        select(ApiKey).where(
            ApiKey.id == key_id,
            ApiKey.user_id == holder_id,
            ApiKey.name.is_not(None),
            ApiKey.decoy.is_(decoy),
            ApiKey.revoked_at.is_(None),
            ApiKey.expires_at.is_(None) | (ApiKey.expires_at > clock.now()),
        )
    )
