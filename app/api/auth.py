"""Key authentication for API views, never the session cookie: HTTP Basic email:key (what
Zulip's clients send), or the key alone as ``Authorization: Bearer <key>`` or
``X-API-Key: <key>``. All three take the same lookup, limits and error codes."""

import base64
import logging
from collections.abc import Callable
from functools import partial, wraps
from typing import Any, Concatenate, ParamSpec, TypeVar

from flask import after_this_request, copy_current_request_context, current_app, g, request
from werkzeug.wrappers import Response

from app.api.responses import ApiError, timestamp
from app.bots import types
from app.core import db, limits, metrics
from app.core.client_ip import UNKNOWN, client_ip, limit_identity
from app.core.i18n import gettext as _
from app.keys import call_counts, decoys, restrictions, scopes, verification
from app.keys.store import KeyRow
from app.keys.verification import Principal
from app.people import accounts, roles
from app.people.factors import policy as factor_policy

log = logging.getLogger("keyfob.api")
P = ParamSpec("P")
R = TypeVar("R")


_ADMIN_ONLY = "keyfob_admin_only"  # the mark require_admin leaves on its views
_SCOPE = "keyfob_scope"  # the mark every key-guarded view carries: the scope it needs
ACCEPTED_SCOPES_HEADER = "X-Accepted-Scopes"

View = Callable[Concatenate[Principal, P], R]


def _guarded(
    scope: str, check: Callable[[Principal], Principal], *, admin_only: bool = False
) -> Callable[[View[P, R]], Callable[P, R]]:
    """Guard a view with a key that holds ``scope``, then ``check`` its holder."""

    def decorate(view: View[P, R]) -> Callable[P, R]:
        @wraps(view)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            return view(authenticate(scope, admit), *args, **kwargs)

        def admit(principal: Principal) -> Principal:
            if admin_only:  # who may call it first: a member learns nothing from the scope
                return holding(check(principal), scope)
            return check(holding(principal, scope))

        setattr(wrapper, _SCOPE, scope)
        if admin_only:
            setattr(wrapper, _ADMIN_ONLY, True)
        return wrapper

    return decorate


def require_any_key(scope: str) -> Callable[[View[P, R]], Callable[P, R]]:
    """Run the view for any valid, active key that holds ``scope``, an incoming-webhook
    bot's included (only users/me: what such a bot needs to check its key).

    A key is checked only while the client has guesses left, and a wrong one uses one up
    (see app.core.limits.KeyGuesses).
    """
    return _guarded(scope, _anyone)


def require_key(scope: str) -> Callable[[View[P, R]], Callable[P, R]]:
    """As require_any_key, for a key that may do more than post (see beyond_posting)."""
    return _guarded(scope, beyond_posting)


def require_human(scope: str) -> Callable[[View[P, R]], Callable[P, R]]:
    """As require_key, and refuse bots (403): only people own and manage bots."""
    return _guarded(scope, _person)


def require_human_primary(scope: str) -> Callable[[View[P, R]], Callable[P, R]]:
    """As require_human, with the person's primary key (see refuse_unless_primary)."""
    return _guarded(scope, _primary_person)


def require_admin(scope: str) -> Callable[[View[P, R]], Callable[P, R]]:
    """As require_human_primary, for an administrator or owner. Anyone else gets the 404
    an unknown user id gets: a member learns nothing from an admin route."""
    return _guarded(scope, _administrator, admin_only=True)


def is_admin_only(view: Callable[..., Any]) -> bool:
    """Whether a view of the API app is marked by require_admin (a member gets its 404,
    whatever the id): how the admin routes are found, to list or to check them all."""
    return bool(getattr(view, _ADMIN_ONLY, False))


def scope_of(view: Callable[..., Any]) -> str | None:
    """The scope a view of the API app needs, or None for a view no key guards
    (server_settings, fetch_api_key, leak reports, the OpenAPI document)."""
    scope: str | None = getattr(view, _SCOPE, None)
    return scope


def holding(principal: Principal, scope: str) -> Principal:
    """Refuse a key that lacks ``scope`` (403 MISSING_SCOPE), naming the scope that would
    have been accepted, so that a script's author learns what to ask for. A named key never
    holds a scope that is the primary key's alone: it gets 403 PRIMARY_KEY_REQUIRED, as
    before scopes existed (a replaced key goes on to the route, which lets it repeat the
    rotation that replaced it, and nothing else)."""
    if scope in scopes.PRIMARY_ONLY:
        if principal.key_kind in ("named", "token"):
            refuse_unless_primary(principal, scope)
        return principal
    if not scopes.allows(principal.scopes, scope):
        raise ApiError(
            403,
            _("This key does not have the scope this needs: %(scope)s", scope=scope),
            code="MISSING_SCOPE",
            headers={ACCEPTED_SCOPES_HEADER: scope},
            accepted_scopes=[scope],
        )
    return principal


def _anyone(principal: Principal) -> Principal:
    return principal


