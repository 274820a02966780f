"""The bot endpoints: the same rules as the Your bots tab, for the caller's own bots."""

from werkzeug.wrappers import Response

from app.api import bp, params
from app.api.auth import require_human, require_human_primary
from app.api.regenerate import regenerate
from app.api.responses import ApiError, success
from app.bots import lifecycle, types
from app.core import db
from app.core.headers import no_store
from app.core.i18n import gettext as _
from app.core.models import MAX_ID, User
from app.keys import scopes
from app.keys.verification import Principal
from app.organization import administration
from app.people import roles


@bp.get("/bots")
@require_human(scopes.BOTS_READ)
def list_bots(principal: Principal) -> Response:
    """The caller's bots, active and inactive; never their keys."""
    return success(
        bots=[
            {
                "user_id": bot.id,
                "full_name": bot.full_name,
                "email": bot.email,
                "is_active": bot.is_active,
                "bot_type": bot.bot_type,
                "date_joined": bot.created_at.isoformat(),
                "api_key_hint": bot.key_hint,
                "last_used": bot.last_used_at.isoformat() if bot.last_used_at else None,
            }
            for bot in lifecycle.summaries(db.session(), principal.id)
        ]
    )


@bp.post("/bots")
@require_human_primary(scopes.BOTS_WRITE)
def create_bot(principal: Principal) -> Response:
    full_name, short_name = params.text("full_name"), params.text("short_name")
    bot_type = params.optional_integer("bot_type", min(types.LABELS), max(types.LABELS))
    try:
        bot, key = lifecycle.create(
            db.session(), principal, full_name, short_name, bot_type or types.GENERIC
        )
    except lifecycle.InvalidBot as problem:
        raise _bad_bot(problem) from None
    return no_store(success(user_id=bot.id, email=bot.email, api_key=key))


@bp.patch("/bots/<int:bot_id>")
@require_human_primary(scopes.BOTS_WRITE)
def update_bot(principal: Principal, bot_id: int) -> Response:
    """Rename and/or give the bot to another person: its owner or an administrator."""
    full_name = params.optional_text("full_name")
    owner_id = params.optional_integer("bot_owner_id", 1, MAX_ID)
    actor = administration.Actor(principal.id, principal.role)
    bot = administration.bot(db.session(), actor, bot_id)
    if bot is None:
        raise ApiError(404, _("No such bot"))
    try:
        administration.update_bot(db.session(), actor, bot, full_name, owner_id)
    except lifecycle.InvalidBot as problem:
        raise _bad_bot(problem) from None
    except roles.RoleRefused as refused:
        raise ApiError(400, refused.message) from None
    return success()


@bp.post("/bots/<int:bot_id>/api_key/regenerate")
@require_human_primary(scopes.KEYS_WRITE)
def regenerate_bot_key(principal: Principal, bot_id: int) -> Response:
    return regenerate(principal, owned_or_404(principal, bot_id))


@bp.delete("/bots/<int:bot_id>")
@require_human_primary(scopes.BOTS_WRITE)
def deactivate_bot(principal: Principal, bot_id: int) -> Response:
    lifecycle.deactivate(db.session(), owned_or_404(principal, bot_id), actor_id=principal.id)
    return success()


@bp.post("/bots/<int:bot_id>/reactivate")
@require_human_primary(scopes.BOTS_WRITE)
def reactivate_bot(principal: Principal, bot_id: int) -> Response:
    bot = owned_or_404(principal, bot_id)
    try:
        lifecycle.reactivate(db.session(), bot, actor_id=principal.id)
    except lifecycle.InvalidBot as problem:
        raise _bad_bot(problem) from None
    return success()


def owned_or_404(principal: Principal, bot_id: int) -> User:
    """The caller's bot, or the one 404 every bot route gives for any other id."""
    bot = lifecycle.owned(db.session(), principal.id, bot_id)
    if bot is None:
        raise ApiError(404, _("No such bot"))
    return bot


def _bad_bot(problem: lifecycle.InvalidBot) -> ApiError:
    """The web form's error, named by the API's argument when it is about one."""
    field = {
        "username": "short_name",
        "full_name": "full_name",
        "bot_type": "bot_type",
        "bot_owner_id": "bot_owner_id",
    }.get(problem.field)
    if field is None:
        return ApiError(400, problem.message)
    return ApiError(400, f"{field}: {problem.message}", var_name=field)
