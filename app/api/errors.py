"""The API's one error shape: {"result": "error", "msg", "code"}."""

from typing import Any

from flask import jsonify
from flask_babel import gettext as _
from werkzeug.wrappers import Response

CODES = {
    400: "BAD_REQUEST",
    401: "UNAUTHORIZED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    413: "REQUEST_TOO_LARGE",
    429: "RATE_LIMIT_HIT",
    500: "INTERNAL_SERVER_ERROR",
}


class ApiError(Exception):
    """Raise in an API view to answer with a JSON error."""

    def __init__(self, status: int, msg: str, **extra: Any) -> None:
        super().__init__(status)
        self.status = status
        self.msg = msg
        self.extra = extra


def error_response(status: int, msg: str, **extra: Any) -> Response:
    body = {"result": "error", "msg": msg, "code": CODES.get(status, "BAD_REQUEST"), **extra}
    response = jsonify(body)
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Basic realm="keyfob"'
    if "retry-after" in extra:
        response.headers["Retry-After"] = str(extra["retry-after"])
    return response


def api_message(status: int, fallback: str) -> str:
    """The API's own wording for a status raised outside the API views (404, 405, …)."""
    messages: dict[int, str] = {
        400: _("Bad request"),
        404: _("Endpoint does not exist"),
        405: _("Method not allowed"),
        413: _("Request is too large"),
        429: _("API usage exceeded rate limit"),
        500: _("Internal server error"),
    }
    return messages.get(status, fallback)
