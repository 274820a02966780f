"""The organization's users (Zulip's paths): the directory and one entry of it for everyone,
and deactivating and reactivating people and bots, and resetting a person's two-factor
authentication, for administrators
(app/organization/administration.py and app/organization/roster.py hold the rules; every
admin route is marked by require_admin, which tests enumerate)."""

from typing import Any

from werkzeug.wrappers import Response

from app.api import bp, keys, params
from app.api.auth import require_admin, require_key
from app.api.responses import ApiError, success
from app.api.views import AVATAR_VERSION, default_avatar_url
from app.bots import lifecycle
from app.core import audit, db
from app.core.i18n import gettext as _
from app.core.models import User
from app.keys import named, restrictions, scopes
from app.keys.verification import Principal
from app.organization import administration, roster
from app.people import roles


@bp.get("/users")
@require_key(scopes.USERS_READ)
def list_users(principal: Principal) -> Response:
    """Everyone active, to anyone; to administrators also the deactivated, each bot's owner
    and type, and every real address."""
    actor = actor_of(principal)
    found = administration.directory(db.session(), actor)
    return success(members=[_entry(user, principal) for user in found])


@bp.get("/users/<int:user_id>")
@require_key(scopes.USERS_READ)
def get_user(principal: Principal, user_id: int) -> Response:
    """Zulip's "get a user": the entry GET /users would list for this caller, or the one
    404 an unknown id gets (a deactivated person, to a member, is unknown)."""
    admin = roles.is_admin(principal.role)
    found = roster.visible_user(db.session(), user_id, admin=admin)
    if found is None:
        raise ApiError(404, _("No such user"))
    return success(user=_entry(found, principal))


@bp.delete("/users/<int:user_id>")
@require_admin(scopes.ORGANIZATION_ADMIN)
def deactivate_user(principal: Principal, user_id: int) -> Response:
    """Deactivate a person (with their bots) or a bot."""
    actor = actor_of(principal)
    target = reachable(actor, user_id)
    try:
        administration.deactivate(db.session(), actor, target)
    except roles.RoleRefused as refused:
        raise ApiError(400, refused.message) from None
    return success()


@bp.post("/users/<int:user_id>/reactivate")
@require_admin(scopes.ORGANIZATION_ADMIN)
def reactivate_user(principal: Principal, user_id: int) -> Response:
    """Reactivate a person (their bots stay inactive) or a bot."""
    actor = actor_of(principal)
    target = reachable(actor, user_id)
    try:
        administration.reactivate(db.session(), actor, target)
    except roles.RoleRefused as refused:
        raise ApiError(400, refused.message) from None
    except lifecycle.InvalidBot as problem:
        raise ApiError(400, problem.message) from None
    return success()


@bp.delete("/users/<int:user_id>/second_factor")
@require_admin(scopes.ORGANIZATION_ADMIN)
def reset_second_factor(principal: Principal, user_id: int) -> Response:
    """Reset the two-factor authentication of a person who lost their second factor (the
    console's Reset two-factor: app, passkeys and recovery codes go; their keys stay).
    ``reset`` is false when they had none: there was nothing to remove."""
    actor = actor_of(principal)
    target = reachable(actor, user_id)
    try:
        done = administration.reset_second_factor(db.session(), actor, target)
    except roles.RoleRefused as refused:
        raise ApiError(400, refused.message) from None
    return success(reset=done)


def actor_of(principal: Principal) -> administration.Actor:
    return administration.Actor(principal.id, principal.role)


def reachable(actor: administration.Actor, user_id: int) -> User:
    target = administration.person_or_bot(db.session(), actor, user_id)
    if target is None:
        raise ApiError(404, _("No such user"))
    return target


def _entry(user: User, viewer: Principal) -> dict[str, Any]:
    """One user as Zulip's get-users shapes it (feature level 277). The admin fields only
    for administrators: the real address (also to oneself, as Zulip and users/me give it;
    null otherwise), and a bot's owner and type, which Zulip sends for bots only."""
    admin = roles.is_admin(viewer.role)
    entry: dict[str, Any] = {
        "user_id": user.id,
        "email": user.email,
        "delivery_email": user.email if admin or user.id == viewer.id else None,
        "full_name": user.full_name,
        "is_bot": user.is_bot,
        "is_active": user.is_active,
        "role": user.role,
        "is_owner": not user.is_bot and roles.is_owner(user.role),
        "is_admin": not user.is_bot and roles.is_admin(user.role),
        "is_guest": False,  # Keyfob has no guests
        "is_billing_admin": False,
        "date_joined": user.created_at.isoformat(),
        "avatar_url": default_avatar_url(),
        "avatar_version": AVATAR_VERSION,
        "timezone": "",  # unset, as Zulip sends it
    }
    if admin and user.is_bot:
        entry["bot_owner_id"] = user.bot_owner_id
        entry["bot_type"] = user.bot_type
    return entry


@bp.get("/users/<int:user_id>/keys")
@require_admin(scopes.ORGANIZATION_ADMIN)
def list_user_keys(principal: Principal, user_id: int) -> Response:
    """The live keys of a person or bot the administrator manages (no text, no decoys)."""
    actor = actor_of(principal)
    target = reachable(actor, user_id)
    try:
        found = administration.keys_of(db.session(), actor, target)
    except roles.RoleRefused as refused:
        raise ApiError(400, refused.message) from None
    return success(keys=[keys.summary_of(summary) for summary in found])


@bp.patch("/users/<int:user_id>/keys/<int:key_id>")
@require_admin(scopes.ORGANIZATION_ADMIN)
def pause_user_key(principal: Principal, user_id: int, key_id: int) -> Response:
    """Pause (``paused``: true) or resume (false) a key of a person or bot the
    administrator manages."""
    actor = actor_of(principal)
    target = reachable(actor, user_id)
    paused = params.boolean("paused")
    caller = restrictions.Caller(principal.key_id, audit.request_client()[0])
    try:
        record = administration.pause_key(
            db.session(), actor, target, key_id, paused=paused, caller=caller
        )
    except roles.RoleRefused as refused:
        raise ApiError(400, refused.message) from None
    except restrictions.LockedOut as problem:
        raise keys.refusal(problem) from None
    except named.NoSuchKey:
        raise ApiError(404, _("No such key")) from None
    return success(**keys.summary_of(named.summarize(record)))
