"""The bot endpoints: the same rules as the Your bots tab, for the caller's own bots."""

from flask import current_app, g
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from app import audit, bots, db, keys
from app.api import bp, params
from app.api.auth import require_human, require_key
from app.api.errors import ApiError
from app.api.views import success
from app.models import User
from app.security import no_store


@bp.get("/bots")
@require_key
@require_human
def list_bots() -> Response:
    """The caller's bots, active and inactive; never their keys."""
    return success(
        bots=[
            {
                "user_id": bot.id,
                "full_name": bot.full_name,
                "email": bot.email,
                "is_active": bot.is_active,
                "date_joined": bot.created_at.isoformat(),
                "api_key_hint": bot.key_hint,
                "last_used": bot.last_used_at.isoformat() if bot.last_used_at else None,
            }
            for bot in bots.summaries(db.session(), g.principal.user_id)
        ]
    )


@bp.post("/bots")
@require_key
@require_human
def create_bot() -> Response:
    full_name, short_name = params.text("full_name"), params.text("short_name")
    session = db.session()
    owner = session.get_one(User, g.principal.user_id)
    domain = bots.email_domain(current_app.config)
    try:
        bot, key = bots.create(
            session, owner, full_name, short_name, domain, current_app.config["MAX_BOTS_PER_USER"]
        )
    except bots.InvalidBot as problem:
        session.rollback()
        raise _bad_bot(problem) from None
    _audit("bot_created", bot)
    session.commit()
    return no_store(success(user_id=bot.id, email=bot.email, api_key=key))


@bp.post("/bots/<int:bot_id>/api_key/regenerate")
@require_key
@require_human
def regenerate_bot_key(bot_id: int) -> Response:
    key = keys.regenerate(db.session(), _owned_or_404(bot_id), actor_id=g.principal.user_id)
    return no_store(success(api_key=key))


@bp.delete("/bots/<int:bot_id>")
@require_key
@require_human
def deactivate_bot(bot_id: int) -> Response:
    bot = _owned_or_404(bot_id)
    if bots.deactivate(bot):
        _audit("bot_deactivated", bot)
    db.session().commit()
    return success()


@bp.post("/bots/<int:bot_id>/reactivate")
@require_key
@require_human
def reactivate_bot(bot_id: int) -> Response:
    session = db.session()
    bot = _owned_or_404(bot_id)
    owner = session.get_one(User, g.principal.user_id)
    try:
        if bots.reactivate(session, owner, bot, current_app.config["MAX_BOTS_PER_USER"]):
            _audit("bot_reactivated", bot)
    except bots.InvalidBot as problem:
        session.rollback()
        raise _bad_bot(problem) from None
    session.commit()
    return success()


def _owned_or_404(bot_id: int) -> User:
    bot = bots.owned(db.session(), g.principal.user_id, bot_id)
    if bot is None:
        raise ApiError(404, _("No such bot"))
    return bot


def _bad_bot(problem: bots.InvalidBot) -> ApiError:
    """The web form's error, named by the API's argument when it is about one."""
    field = {"username": "short_name", "full_name": "full_name"}.get(problem.field)
    if field is None:
        return ApiError(400, problem.message)
    return ApiError(400, f"{field}: {problem.message}", var_name=field)


def _audit(event_type: str, bot: User) -> None:
    audit.record(db.session(), event_type, actor_id=g.principal.user_id, subject_user_id=bot.id)
