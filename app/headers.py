"""Response headers: the same security headers on every response, and no_store() for the
responses that hold a key."""

from collections.abc import Callable, Iterable
from typing import Any

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


def no_store(response: Response) -> Response:
    """Forbid every cache, browser or proxy, from keeping a response that holds a key."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    return response


def with_security_headers(wsgi_app: Any) -> Callable[..., Iterable[bytes]]:
    """Wrap the whole application (pages, API, probes) so every response carries the same
    four headers, error pages and unhandled failures included (no view sets any of them).

    They are appended to the header list the server receives, as they are: one list
    extension per response rather than four header-object insertions in a Flask hook.
    """

    def secured(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            headers.extend(SECURITY_HEADERS)
            return start_response(status, headers, exc_info)

        body: Iterable[bytes] = wsgi_app(environ, start)
        return body

    return secured
