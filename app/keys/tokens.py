"""Short-lived tokens: a key exchanged for a credential that lives minutes, not months.

A CI job or a deploy step carries a token rather than the key: it dies on its own within
TOKEN_MAX_TTL_SECONDS (an hour unless set). A token is in Keyfob's key format with its own
prefix (``kft_``), is shown once and kept as its digest alone, and authenticates wherever a
key does (the API and the forward-auth check, with the same guess limit and answers).

It never outlives or outranks the key that minted it. Its row is read together with that
key's in one statement (app/keys/store.py), so on the very next request after the key is
revoked, rolled, paused or expired, or its holder deactivated, the token fails too; its
scopes are at most the key's (checked when minted, and intersected with the key's on every
check, should the key's narrow later), its networks and request budget are the key's own.
A token cannot mint tokens or manage keys and bots (the faces refuse it as they refuse a
named key). Pausing a key ends its tokens for good: a resumed key does not bring back the
tokens a thief may have minted while it was out.

Tokens are listed under their key (never their text), and revoked one at a time.
No web code here.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import Flask, current_app
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from app.core import audit, clock, db
from app.core.i18n import gettext as _
from app.core.models import ApiKey, ApiToken, Holder, storable_id
from app.core.refusals import FieldRefused, Refused
from app.keys import last_use, scopes
from app.keys.store import keystore
from app.keys.verification import Principal
from keyfob_client import keyformat

DEFAULT_TTL_SECONDS = 900  # fifteen minutes, when the caller does not say
# What a token may never hold: a token cannot manage keys, bots or the organization, and
# cannot mint tokens of its own.
NEVER_HELD = scopes.PRIMARY_ONLY | {scopes.TOKENS_WRITE}


class InvalidToken(FieldRefused):
    """A token cannot be minted as asked; ``field`` names the input at fault (``ttl``,
    ``scopes``, or ``limit`` when the key has as many as it may)."""


class CannotMint(Refused):
    """This kind of credential mints no tokens: a token, or a key replaced by a roll."""


class NoSuchToken(Exception):
    """No live token of this holder has that id."""


@dataclass(frozen=True)
class TokenSummary:
    """One row of a key's tokens: never the token, only its last four characters."""

    id: int
    key_id: int
    hint: str
    scopes: tuple[str, ...]
    created_at: datetime
    expires_at: datetime
    last_used_at: datetime | None
    last_used_ip: str | None


def init_app(app: Flask) -> None:
    """Check the token settings at start: a bad value stops the app with a clear message."""
    for name in ("TOKEN_MAX_TTL_SECONDS", "MAX_TOKENS_PER_KEY"):
        value = app.config[name]
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise RuntimeError(f"{name} must be a whole number of at least 1")


def longest_ttl(config: Mapping[str, Any]) -> int:
    return int(config["TOKEN_MAX_TTL_SECONDS"])


@db.unit_of_work
def mint(
    session: Session,
    principal: Principal,
    *,
    ttl_seconds: int | None = None,
    requested_scopes: Iterable[object] | None = None,
) -> tuple[ApiToken, str]:
    """A new token minted by the key ``principal`` authenticated with, and its text (to show
    once); audited and committed. It holds ``requested_scopes`` (at most the key's, never
    NEVER_HELD), or, when None, all the key's it may; it expires after ``ttl_seconds`` (at
    most TOKEN_MAX_TTL_SECONDS; DEFAULT_TTL_SECONDS when None), or with its key if sooner."""
    if principal.key_kind not in ("primary", "named"):
        raise CannotMint(_("A token or a replaced key cannot mint tokens; use the key itself"))
    chosen = _chosen_scopes(principal, requested_scopes)
    now = clock.now()
    expires_at = now + timedelta(seconds=_checked_ttl(ttl_seconds))
    if principal.key_expires_at is not None and principal.key_expires_at < expires_at:
        expires_at = principal.key_expires_at
    db.lock_holder(session, principal)  # the count below holds until commit
    _check_room(session, principal.key_id, now)
    token = keyformat.generate(keyformat.TOKEN_PREFIX)
    record = ApiToken(
        key_id=principal.key_id,
        user_id=principal.user_id,
        digest=keystore().digest(token),
        hint=token[-4:],
        scopes=scopes.stored(chosen),
        created_at=now,
        expires_at=expires_at,
    )
    session.add(record)
    session.flush()
    key = session.get_one(ApiKey, principal.key_id)
    audit.record(
        session,
        "api_token_minted",
        actor_id=principal.user_id,
        subject_user_id=principal.user_id,
        detail={
            "key_name": key.name,
            "key_hint": key.hint,
            "token_hint": record.hint,
            "scopes": sorted(chosen),
            "expires_at": expires_at.isoformat(),
        },
    )
    return record, token


