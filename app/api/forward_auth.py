"""The forward-auth check: a proxy in front of the chat platform's API (nginx auth_request,
Caddy forward_auth, Traefik forwardAuth) asks it about each request before passing it on.

It reads the original method and URI from the headers each proxy sends (nginx's
X-Original-Method and X-Original-URI; Caddy's and Traefik's X-Forwarded-Method and
X-Forwarded-Uri; both pairs at once is refused, since one of them came from the client),
finds the route's rule in the route policy (app/keys/route_policy.py: deny by default), and
checks the key as Keyfob's own API does (app/api/auth.py: the guess limit, deactivation,
expiry, pause, decoys, networks, last use, the new-network notice, metrics). Allowed, it
answers 200 with the caller's identity in X-Keyfob-* headers for the upstream; refused, the
very status and Zulip-shaped body Keyfob's API would give. Every answer also carries
X-Keyfob-Status, and a refusal its body in X-Keyfob-Error, for nginx, whose auth_request
passes on only a status (docs/admin/gateway.md shows how its sample uses them).
"""

import logging
import re
import time
from collections import deque
from collections.abc import Iterable
from functools import lru_cache, partial
from typing import TYPE_CHECKING
from urllib.parse import quote

from flask import after_this_request, current_app, g, request
from flask.wrappers import Response as FlaskResponse
from werkzeug.wrappers import Response

from app.api import bp
from app.api.auth import ROUTE_CHECKED, authenticate, beyond_posting, holding
from app.api.responses import ApiError, error_headers, error_text, success_text
from app.core.characters import without_control_characters
from app.core.i18n import gettext as _
from app.keys import route_policy, scopes
from app.keys.verification import Principal

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIEnvironment

log = logging.getLogger("keyfob.forward_auth")
ANY_METHOD = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
STATUS_HEADER, ERROR_HEADER = "X-Keyfob-Status", "X-Keyfob-Error"
PATH_LOGGED = 200  # characters of a refused route's path in the log
LOGGED_A_MINUTE = 20  # refused routes named in the log, a minute a process


@bp.route("/forward_auth", methods=ANY_METHOD, provide_automatic_options=False)
def forward_auth() -> Response:
    """200 with the caller's identity when the policy lets the original request through;
    otherwise the refusal Keyfob's own API would give."""
    after_this_request(_status_for_nginx)  # this view's answers only: no hook on the rest
    try:
        return _checked()
    except ApiError as refusal:  # answered here, not by Flask's error handling: cheaper
        return _refused(refusal)


def _checked() -> Response:
    method, uri = _original_request()
    rule = route_policy.policy().rule_for(method, uri)
    if rule is None:
        _log_refused_route(method, uri)
        raise ApiError(
            403,
            _("No rule of the route policy lets this request through"),
            code="ROUTE_NOT_ALLOWED",
        )
    if rule.scope is None:  # nobody to name: every identity header, empty
        return _allowed(_ANONYMOUS)
    route = f"{method} {rule.pattern}"
    g.setdefault(ROUTE_CHECKED, route)  # for what a refusal tells
    principal = authenticate(rule.scope, partial(_admit, rule.scope), route)
    held = scopes.held(
        principal.scopes, primary=principal.key_kind == "primary", config=current_app.config
    )
    return _allowed(_identity(principal, tuple(held)))


def _admit(scope: str, principal: Principal) -> Principal:
    principal = holding(principal, scope)
    if scope != scopes.POSTING:  # an incoming webhook bot's key posts, and only that
        beyond_posting(principal)
    return principal


class _Prebuilt(FlaskResponse):
    """An answer of the check (which answers every request a platform serves) whose own
    headers join the rest only as it is sent: werkzeug would otherwise check each value
    twice, when the answer is built and again when it is sent, which was the largest part
    of an allowed check's own time. They need no check: each is a constant, ASCII JSON
    (Keyfob's encoder escapes the rest), or was made safe where it was formatted
    (_identity_of percent-encodes all text)."""

    own_headers: tuple[tuple[str, str], ...] = ()

    def get_wsgi_response(
        self, environ: "WSGIEnvironment"
    ) -> tuple[Iterable[bytes], str, list[tuple[str, str]]]:
        body, status, headers = super().get_wsgi_response(environ)
        return body, status, [*headers, *self.own_headers]


def _prebuilt(body: str, status: int, own_headers: tuple[tuple[str, str], ...]) -> Response:
    answer = _Prebuilt(body, status=status, content_type="application/json")
    answer.own_headers = own_headers
    return answer


def _allowed(identity: tuple[tuple[str, str], ...]) -> Response:
    return _prebuilt(_ALLOWED_BODY, 200, (*_ALLOWED_HEADERS, *identity))


