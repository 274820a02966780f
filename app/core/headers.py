"""Response headers: the same security headers on every response, no_store() for the
responses that hold a key, and keep_private() for every response of a page reached with an
emailed token."""

from collections.abc import Callable, Iterable
from typing import Any

from flask import Blueprint, request
from werkzeug.wrappers import Response

_CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
SECURITY_HEADERS = [
    ("Content-Security-Policy", _CONTENT_SECURITY_POLICY),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "same-origin"),
]
# A response that sets one of these itself keeps its own value (keep_private's Referrer-Policy):
# with two, a browser would follow the last one.
_SECURITY_HEADER_NAMES = frozenset(name.lower() for name, _value in SECURITY_HEADERS)


def no_store(response: Response) -> Response:
    """Forbid every cache, browser or proxy, from keeping a response that holds a key."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    return response


def keep_private(response: Response) -> Response:
    """no_store(), and no Referer at all from the page: a page reached with a token in its
    address (or holding one) must not hand that address to its own scripts and styles, nor
    to wherever its links lead; same-origin requests would otherwise carry it in full."""
    response.headers["Referrer-Policy"] = "no-referrer"
    return no_store(response)


def keep_endpoints_private(blueprint: Blueprint, *endpoints: str) -> None:
    """keep_private() every response of ``endpoints``: their pages, redirects and error
    pages alike (a refused CSRF token, a rate limit), since each may answer a tokened URL."""
    private = frozenset(endpoints)

    def hook(response: Response) -> Response:
        return keep_private(response) if request.endpoint in private else response

    blueprint.after_request(hook)


def with_security_headers(wsgi_app: Any) -> Callable[..., Iterable[bytes]]:
    """Wrap the whole application (pages, API, probes) so every response carries the same
    four headers, error pages and unhandled failures included; a response that set one of
    them itself (keep_private's Referrer-Policy) keeps its own.

    They are appended to the header list the server receives, as they are: one list
    extension per response rather than four header-object insertions in a Flask hook.
    """

    def secured(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            present = {name.lower() for name, _value in headers}
            if present.isdisjoint(_SECURITY_HEADER_NAMES):
                headers.extend(SECURITY_HEADERS)
            else:
                headers.extend(h for h in SECURITY_HEADERS if h[0].lower() not in present)
            return start_response(status, headers, exc_info)

        body: Iterable[bytes] = wsgi_app(environ, start)
        return body

    return secured
