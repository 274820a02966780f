"""HTTP Basic email:key authentication for API views; never the session cookie."""

from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar

from flask import g, request
from flask_babel import gettext as _

from app import keys, limits
from app.api.errors import ApiError

P = ParamSpec("P")
R = TypeVar("R")


def require_key(view: Callable[P, R]) -> Callable[P, R]:
    """Let the view run only for a valid, active email:key pair; ``g.principal`` holds who.

    Failed keys count against a per-IP limit (see app.limits).
    """

    @wraps(view)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        g.principal = authenticate()
        return view(*args, **kwargs)

    return wrapper


def require_human(view: Callable[P, R]) -> Callable[P, R]:
    """Refuse bots (403): only people own and manage bots. Use under ``require_key``."""

    @wraps(view)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        if g.principal.is_bot:
            raise ApiError(403, _("Bots cannot manage bots"))
        return view(*args, **kwargs)

    return wrapper


def authenticate() -> keys.Principal:
    header = request.headers.get("Authorization", "").strip()
    if not header:
        raise ApiError(401, _("Missing Authorization header: use HTTP Basic with email:key"))
    scheme, _sep, _rest = header.partition(" ")
    if scheme.lower() != "basic":
        raise ApiError(400, _("Unsupported authorization scheme: use HTTP Basic"))
    try:
        credentials = request.authorization
    except ValueError:  # werkzeug refuses some undecodable Basic values outright
        credentials = None
    if credentials is None or not credentials.username or not credentials.password:
        raise ApiError(401, _("Malformed HTTP Basic credentials"))
    guesses = limits.key_guesses()
    if not guesses.take():
        raise ApiError(
            429, _("Too many invalid API keys"), **{"retry-after": guesses.retry_after()}
        )
    try:
        principal = keys.verify(credentials.username, credentials.password)
    except keys.KeyRejected as rejected:
        if rejected.reason == "deactivated":
            guesses.give_back()  # the key was right: not a guess
            raise ApiError(401, _("Account is deactivated")) from None
        raise ApiError(401, _("Invalid API key")) from None
    guesses.give_back()
    return principal
