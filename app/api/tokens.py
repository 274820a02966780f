"""The token endpoints (app/keys/tokens.py): a key exchanged for a short-lived token, and a
token revoked by the person whose (or whose bot's) key minted it. A token's list is its
key's, in the key lists (app/api/keys.py). A new token is answered once, never cached."""

from flask import current_app
from werkzeug.wrappers import Response

from app.api import bp, params
from app.api.auth import refuse_unless_primary, require_key
from app.api.bots import owned_or_404
from app.api.keys import human
from app.api.responses import ApiError, success, timestamp
from app.core import db
from app.core.headers import no_store
from app.core.i18n import gettext as _
from app.core.models import Holder
from app.keys import scopes, tokens
from app.keys.verification import Principal

# The API's argument for each field a tokens error names (None: no one argument).
_ARGUMENTS = {"ttl": "ttl_seconds", "scopes": "scopes"}


@bp.post("/tokens")
@require_key(scopes.TOKENS_WRITE)
def mint_token(principal: Principal) -> Response:
    longest = tokens.longest_ttl(current_app.config)
    ttl = params.optional_integer("ttl_seconds", 1, longest)
    requested = params.optional_list("scopes")
    try:
        record, token = tokens.mint(
            db.session(), principal, ttl_seconds=ttl, requested_scopes=requested
        )
    except tokens.CannotMint as refused:
        raise ApiError(403, refused.message, code="KEY_CANNOT_MINT") from None
    except tokens.InvalidToken as problem:
        argument = _ARGUMENTS.get(problem.field)
        if argument is None:  # as many as the key may have: wait or revoke, then retry
            raise ApiError(409, problem.message, code="TOO_MANY_TOKENS") from None
        raise ApiError(400, f"{argument}: {problem.message}", var_name=argument) from None
    return no_store(
        success(
            token=token,
            id=record.id,
            key_id=record.key_id,
            token_hint=record.hint,
            scopes=sorted(scopes.read(record.scopes) or ()),
            expires_at=timestamp(record.expires_at),
        )
    )


@bp.delete("/users/me/tokens/<int:token_id>")
@require_key(scopes.KEYS_WRITE)
def revoke_own_token(principal: Principal, token_id: int) -> Response:
    return _revoke(principal, human(principal), token_id)


@bp.delete("/bots/<int:bot_id>/tokens/<int:token_id>")
@require_key(scopes.KEYS_WRITE)
def revoke_bot_token(principal: Principal, bot_id: int, token_id: int) -> Response:
    return _revoke(principal, owned_or_404(human(principal), bot_id), token_id)


def _revoke(principal: Principal, holder: Holder, token_id: int) -> Response:
    refuse_unless_primary(principal)
    try:
        tokens.revoke(db.session(), holder, token_id, actor_id=principal.id)
    except tokens.NoSuchToken:
        raise ApiError(404, _("No such token")) from None
    return success()
