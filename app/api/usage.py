"""A key's usage as JSON (app/keys/usage_history.py): for the person who holds it, for the
owner of the bot that holds it, and for an administrator who manages its holder. Never a
key's text; only counts, routes, networks and scopes."""

from typing import Any

from werkzeug.wrappers import Response

from app.api import bp, params
from app.api.auth import require_admin, require_key
from app.api.bots import owned_or_404
from app.api.keys import human
from app.api.responses import ApiError, success
from app.api.users import actor_of, reachable
from app.core import db
from app.core.i18n import gettext as _
from app.keys import scopes, usage_history
from app.keys.verification import Principal
from app.organization import administration
from app.people import roles


@bp.get("/users/me/keys/<int:key_id>/usage")
@require_key(scopes.KEYS_READ)
def own_key_usage(principal: Principal, key_id: int) -> Response:
    return _usage(principal, human(principal).id, key_id)


@bp.get("/bots/<int:bot_id>/keys/<int:key_id>/usage")
@require_key(scopes.KEYS_READ)
def bot_key_usage(principal: Principal, bot_id: int, key_id: int) -> Response:
    return _usage(principal, owned_or_404(human(principal), bot_id).id, key_id)


@bp.get("/users/<int:user_id>/keys/<int:key_id>/usage")
@require_admin(scopes.ORGANIZATION_ADMIN)
def user_key_usage(principal: Principal, user_id: int, key_id: int) -> Response:
    """The usage of a key (not a decoy) of a person or bot the administrator manages."""
    actor = actor_of(principal)
    target = reachable(actor, user_id)
    days = _days()
    try:
        usage = administration.key_usage(db.session(), actor, target, key_id, days=days)
    except roles.RoleRefused as refused:
        raise ApiError(400, refused.message) from None
    except usage_history.NoSuchKey:
        raise ApiError(404, _("No such key")) from None
    return success(**usage_json(usage))


def _days() -> int:
    return params.optional_integer("days", 1, usage_history.MAX_DAYS) or usage_history.DAYS


def _usage(principal: Principal, holder_id: int, key_id: int) -> Response:
    """A decoy's usage (its sightings) only for the primary key, as the decoy list: a
    named key or a token that leaked must not tell a thief which key ids are traps."""
    days, decoy = _days(), principal.key_kind == "primary"
    try:
        usage = usage_history.of_key(db.session(), holder_id, key_id, days=days, decoy=decoy)
    except usage_history.NoSuchKey:
        raise ApiError(404, _("No such key")) from None
    return success(**usage_json(usage))


def usage_json(usage: usage_history.Usage) -> dict[str, Any]:
    return {
        "key_id": usage.key.id,
        "days": [
            {"date": day.day.isoformat(), "accepted": day.accepted, "refused": day.refused}
            for day in usage.days
        ],
        "accepted": usage.accepted,
        "refused": usage.refused,
        "routes": [{"route": route, "calls": calls} for route, calls in usage.routes],
        "networks": [{"network": network, "calls": calls} for network, calls in usage.networks],
        "scopes": [{"scope": scope, "calls": calls} for scope, calls in usage.scopes],
    }