def _administrator(principal: Principal) -> Principal:
    principal = _person(principal)
    if not roles.is_admin(principal.role):
        raise ApiError(404, _("No such user"))
    refuse_unless_primary(principal)
    factor_policy.require(db.session(), principal.user_id)
    return principal


def _primary_person(principal: Principal) -> Principal:
    principal = _person(principal)
    refuse_unless_primary(principal)
    return principal


def _person(principal: Principal) -> Principal:
    principal = beyond_posting(principal)
    if principal.is_bot:
        raise ApiError(403, _("Bots cannot manage bots"))
    return principal


def beyond_posting(principal: Principal) -> Principal:
    """Refuse an incoming-webhook bot's key (403): it may only post, on the platform, so
    within Keyfob it manages no keys and no bots, not even its own key. A leaked webhook
    URL's key then cannot mint itself a successor that outlives its revocation."""
    if principal.bot_type == types.INCOMING_WEBHOOK:
        raise ApiError(
            403,
            _("An incoming webhook bot's key can only post: it manages no keys or bots"),
            code="INCOMING_WEBHOOK_BOT",
        )
    return principal


def refuse_unless_primary(principal: Principal, needed: str | None = None) -> None:
    """Only a primary key changes keys and bots (403 otherwise). A named key is one
    integration's, and a replaced key is on its way out: if either could mint keys or take
    the primary, revoking it would no longer contain its leak."""
    if principal.key_kind != "primary":
        if needed is None:  # the scope of the view called
            view = current_app.view_functions.get(request.endpoint or "")
            needed = scope_of(view) if view is not None else None
        message = (
            _("Only the primary key can manage keys and bots; this is a token")
            if principal.key_kind == "token"
            else _("Only the primary key can manage keys and bots; this is a named or replaced key")
        )
        raise ApiError(
            403,
            message,
            code="PRIMARY_KEY_REQUIRED",
            headers={ACCEPTED_SCOPES_HEADER: needed} if needed else None,
        )


def authenticate(
    scope: str | None = None,
    admit: Callable[[Principal], Principal] | None = None,
    route: str | None = None,
) -> Principal:
    """The holder of the request's key, once ``admit`` (the view's checks: the ``scope`` it
    needs, and any other) has let it through. Every call of a key that was found is counted
    for that key (app/keys/call_counts.py): accepted, with its ``route`` (default: the view's
    rule) and ``scope``, or refused, with the reason."""
    try:
        email, key = _credentials()
    except ApiError:
        metrics.authentication("malformed")
        raise
    # The app's extensions looked up once for the guesses and the counts: each lookup of
    # current_app costs about a microsecond, on every call.
    extensions = current_app.extensions
    guesses: limits.KeyGuesses = extensions[limits.KEY_GUESSES]
    counts: call_counts.CallCounts = extensions[call_counts.EXTENSION]
    client = limit_identity()
    if not guesses.allows(client):
        metrics.authentication("rate_limited")
        retry_after = guesses.retry_after(client)
        raise ApiError(429, _("Too many invalid API keys"), retry_after=retry_after)
    seen = client_ip()
    address = None if seen == UNKNOWN else seen
    try:
        principal = _verified(email, key, address, guesses.failed, client)
    except verification.KeyRejected as rejected:
        if rejected.row is not None:
            _count(counts, rejected.row, _REFUSALS.get(type(rejected), "invalid"), address)
        raise _refusal(rejected) from None
    if principal.rate_limit is not None:
        wait = limits.key_budgets().spend(principal.key_id, principal.rate_limit)
        if wait is not None:
            metrics.authentication("over_budget")
            _count(counts, principal, "rate_limited", address)
            message = _("This key has made all the requests its budget allows this minute")
            raise ApiError(429, message, retry_after=wait)
    metrics.authentication("ok")
    if admit is not None:
        try:
            principal = admit(principal)
        except ApiError:
            _count(counts, principal, "scope", address)
            raise
    called = route if route is not None else _view_route()
    _count(counts, principal, call_counts.ACCEPTED, address, route=called, scope=scope)
    return principal


def _view_route() -> str:
    """The API view's rule and the method called (as _endpoint names it), with the request
    looked up once rather than once an attribute: this runs on every accepted call."""
    current = request._get_current_object()  # type: ignore[attr-defined]
    rule = current.url_rule
    return f"{current.method} {rule.rule if rule is not None else '?'}"


def _verified(
    email: str | None,
    key: str,
    address: str | None,
    guessed: Callable[[str], object],
    client: str,
) -> Principal:
    """verify() with its refusals told to Prometheus (each but a wrong key's told to the
    caller as a KeyRejected, to count and answer), and a wrong key counted as a guess."""
    try:
        return verification.verify(email, key, address)
    except verification.KeyPaused:
        metrics.authentication("paused")
        raise
    except verification.NetworkRefused as refused:
        metrics.authentication("network")
        restrictions.refused_network(refused.row, address, _endpoint())
        raise
    except accounts.AccountDeactivated:
        metrics.authentication("deactivated")
        raise ApiError(401, _("Account is deactivated"), code="USER_DEACTIVATED") from None
    except verification.KeyExpired:
        metrics.authentication("expired")
        raise
    except verification.DecoyUsed as used:
        # Answered as any unknown key is, and a guess as it is; told once the answer has
        # gone, so that its time does not give the decoy away.
        metrics.authentication("decoy")
        guessed(client)
        after_response(partial(decoys.sighted, used.row, _endpoint()))
        raise
    except verification.InvalidKey:
        metrics.authentication("invalid")
        guessed(client)  # only a wrong key is a guess: a right one refused is not
        raise
    except db.DatabaseUnavailable:
        metrics.authentication("unavailable")
        raise


