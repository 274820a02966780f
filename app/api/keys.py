"""The key endpoints: list, create and revoke the caller's keys, or (for their owner) a
bot's. Lists never hold key text; a new key is answered once, never cached."""

from typing import Any

from werkzeug.wrappers import Response

from app.api import bp, params
from app.api.auth import refuse_unless_primary, require_key
from app.api.bots import owned_or_404
from app.api.responses import ApiError, success, timestamp
from app.core import audit, db
from app.core.headers import no_store
from app.core.i18n import gettext as _
from app.core.models import Holder
from app.core.refusals import FieldRefused
from app.keys import budgets, named, networks, restrictions, scopes, tokens
from app.keys.verification import Principal

# The API's argument for each field a named_keys error names (None: no one argument).
_ARGUMENTS = {
    "name": "name",
    "expires": "expires_in_days",
    "scopes": "scopes",
    "allowed_networks": "allowed_networks",
    "paused": "paused",
    "rate_limit_per_minute": "rate_limit_per_minute",
}


@bp.get("/users/me/keys")
@require_key(scopes.KEYS_READ)
def list_own_keys(principal: Principal) -> Response:
    return _list(human(principal))


@bp.post("/users/me/keys")
@require_key(scopes.KEYS_WRITE)
def create_own_key(principal: Principal) -> Response:
    return _create(principal, human(principal))


@bp.delete("/users/me/keys/<int:key_id>")
@require_key(scopes.KEYS_WRITE)
def revoke_own_key(principal: Principal, key_id: int) -> Response:
    return _revoke(principal, human(principal), key_id)


@bp.patch("/users/me/keys/<int:key_id>")
@require_key(scopes.KEYS_WRITE)
def change_own_key(principal: Principal, key_id: int) -> Response:
    return _change(principal, human(principal), key_id)


@bp.get("/bots/<int:bot_id>/keys")
@require_key(scopes.KEYS_READ)
def list_bot_keys(principal: Principal, bot_id: int) -> Response:
    return _list(owned_or_404(human(principal), bot_id))


@bp.post("/bots/<int:bot_id>/keys")
@require_key(scopes.KEYS_WRITE)
def create_bot_key(principal: Principal, bot_id: int) -> Response:
    return _create(principal, owned_or_404(human(principal), bot_id))


@bp.delete("/bots/<int:bot_id>/keys/<int:key_id>")
@require_key(scopes.KEYS_WRITE)
def revoke_bot_key(principal: Principal, bot_id: int, key_id: int) -> Response:
    return _revoke(principal, owned_or_404(human(principal), bot_id), key_id)


@bp.patch("/bots/<int:bot_id>/keys/<int:key_id>")
@require_key(scopes.KEYS_WRITE)
def change_bot_key(principal: Principal, bot_id: int, key_id: int) -> Response:
    return _change(principal, owned_or_404(human(principal), bot_id), key_id)


def human(principal: Principal) -> Principal:
    """Only people manage keys: a bot's are its owner's to manage, so a leaked bot key
    cannot make itself more keys that outlive its regeneration."""
    if principal.is_bot:
        raise ApiError(403, _("A bot's keys are managed by its owner"))
    return principal


def _list(holder: Holder) -> Response:
    """The holder's live keys, each with the live tokens it minted (app/keys/tokens.py)."""
    session = db.session()
    minted = tokens.live_by_key(session, holder.id)
    listed = []
    for summary in named.live_keys(session, holder.id):
        its_tokens = minted.get(summary.id, [])
        listed.append({**summary_of(summary), "tokens": [token_summary(t) for t in its_tokens]})
    return success(keys=listed)


def _create(principal: Principal, holder: Holder) -> Response:
    refuse_unless_primary(principal)
    name = params.text("name")
    days = params.optional_integer("expires_in_days", 1, named.LATEST_EXPIRY_DAYS)
    requested_scopes = params.optional_list("scopes")
    allowed_networks = params.optional_list("allowed_networks") or []
    budget = params.optional_integer(budgets.FIELD, 0, budgets.MOST_PER_MINUTE)
    try:
        expires_at = None if days is None else named.expiry_in_days(days)
        record, key = named.create(
            db.session(),
            holder,
            name,
            expires_at,
            actor_id=principal.id,
            requested_scopes=requested_scopes,
            allowed_networks=allowed_networks,
            rate_limit_per_minute=budget,
        )
    except named.InvalidNamedKey as problem:
        raise refusal(problem) from None
    return no_store(success(api_key=key, **summary_of(named.summarize(record))))


def refusal(problem: FieldRefused) -> ApiError:
    argument = _ARGUMENTS.get(problem.field)
    if argument is None:
        return ApiError(400, problem.message)
    return ApiError(400, f"{argument}: {problem.message}", var_name=argument)


def _change(principal: Principal, holder: Holder, key_id: int) -> Response:
    """Restrict a live key, the primary key too: ``allowed_networks`` (a list; empty lifts
    the limit), ``paused`` (true or false) and/or ``rate_limit_per_minute`` (0 lifts it)."""
    refuse_unless_primary(principal)
    listed, paused = params.optional_list("allowed_networks"), params.optional_boolean("paused")
    budget = params.optional_integer(budgets.FIELD, 0, budgets.MOST_PER_MINUTE)
    caller = restrictions.Caller(principal.key_id, audit.request_client()[0])
    try:
        wanted = restrictions.Change(
            allowed_networks=None if listed is None else networks.check(listed),
            paused=paused,
            budget=budget,
        )
        record = restrictions.change(
            db.session(), holder, key_id, wanted, actor_id=principal.id, caller=caller
        )
    except (networks.InvalidNetworks, restrictions.LockedOut) as problem:
        raise refusal(problem) from None
    except named.NoSuchKey:
        raise ApiError(404, _("No such key")) from None
    return success(**summary_of(named.summarize(record)))


def _revoke(principal: Principal, holder: Holder, key_id: int) -> Response:
    refuse_unless_primary(principal)
    try:
        named.revoke(db.session(), holder, key_id, actor_id=principal.id)
    except named.PrimaryKeyNotRevocable:
        message = _("This is the primary key: regenerate it instead")
        raise ApiError(400, message, code="PRIMARY_KEY") from None
    except named.NoSuchKey:
        raise ApiError(404, _("No such key")) from None
    return success()


def summary_of(summary: named.KeySummary) -> dict[str, Any]:
    return {
        "id": summary.id,
        "kind": summary.kind,
        "name": summary.name,
        "key_hint": summary.hint,
        "created_at": timestamp(summary.created_at),
        "expires_at": timestamp(summary.expires_at),
        "last_used_at": timestamp(summary.last_used_at),
        "last_used_ip": summary.last_used_ip,
        "last_used_user_agent": summary.last_used_user_agent,
        "scopes": list(summary.scopes),
        "allowed_networks": list(summary.allowed_networks),
        "paused": summary.paused_at is not None,
        "rate_limit_per_minute": summary.rate_limit_per_minute,
        "stale": summary.stale_days is not None,
    }


def token_summary(summary: tokens.TokenSummary) -> dict[str, Any]:
    return {
        "id": summary.id,
        "token_hint": summary.hint,
        "scopes": list(summary.scopes),
        "created_at": timestamp(summary.created_at),
        "expires_at": timestamp(summary.expires_at),
        "last_used_at": timestamp(summary.last_used_at),
        "last_used_ip": summary.last_used_ip,
    }