def _refused(refusal: ApiError) -> Response:
    """The refusal Keyfob's API would give (app/api/responses.py), its headers for nginx
    included, worked out once for each distinct refusal."""
    body = error_text(refusal)
    own_headers = _refusal_headers(refusal.status, refusal.retry_after, body)
    answer = _prebuilt(body, refusal.status, own_headers)
    answer.headers.update(refusal.headers)  # any a refusal adds: checked as usual
    return answer


@lru_cache(maxsize=1024)
def _refusal_headers(
    status: int, retry_after: int | None, body: str
) -> tuple[tuple[str, str], ...]:
    for_nginx = ((STATUS_HEADER, str(status)), (ERROR_HEADER, body.strip()))
    return (*error_headers(status, retry_after), *for_nginx)


def _status_for_nginx(response: Response) -> Response:
    """X-Keyfob-Status on a refusal by the API's error handlers (the check's own answers
    carry theirs), and its body in X-Keyfob-Error (one line of ASCII JSON: Keyfob's encoder
    escapes the rest)."""
    if response.status_code != 200 and not isinstance(response, _Prebuilt):
        response.headers[STATUS_HEADER] = str(response.status_code)
        response.headers[ERROR_HEADER] = response.get_data(as_text=True).strip()
    return response


def _original_request() -> tuple[str, str]:
    environ = request.environ  # read as _credentials reads the key: once, no header mapping
    nginx = environ.get("HTTP_X_ORIGINAL_METHOD"), environ.get("HTTP_X_ORIGINAL_URI")
    others = environ.get("HTTP_X_FORWARDED_METHOD"), environ.get("HTTP_X_FORWARDED_URI")
    if any(nginx) and any(others):
        raise ApiError(400, _("The original request came in two pairs of headers: refused"))
    method, uri = nginx if any(nginx) else others
    if not method or not uri:
        raise ApiError(400, _("The proxy did not send the original request's method and URI"))
    method = method.strip().upper()
    if method not in route_policy.METHODS:
        raise ApiError(400, _("The original request's method is not one the policy knows"))
    return method, uri.strip()


def _shown_path(uri: str) -> str:
    """A refused route's path for the log: never its query or anything after a #, which
    may hold a secret."""
    return without_control_characters(re.split(r"[?#]", uri, maxsplit=1)[0])[:PATH_LOGGED]


def _log_refused_route(method: str, uri: str) -> None:
    """Name a refused route in the log, at most LOGGED_A_MINUTE times a minute a process:
    anyone may ask for routes no rule names, with no key, so they must not fill the log."""
    _logged: deque[float] = current_app.extensions.setdefault(
        "keyfob.refused_routes_logged", deque(maxlen=LOGGED_A_MINUTE)
    )
    now = time.monotonic()
    if len(_logged) == _logged.maxlen and now - _logged[0] < 60:
        return
    _logged.append(now)
    log.warning("forward_auth: no rule lets %s %s through", method, _shown_path(uri))


IDENTITY_HEADERS = (
    "X-Keyfob-User-Id",
    "X-Keyfob-Email",
    "X-Keyfob-Full-Name",
    "X-Keyfob-Role",
    "X-Keyfob-Is-Bot",
    "X-Keyfob-Bot-Owner-Id",
    "X-Keyfob-Key-Id",
    "X-Keyfob-Scopes",
)


# A public route's identity: each header present and empty, so that a proxy copying them
# sets them empty (Caddy before 2.7 writes its placeholder's own text for a header the
# answer lacks) and nginx sends none.
_ANONYMOUS = tuple((name, "") for name in IDENTITY_HEADERS)
_ALLOWED_BODY = success_text()
_ALLOWED_HEADERS = (("Cache-Control", "no-store"), (STATUS_HEADER, "200"))


@lru_cache(maxsize=4096)
def _identity_of(
    user_id: int,
    email: str,
    full_name: str,
    role: int,
    is_bot: bool,
    bot_owner_id: int | None,
    key_id: int,
    held: tuple[str, ...],
) -> tuple[tuple[str, str], ...]:
    """The caller as the upstream needs them (text in UTF-8, percent-encoded): formatted
    once per caller and key, not on every check."""
    values = (
        str(user_id),
        quote(email, safe="@+"),
        quote(full_name, safe=""),
        str(role),
        "true" if is_bot else "false",
        str(bot_owner_id or ""),
        str(key_id),
        " ".join(held),
    )
    return tuple(zip(IDENTITY_HEADERS, values, strict=True))


def _identity(principal: Principal, held: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    return _identity_of(
        principal.user_id,
        principal.email,
        principal.full_name,
        principal.role,
        principal.is_bot,
        principal.bot_owner_id,
        principal.key_id,
        held,
    )
