"""The account endpoints: server settings, fetching and rotating one's own key, who am I."""

import json
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from flask import g, jsonify
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from app import authentication, db, keys, rcfile
from app.api import bp, params
from app.api.auth import require_key
from app.api.errors import ApiError
from app.headers import no_store
from app.models import User

# What Zulip clients read to decide which API features to use. Keyfob offers the key and
# bot endpoints only, so it claims the lowest level rather than features it lacks.
FEATURE_LEVEL = 1
OPENAPI = Path(__file__).with_name("openapi.json")


def success(**fields: Any) -> Response:
    return jsonify(result="success", msg="", **fields)


@cache
def keyfob_version() -> str:
    try:
        return version("keyfob")
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "0+unknown"


@bp.get("/server_settings")
def server_settings() -> Response:
    return success(
        zulip_version=f"keyfob-{keyfob_version()}",
        zulip_feature_level=FEATURE_LEVEL,
        realm_url=rcfile.site_url(),
        authentication_methods={"password": True},
    )


@bp.post("/fetch_api_key")
def fetch_api_key() -> Response:
    """A human's current key for their email and password (what Zulip apps log in with)."""
    username, password = params.text("username"), params.text("password")
    session = db.session()
    try:
        user = authentication.authenticate(session, username, password, purpose="fetch_api_key")
    except authentication.WrongPassword:
        raise ApiError(401, _("Your username or password is incorrect")) from None
    except authentication.AccountDeactivated:
        raise ApiError(401, _("Account is deactivated")) from None
    key = keys.reveal_to(session, user.id, actor_id=user.id, event_type="api_key_fetched")
    if key is None:
        raise ApiError(401, _("Your username or password is incorrect"))
    return no_store(success(api_key=key, email=user.email, user_id=user.id))


@bp.get("/users/me")
@require_key
def users_me() -> Response:
    principal: keys.Principal = g.principal
    extra = {"bot_owner_id": principal.bot_owner_id} if principal.is_bot else {}
    return success(
        user_id=principal.user_id,
        email=principal.email,
        full_name=principal.full_name,
        is_bot=principal.is_bot,
        is_active=True,
        date_joined=principal.date_joined.isoformat(),
        **extra,
    )


@bp.post("/users/me/api_key/regenerate")
@require_key
def regenerate_own_key() -> Response:
    """A new key for the caller, human or bot; the presented key dies at once."""
    session = db.session()
    user = session.get_one(User, g.principal.user_id)
    return no_store(success(api_key=keys.regenerate(session, user, actor_id=user.id)))


@bp.get("/openapi.json")
def openapi() -> Response:
    return jsonify(_openapi_document())


@cache
def _openapi_document() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(OPENAPI.read_text(encoding="utf-8"))
    return document
