"""Response headers: the same security headers on every response, and no_store() for the
responses that hold a key."""

from flask import Flask
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


def add_security_headers(response: Response) -> Response:
    """The same four headers on every response (no view sets any of them itself)."""
    response.headers.extend(SECURITY_HEADERS)
    return response


def init_app(app: Flask) -> None:
    app.after_request(add_security_headers)
