"""One error path for the API: every failure is {"result": "error", "msg", "code"}."""

from typing import Any

from flask import Flask, jsonify, request
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

CODES = {
    400: "BAD_REQUEST",
    401: "UNAUTHORIZED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    413: "REQUEST_TOO_LARGE",
    429: "RATE_LIMIT_HIT",
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
    return response


def register(app: Flask) -> None:
    """JSON errors for every /api/ path, including routes that do not exist."""

    @app.errorhandler(ApiError)
    def _api_error(error: ApiError) -> Response:
        return error_response(error.status, error.msg, **error.extra)

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException) -> Response | HTTPException:
        if not request.path.startswith("/api/"):
            return error
        status = error.code or 500
        return error_response(status, _messages().get(status, error.description or ""))


def _messages() -> dict[int, str]:
    return {
        400: _("Bad request"),
        404: _("Endpoint does not exist"),
        405: _("Method not allowed"),
        413: _("Request is too large"),
    }
