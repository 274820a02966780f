"""Error responses: JSON for every /api/ path (even routes that do not exist), HTML elsewhere.

An unexpected exception reaches these handlers as Werkzeug's InternalServerError (500),
after Flask has logged it.
"""

import math
import time

from flask import Flask, current_app, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from app.api.errors import ApiError, api_message, error_response


def register(app: Flask) -> None:
    @app.errorhandler(ApiError)
    def _api_error(error: ApiError) -> Response:
        return error_response(error.status, error.msg, **error.extra)

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException) -> Response | tuple[str, int]:
        status = error.code or 500
        if _is_api():
            extra = {"retry-after": _retry_after()} if status == 429 else {}
            return error_response(status, api_message(status, error.description or ""), **extra)
        return error_page(error)


def _retry_after() -> int:
    """Seconds until the breached limit lets a request through (Zulip's "retry-after")."""
    limit = current_app.extensions["keyfob.limiter"].current_limit
    return max(1, math.ceil(limit.reset_at - time.time())) if limit else 1


def _is_api() -> bool:
    return request.path == "/api" or request.path.startswith("/api/")


def error_page(error: HTTPException) -> tuple[str, int]:
    status = error.code or 500
    if isinstance(error, CSRFError):
        title = _("This form has expired")
        message = _("Go back, reload the page and try again.")
    else:
        title, message = _page_texts().get(status, (error.name, error.description or ""))
    return render_template("error.html", title=title, message=message), status


def _page_texts() -> dict[int, tuple[str, str]]:
    return {
        400: (_("Bad request"), _("The request could not be understood.")),
        404: (_("Page not found"), _("There is nothing at this address.")),
        405: (_("Method not allowed"), _("This page cannot be used that way.")),
        413: (_("Too much data"), _("The form sent more than the server accepts.")),
        429: (_("Too many attempts"), _("Wait a little, then try again.")),
        500: (_("Something went wrong"), _("The error was logged. Please try again later.")),
    }