# The reason each refusal of a key that was found is counted under, for that key.
_REFUSALS: dict[type[verification.KeyRejected], str] = {
    verification.InvalidKey: "invalid",
    verification.DecoyUsed: "decoy",
    verification.KeyExpired: "expired",
    verification.KeyPaused: "paused",
    verification.NetworkRefused: "network",
}


def _refusal(rejected: verification.KeyRejected) -> ApiError:
    """What the client is told (a decoy is answered as any unknown key is)."""
    if isinstance(rejected, verification.KeyPaused):
        return ApiError(401, _("This API key is paused"), code="API_KEY_PAUSED")
    if isinstance(rejected, verification.NetworkRefused):
        message = _("This API key may not be used from this address")
        return ApiError(403, message, code="IP_NOT_ALLOWED")
    if isinstance(rejected, verification.KeyExpired):
        when = rejected.expired_at.strftime("%Y-%m-%d %H:%M UTC")
        return ApiError(
            401,
            _("This API key expired on %(when)s", when=when),
            code="API_KEY_EXPIRED",
            expired_at=timestamp(rejected.expired_at),
        )
    return _invalid_key()


def _count(
    counts: call_counts.CallCounts,
    row: KeyRow | Principal,
    outcome: str,
    address: str | None,
    *,
    route: str | None = None,
    scope: str | None = None,
) -> None:
    counts.note(
        row.key_id,
        outcome,
        address=address,
        token_id=row.token_id,
        route=route,
        scope=scope,
    )


def _invalid_key() -> ApiError:
    return ApiError(401, _("Invalid API key"), code="INVALID_API_KEY")


def after_response(work: Callable[[], None]) -> None:
    """Run ``work`` in this request's context once its response has been sent (when the
    server closes it), so that the work's time is not in the answer's. A failure is logged
    by its kind alone: the response is gone, and nothing may crash the server's close."""
    run_later = copy_current_request_context(work)

    def quietly() -> None:
        try:
            run_later()
        except Exception as problem:  # logged by kind: nothing else can be done now
            log.error("work after a response failed: %s", type(problem).__name__)

    @after_this_request
    def schedule(response: Response) -> Response:
        response.call_on_close(quietly)
        return response


ROUTE_CHECKED = "keyfob_route_checked"  # g: the route a forward-auth check is about


def _endpoint() -> str:
    """The route called, as Keyfob names it (never the path the caller typed): the API's
    rule, or for the forward-auth check the route policy's rule it matched."""
    checked: str | None = g.get(ROUTE_CHECKED)
    if checked is not None:
        return checked
    rule = request.url_rule.rule if request.url_rule is not None else "?"
    return f"{request.method} {rule}"


def _credentials() -> tuple[str | None, str]:
    """The email (None when the key came alone) and key the request presents, stripped of
    surrounding whitespace (as Zulip does: a key pasted with a trailing space still works).

    Read straight from the WSGI environ and decoded here (as werkzeug's
    ``request.authorization`` decodes Basic: strict base64, then UTF-8), once per call."""
    environ = request.environ
    # Both headers present is a 400 whatever they hold, even empty: otherwise the one with
    # a value would silently win, and which one a request meant would be a guess.
    if "HTTP_AUTHORIZATION" in environ and "HTTP_X_API_KEY" in environ:
        raise ApiError(400, _("Send the key in one header: Authorization or X-API-Key"))
    header = environ.get("HTTP_AUTHORIZATION", "").strip()
    alone = environ.get("HTTP_X_API_KEY", "").strip()
    if alone:
        return None, alone
    if not header:
        raise ApiError(
            401, _("Missing credentials: use HTTP Basic with email:key, Bearer, or X-API-Key")
        )
    scheme, _sep, rest = header.partition(" ")
    scheme = scheme.lower()
    if scheme == "bearer":
        if not rest.strip():
            raise ApiError(401, _("Malformed Bearer credentials"))
        return None, rest.strip()
    if scheme != "basic":
        raise ApiError(400, _("Unsupported authorization scheme: use Basic or Bearer"))
    try:
        decoded = base64.b64decode(rest.strip(" \t"), validate=True).decode()
    except ValueError:  # not base64, not UTF-8, or not ASCII at all
        decoded = ""
    email, _colon, key = decoded.partition(":")
    email, key = email.strip(), key.strip()
    if not email or not key:
        raise ApiError(401, _("Malformed HTTP Basic credentials"))
    return email, key
