"""The account endpoints: server settings, fetching and rotating one's own key, who am I."""

import json
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from flask import jsonify
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from app import authentication, db, keys, rcfile
from app.api import bp, params
from app.api.auth import require_key
from app.api.responses import ApiError, success
from app.headers import no_store
from app.keys import Principal

# What Zulip clients read to decide which API features to use. Keyfob offers the key and
# bot endpoints only, so it claims the lowest level rather than features it lacks.
FEATURE_LEVEL = 1
OPENAPI = Path(__file__).with_name("openapi.json")


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
        raise _authentication_failed() from None
    except authentication.AccountDeactivated:
        raise ApiError(401, _("Account is deactivated"), code="USER_DEACTIVATED") from None
    key = keys.reveal_to(session, user.id, actor_id=user.id, event_type="api_key_fetched")
    if key is None:
        raise _authentication_failed()
    return no_store(success(api_key=key, email=user.email, user_id=user.id))


def _authentication_failed() -> ApiError:
    message = _("Your username or password is incorrect")
    return ApiError(401, message, code="AUTHENTICATION_FAILED")


@bp.get("/users/me")
@require_key
def users_me(principal: Principal) -> Response:
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
def regenerate_own_key(principal: Principal) -> Response:
    """A new key for the caller, human or bot; the presented key dies at once."""
    key = keys.regenerate(db.session(), principal, actor_id=principal.id)
    return no_store(success(api_key=key))


@bp.get("/openapi.json")
def openapi() -> Response:
    return jsonify(_openapi_document())


@cache
def _openapi_document() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(OPENAPI.read_text(encoding="utf-8"))
    return document
