"""The account endpoints: server settings, fetching and rotating one's own key, who am I."""

import json
from functools import cache, lru_cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from flask import current_app, jsonify
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from app.api import bp, params
from app.api.auth import require_any_key, require_key
from app.api.regenerate import regenerate
from app.api.responses import ApiError, json_response, success, success_text, timestamp
from app.core import db, hosts
from app.core.headers import no_store
from app.core.i18n import gettext as _
from app.core.models import User
from app.keys import networks, primary, scopes
from app.keys.verification import Principal
from app.people import accounts, authentication, roles
from app.people.factors import checks, held

# What Zulip clients read to decide how to read a response. It describes the shapes of the
# endpoints Keyfob serves, not endpoints it lacks (those are 404 at any level). 277 is Zulip
# 9.0's: the first release with realm_url (added at development level 257, the newest field
# sent here), and Zulip's changelog changes none of these endpoints between 257 and 277.
FEATURE_LEVEL = 277
# A default avatar, the same for everyone until avatars exist (a static file: no third party).
AVATAR_PATH, AVATAR_VERSION = "/static/avatar.svg", 1
REALM_ICON_PATH = "/static/favicon.svg"
OPENAPI = Path(__file__).with_name("openapi.json")


def default_avatar_url() -> str:
    """Everyone's avatar (users/me, GET /users), on this site."""
    return f"{hosts.site_url()}{AVATAR_PATH}?version={AVATAR_VERSION}"


@cache
def keyfob_version() -> str:
    try:
        return version("keyfob")
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "0+unknown"


@bp.get("/server_settings")
def server_settings() -> Response:
    return json_response(_server_settings(hosts.site_url(), current_app.config["REALM_NAME"]))


@lru_cache(maxsize=64)  # the same answer for every request naming this site (hosts.site_url)
def _server_settings(site: str, realm_name: str) -> str:
    zulip_version = f"keyfob-{keyfob_version()}"
    return success_text(
        zulip_version=zulip_version,
        # Zulip's own merge base; Keyfob is no fork of Zulip, so as Zulip does for an
        # unmodified server, it is the version itself.
        zulip_merge_base=zulip_version,
        zulip_feature_level=FEATURE_LEVEL,
        is_incompatible=False,
        push_notifications_enabled=False,
        realm_url=site,
        realm_uri=site,  # the name before feature level 257, for older clients
        realm_name=realm_name,
        realm_icon=site + REALM_ICON_PATH,
        realm_description="",
        realm_web_public_access_enabled=False,
        authentication_methods={"password": True, "email": True, "dev": False},
        external_authentication_methods=[],
        email_auth_enabled=True,
        require_email_format_usernames=True,
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
    except accounts.AccountDeactivated:
        raise ApiError(401, _("Account is deactivated"), code="USER_DEACTIVATED") from None
    _second_factor(session, user, params.optional_text("otp"))
    key = primary.reveal_to(session, user.id, actor_id=user.id, event_type="api_key_fetched")
    if key is None:
        raise _authentication_failed()
    return no_store(success(api_key=key, email=user.email, user_id=user.id))


def _second_factor(session: Session, user: User, code: str | None) -> None:
    """A person with a second factor also sends its code (``otp``: the app's, or a
    recovery code), checked and counted as the pages check it."""
    if not held.enrolled(session, user.id):
        return
    if not (code or "").strip():
        message = _("This account has two-factor authentication: send a code from its app as otp")
        raise ApiError(401, message, code="SECOND_FACTOR_REQUIRED")
    try:
        checks.check_code(session, user, code or "", purpose="fetch_api_key")
    except checks.CodeRefused:
        message = _("The two-factor code is not right, or it was used already")
        raise ApiError(401, message, code="SECOND_FACTOR_INVALID") from None


def _authentication_failed() -> ApiError:
    message = _("Your username or password is incorrect")
    return ApiError(401, message, code="AUTHENTICATION_FAILED")


@bp.get("/users/me")
@require_any_key(scopes.PROFILE_READ)
def users_me(principal: Principal) -> Response:
    bot: dict[str, object] = {
        "bot_owner_id": principal.bot_owner_id,
        "bot_type": principal.bot_type,
    }
    person: dict[str, object] = {"profile_data": {}}  # Zulip sends these for people only
    return success(
        user_id=principal.user_id,
        email=principal.email,
        delivery_email=principal.email,  # one address: the API email is the real one
        full_name=principal.full_name,
        is_bot=principal.is_bot,
        is_active=True,
        date_joined=principal.date_joined.isoformat(),
        avatar_url=default_avatar_url(),
        avatar_version=AVATAR_VERSION,
        role=principal.role,
        is_owner=roles.is_owner(principal.role),
        is_admin=roles.is_admin(principal.role),
        is_guest=False,
        is_billing_admin=False,
        timezone="",  # unset, as Zulip sends it
        max_message_id=-1,  # Zulip's answer for a user with no messages: none are kept here
        key=_this_key(principal),
        **(bot if principal.is_bot else person),
    )


def _this_key(principal: Principal) -> dict[str, object]:
    """What the calling key is and may do, so that a script can check itself at start."""
    held = scopes.held(
        principal.scopes, primary=principal.key_kind == "primary", config=current_app.config
    )
    return {
        "id": principal.key_id,
        "kind": principal.key_kind,
        "name": principal.key_name,
        "scopes": held,
        "expires_at": timestamp(principal.key_expires_at),
        "allowed_networks": networks.shown(principal.allowed_networks),
        "rate_limit_per_minute": principal.rate_limit,
        "token_id": principal.token_id,  # a token's own; its key's is "id"
    }


@bp.post("/users/me/api_key/regenerate")
@require_key(scopes.KEYS_WRITE)
def regenerate_own_key(principal: Principal) -> Response:
    """A new key for the caller, human or bot; the old one dies at once or after a grace."""
    return regenerate(principal, principal)


@bp.get("/openapi.json")
def openapi() -> Response:
    return jsonify(_openapi_document())


@cache
def _openapi_document() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(OPENAPI.read_text(encoding="utf-8"))
    return document
