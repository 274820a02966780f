"""The API's two shapes, as Zulip's: {"result": "success", "msg": "", …} and
{"result": "error", "msg", "code", …}, and the handlers that give every failure the second."""

import json
from datetime import UTC, datetime
from typing import Any

from flask import Flask
from flask.json.provider import DefaultJSONProvider
from flask.wrappers import Response as FlaskResponse
from sqlalchemy.exc import InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from app.core.db import DatabaseUnavailable, HolderMoved
from app.core.i18n import gettext as _
from app.core.limits import StoreUnavailable, TooManyAttempts
from app.people.factors.policy import SecondFactorRequired

STORE_RETRY_SECONDS = 30  # a guess at an outage's length; the client may retry sooner
DATABASE_RETRY_SECONDS = 5  # a database restart usually takes seconds

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
    """Raise in an API view to answer with a JSON error.

    ``code`` is what scripts branch on (never the translated ``msg``): Zulip's code where
    Zulip has one (INVALID_API_KEY, USER_DEACTIVATED, AUTHENTICATION_FAILED,
    REQUEST_VARIABLE_MISSING), else the status's general code. ``fields`` go into the body
    as they are (``var_name``).
    """

    def __init__(
        self,
        status: int,
        msg: str,
        *,
        code: str | None = None,
        retry_after: int | None = None,
        headers: dict[str, str] | None = None,
        **fields: Any,
    ) -> None:
        super().__init__(status)
        self.status = status
        self.msg = msg
        self.code = code
        self.retry_after = retry_after
        self.headers = headers or {}
        self.fields = fields


def timestamp(moment: datetime | None) -> str | None:
    """ISO 8601 in UTC with a Z (what the key endpoints answer), or None."""
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


# What jsonify writes (Flask's defaults: ASCII, sorted keys, compact, its fallbacks for dates,
# UUIDs and dataclasses), with the encoder built once rather than on every response.
_encode = json.JSONEncoder(
    ensure_ascii=True, sort_keys=True, separators=(",", ":"), default=DefaultJSONProvider.default
).encode


def encode(body: Any) -> str:
    """``body`` as JSON text, as jsonify would write it."""
    return _encode(body) + "\n"


# Every answer is about its caller (who they are, their keys, what they may see): no cache,
# shared or a browser's, keeps one, whichever header carried the key.
_NOT_STORED = (("Cache-Control", "no-store"),)


def json_response(text: str, status: int = 200) -> Response:
    """JSON text (from ``encode``) as a response that no cache keeps."""
    return FlaskResponse(text, status=status, content_type="application/json", headers=_NOT_STORED)


def success_text(**fields: Any) -> str:
    return encode({"result": "success", "msg": "", **fields})


def success(**fields: Any) -> Response:
    return json_response(success_text(**fields))


def error_text(error: ApiError) -> str:
    """The error's body, in Zulip's shape."""
    code = error.code or CODES.get(error.status, "BAD_REQUEST")
    body: dict[str, Any] = {"result": "error", "msg": error.msg, "code": code}
    body.update(error.fields)
    if error.retry_after is not None:
        body["retry-after"] = error.retry_after
    return encode(body)


def error_headers(status: int, retry_after: int | None) -> tuple[tuple[str, str], ...]:
    """What every error answer carries beside its own ``headers``: no caching, the Basic
    challenge of a 401, the wait of a limit."""
    challenge = (("WWW-Authenticate", 'Basic realm="keyfob"'),) if status == 401 else ()
    wait = () if retry_after is None else (("Retry-After", str(retry_after)),)
    return (*_NOT_STORED, *challenge, *wait)


def error_response(error: ApiError) -> Response:
    response = FlaskResponse(
        error_text(error),
        status=error.status,
        content_type="application/json",
        headers=error_headers(error.status, error.retry_after),
    )
    response.headers.update(error.headers)
    return response


def register_error_handlers(api: Flask) -> None:
    """JSON for every API failure, including routes that do not exist."""

    @api.errorhandler(ApiError)
    def _api_error(error: ApiError) -> Response:
        return error_response(error)

    @api.errorhandler(HolderMoved)
    def _holder_moved(_error: HolderMoved) -> Response:
        return error_response(ApiError(404, _("No such bot")))

    @api.errorhandler(SecondFactorRequired)
    def _second_factor_required(error: SecondFactorRequired) -> Response:
        return error_response(ApiError(403, error.message, code="SECOND_FACTOR_ENROLMENT_REQUIRED"))

    @api.errorhandler(TooManyAttempts)
    def _too_many(error: TooManyAttempts) -> Response:
        return error_response(ApiError(429, _message(429, ""), retry_after=error.retry_after))

    @api.errorhandler(StoreUnavailable)
    def _store_unavailable(_error: StoreUnavailable) -> Response:
        message = _("Password checks are paused: the rate-limit store cannot be reached")
        return _unavailable(message, STORE_RETRY_SECONDS)

    @api.errorhandler(DatabaseUnavailable)
    @api.errorhandler(OperationalError)
    @api.errorhandler(InterfaceError)
    def _database_unavailable(_error: Exception) -> Response:
        message = _("The database cannot be reached right now; try again shortly")
        return _unavailable(message, DATABASE_RETRY_SECONDS)

    @api.errorhandler(HTTPException)
    def _http_error(error: HTTPException) -> Response:
        status = error.code or 500
        return error_response(ApiError(status, _message(status, error.description or "")))


def _unavailable(message: str, retry_after: int) -> Response:
    """503: a service Keyfob needs is away; the client may retry after ``retry_after``."""
    return error_response(
        ApiError(503, message, code="SERVICE_UNAVAILABLE", retry_after=retry_after)
    )


def _message(status: int, fallback: str) -> str:
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
