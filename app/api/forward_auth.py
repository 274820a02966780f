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
from urllib.parse import quote

from flask import after_this_request, current_app, g, request
from werkzeug.wrappers import Response

from app.api import bp
from app.api.auth import ROUTE_CHECKED, authenticate, beyond_posting, holding
from app.api.responses import ApiError, json_response, success_text
from app.core.characters import without_control_characters
from app.core.i18n import gettext as _
from app.keys import route_policy, scopes
from app.keys.verification import Principal

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
        return _anonymous(json_response(success_text()))
    g.setdefault(ROUTE_CHECKED, f"{method} {rule.pattern}")  # for what a refusal tells
    principal = holding(authenticate(), rule.scope)
    if rule.scope != scopes.POSTING:  # an incoming webhook bot's key posts, and only that
        beyond_posting(principal)
    return _identified(json_response(success_text()), principal)


def _status_for_nginx(response: Response) -> Response:
    """X-Keyfob-Status on every answer of the check, and a refusal's body in X-Keyfob-Error
    (one line of ASCII JSON: Keyfob's encoder escapes the rest)."""
    response.headers[STATUS_HEADER] = str(response.status_code)
    if response.status_code >= 300:
        response.headers[ERROR_HEADER] = response.get_data(as_text=True).strip()
    return response


def _original_request() -> tuple[str, str]:
    headers = request.headers
    nginx = headers.get("X-Original-Method"), headers.get("X-Original-URI")
    others = headers.get("X-Forwarded-Method"), headers.get("X-Forwarded-Uri")
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


def _anonymous(response: Response) -> Response:
    """A public route's answer: each identity header present and empty, so that a proxy
    copying them sets them empty (Caddy before 2.7 writes its placeholder's own text for
    a header the answer lacks) and nginx sends none."""
    response.headers.update(dict.fromkeys(IDENTITY_HEADERS, ""))
    return response


def _identified(response: Response, principal: Principal) -> Response:
    """The caller as the upstream needs them (text in UTF-8, percent-encoded)."""
    held = scopes.held(
        principal.scopes, primary=principal.key_kind == "primary", config=current_app.config
    )
    response.headers.update(
        {
            "X-Keyfob-User-Id": str(principal.user_id),
            "X-Keyfob-Email": quote(principal.email, safe="@+"),
            "X-Keyfob-Full-Name": quote(principal.full_name, safe=""),
            "X-Keyfob-Role": str(principal.role),
            "X-Keyfob-Is-Bot": "true" if principal.is_bot else "false",
            "X-Keyfob-Bot-Owner-Id": str(principal.bot_owner_id or ""),
            "X-Keyfob-Key-Id": str(principal.key_id),
            "X-Keyfob-Scopes": " ".join(held),
        }
    )
    return response
