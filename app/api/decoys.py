"""The decoy endpoints (app/keys/decoys.py): list, create and remove the caller's decoys, or
(for their owner) a bot's. Listed apart from the keys that work, and only to the primary
key, even to read: a stolen named key must not learn which of its person's keys are traps.
A new decoy is answered once, never cached."""

from typing import Any

from werkzeug.wrappers import Response

from app.api import bp, params
from app.api.auth import refuse_unless_primary, require_key
from app.api.bots import owned_or_404
from app.api.keys import human, refusal
from app.api.responses import ApiError, success, timestamp
from app.core import db
from app.core.headers import no_store
from app.core.i18n import gettext as _
from app.core.models import Holder
from app.keys import decoys, named, scopes
from app.keys.verification import Principal


@bp.get("/users/me/decoys")
@require_key(scopes.KEYS_WRITE)
def list_own_decoys(principal: Principal) -> Response:
    return _list(principal, human(principal))


@bp.post("/users/me/decoys")
@require_key(scopes.KEYS_WRITE)
def create_own_decoy(principal: Principal) -> Response:
    return _create(principal, human(principal))


@bp.delete("/users/me/decoys/<int:key_id>")
@require_key(scopes.KEYS_WRITE)
def remove_own_decoy(principal: Principal, key_id: int) -> Response:
    return _remove(principal, human(principal), key_id)


@bp.get("/bots/<int:bot_id>/decoys")
@require_key(scopes.KEYS_WRITE)
def list_bot_decoys(principal: Principal, bot_id: int) -> Response:
    return _list(principal, owned_or_404(human(principal), bot_id))


@bp.post("/bots/<int:bot_id>/decoys")
@require_key(scopes.KEYS_WRITE)
def create_bot_decoy(principal: Principal, bot_id: int) -> Response:
    return _create(principal, owned_or_404(human(principal), bot_id))


@bp.delete("/bots/<int:bot_id>/decoys/<int:key_id>")
@require_key(scopes.KEYS_WRITE)
def remove_bot_decoy(principal: Principal, bot_id: int, key_id: int) -> Response:
    return _remove(principal, owned_or_404(human(principal), bot_id), key_id)


def _list(principal: Principal, holder: Holder) -> Response:
    refuse_unless_primary(principal)  # a replaced key in its overlap too: which are traps
    return success(decoys=[_summary(summary) for summary in decoys.listed(db.session(), holder.id)])


def _create(principal: Principal, holder: Holder) -> Response:
    refuse_unless_primary(principal)
    try:
        record, key = decoys.create(
            db.session(), holder, params.text("name"), actor_id=principal.id
        )
    except named.InvalidNamedKey as problem:
        raise refusal(problem) from None
    return no_store(success(api_key=key, **_summary(decoys.summarize(record))))


def _remove(principal: Principal, holder: Holder, key_id: int) -> Response:
    refuse_unless_primary(principal)
    try:
        decoys.remove(db.session(), holder, key_id, actor_id=principal.id)
    except named.NoSuchKey:
        raise ApiError(404, _("No such decoy")) from None
    return success()


def _summary(summary: decoys.DecoySummary) -> dict[str, Any]:
    return {
        "id": summary.id,
        "name": summary.name,
        "key_hint": summary.hint,
        "created_at": timestamp(summary.created_at),
        "last_used_at": timestamp(summary.last_used_at),
        "last_used_ip": summary.last_used_ip,
        "last_used_user_agent": summary.last_used_user_agent,
    }