def _checked_ttl(ttl_seconds: int | None) -> int:
    longest = longest_ttl(current_app.config)
    if ttl_seconds is None:
        return min(DEFAULT_TTL_SECONDS, longest)
    if not 1 <= ttl_seconds <= longest:
        raise InvalidToken("ttl", _("Choose a lifetime of 1 to %(most)d seconds.", most=longest))
    return ttl_seconds


def _chosen_scopes(principal: Principal, requested: Iterable[object] | None) -> frozenset[str]:
    config = current_app.config
    held = scopes.held(principal.scopes, primary=principal.key_kind == "primary", config=config)
    mintable = frozenset(held) - NEVER_HELD
    if requested is None:
        if not mintable:
            raise InvalidToken("scopes", _("This key holds no scope a token may have."))
        return mintable
    chosen = set()
    for name in requested:
        shown = name if isinstance(name, str) else repr(name)
        if not isinstance(name, str) or name not in mintable:
            reason = (
                _("A token cannot have %(name)s", name=shown[:80])
                if name in NEVER_HELD
                else _("This key does not hold %(name)s", name=shown[:80])
            )
            raise InvalidToken("scopes", reason)
        chosen.add(name)
    if not chosen:
        raise InvalidToken("scopes", _("Choose at least one scope."))
    return frozenset(chosen)


def _check_room(session: Session, key_id: int, now: datetime) -> None:
    live = session.scalar(
        select(func.count())
        .select_from(ApiToken)
        .where(ApiToken.key_id == key_id, ApiToken.revoked_at.is_(None), ApiToken.expires_at > now)
    )
    most = int(current_app.config["MAX_TOKENS_PER_KEY"])
    if (live or 0) >= most:
        raise InvalidToken(
            "limit",
            _(
                "This key has %(most)d unexpired tokens, the most allowed; revoke some or wait.",
                most=most,
            ),
        )


@db.unit_of_work
def revoke(session: Session, holder: Holder, token_id: int, *, actor_id: int) -> None:
    """Revoke one live token of ``holder``'s keys; NoSuchToken otherwise. Audited."""
    db.lock_holder(session, holder)
    record = _live(session, holder.id, token_id)
    if record is None:
        raise NoSuchToken()
    record.revoked_at = clock.now()
    key = session.get_one(ApiKey, record.key_id)
    audit.record(
        session,
        "api_token_revoked",
        actor_id=actor_id,
        subject_user_id=holder.id,
        detail={"key_name": key.name, "key_hint": key.hint, "token_hint": record.hint},
    )


def _live(session: Session, holder_id: int, token_id: int) -> ApiToken | None:
    if not storable_id(token_id):
        return None
    return session.scalar(
        select(ApiToken).where(
            ApiToken.id == token_id,
            ApiToken.user_id == holder_id,
            ApiToken.revoked_at.is_(None),
            ApiToken.expires_at > clock.now(),
        )
    )


def end_all(session: Session, key_id: int) -> int:
    """Revoke every live token ``key_id`` minted, in the caller's transaction (a pause:
    app/keys/restrictions.py); how many there were."""
    ended = session.execute(
        update(ApiToken)
        .where(ApiToken.key_id == key_id, ApiToken.revoked_at.is_(None))
        .where(ApiToken.expires_at > clock.now())
        .values(revoked_at=clock.now())
    )
    return int(ended.rowcount)  # type: ignore[attr-defined]


def live_by_key(session: Session, holder_id: int) -> dict[int, list[TokenSummary]]:
    """The holder's working tokens, newest first, by the id of the key that minted them.
    Tokens of a key that no longer works as their parent (revoked, rolled, paused) are
    dead, and left out with it."""
    now = clock.now()
    last_use.write_pending()
    rows = session.execute(
        select(ApiToken, ApiKey.scopes)
        .join(ApiKey, ApiKey.id == ApiToken.key_id)
        .where(
            ApiToken.user_id == holder_id,
            ApiToken.revoked_at.is_(None),
            ApiToken.expires_at > now,
            ApiKey.revoked_at.is_(None),
            ApiKey.superseded_at.is_(None),
            ApiKey.paused_at.is_(None),
        )
        .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
    )
    found: dict[int, list[TokenSummary]] = {}
    for record, key_scopes in rows:
        found.setdefault(record.key_id, []).append(_summary(record, key_scopes))
    return found


def _summary(record: ApiToken, key_scopes: str | None) -> TokenSummary:
    held = scopes.read(record.scopes) or frozenset()
    bound = scopes.read(key_scopes)
    return TokenSummary(
        record.id,
        record.key_id,
        record.hint,
        tuple(sorted(held if bound is None else held & bound)),
        record.created_at,
        record.expires_at,
        record.last_used_at,
        record.last_used_ip,
    )
