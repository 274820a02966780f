"""The organization's users (Zulip's paths): the directory for everyone, and deactivating
and reactivating people and bots for administrators (app/administration.py holds the
rules; every admin route is marked by require_admin, which tests enumerate)."""

from typing import Any

from werkzeug.wrappers import Response

from app import administration, bots, db, roles
from app.api import bp
from app.api.auth import require_admin, require_key
from app.api.responses import ApiError, success
from app.i18n import gettext as _
from app.keys import Principal
from app.models import User


@bp.get("/users")
@require_key
def list_users(principal: Principal) -> Response:
    """Everyone active, to anyone; to administrators also the deactivated, each bot's owner
    and type."""
    actor = _actor(principal)
    admin = roles.is_admin(actor.role)
    found = administration.directory(db.session(), actor)
    return success(members=[_entry(user, admin=admin) for user in found])


@bp.delete("/users/<int:user_id>")
@require_admin
def deactivate_user(principal: Principal, user_id: int) -> Response:
    """Deactivate a person (with their bots) or a bot."""
    actor = _actor(principal)
    target = _reachable(actor, user_id)
    try:
        administration.deactivate(db.session(), actor, target)
    except roles.RoleRefused as refused:
        raise ApiError(400, refused.message) from None
    return success()


@bp.post("/users/<int:user_id>/reactivate")
@require_admin
def reactivate_user(principal: Principal, user_id: int) -> Response:
    """Reactivate a person (their bots stay inactive) or a bot."""
    actor = _actor(principal)
    target = _reachable(actor, user_id)
    try:
        administration.reactivate(db.session(), actor, target)
    except roles.RoleRefused as refused:
        raise ApiError(400, refused.message) from None
    except bots.InvalidBot as problem:
        raise ApiError(400, problem.message) from None
    return success()


def _actor(principal: Principal) -> administration.Actor:
    return administration.Actor(principal.id, principal.role)


def _reachable(actor: administration.Actor, user_id: int) -> User:
    target = administration.person_or_bot(db.session(), actor, user_id)
    if target is None:
        raise ApiError(404, _("No such user"))
    return target


def _entry(user: User, *, admin: bool) -> dict[str, Any]:
    """One user as Zulip's get-users shapes it; the admin fields only for administrators."""
    entry: dict[str, Any] = {
        "user_id": user.id,
        "email": user.email,
        "full_name": user.full_name,
        "is_bot": user.is_bot,
        "is_active": user.is_active,
        "role": user.role,
        "is_owner": not user.is_bot and roles.is_owner(user.role),
        "is_admin": not user.is_bot and roles.is_admin(user.role),
        "date_joined": user.created_at.isoformat(),
    }
    if admin:
        entry["bot_owner_id"] = user.bot_owner_id
        entry["bot_type"] = user.bot_type
    return entry
