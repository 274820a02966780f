"""Error responses: friendly HTML pages for the browser, JSON for every API path.

An unexpected exception reaches these handlers as Werkzeug's InternalServerError (500),
after Flask has logged it.
"""

from flask import Flask, flash, g, make_response, redirect, render_template, url_for
from flask_wtf.csrf import CSRFError
from limits.errors import StorageError
from sqlalchemy.exc import InterfaceError, OperationalError
from werkzeug.exceptions import BadHost, HTTPException, NotFound, SecurityError, TooManyRequests
from werkzeug.wrappers import Response

from app.core import db
from app.core.db import DatabaseUnavailable, HolderMoved
from app.core.i18n import gettext as _
from app.core.limits import StoreUnavailable, TooManyAttempts
from app.people.factors.policy import SecondFactorRequired
from app.people.login_sessions import login_manager


def register(app: Flask) -> None:
    """HTML error pages for the browser side."""

    @app.errorhandler(HolderMoved)
    def _holder_moved(_error: HolderMoved) -> tuple[str, int]:
        return error_page(NotFound())  # the bot is someone else's now, like any other's

    @app.errorhandler(SecondFactorRequired)
    def _second_factor_required(error: SecondFactorRequired) -> Response:
        """The organization asks this person for a second factor first: lead them to it."""
        flash(error.message, "info")
        return redirect(url_for("settings.add_app"))

    @app.errorhandler(TooManyAttempts)
    def _too_many(error: TooManyAttempts) -> Response:
        response = make_response(error_page(TooManyRequests()))
        response.headers["Retry-After"] = str(error.retry_after)
        return response

    @app.errorhandler(StoreUnavailable)
    @app.errorhandler(StorageError)  # flask-limiter's own check, on the registration form
    def _store_unavailable(_error: Exception) -> tuple[str, int]:
        title = _("Sign-in is paused for a moment")
        message = _(
            "Password checks need the rate-limit store, which cannot be reached right now. "
            "Try again in a minute."
        )
        return render_template("error.html", title=title, message=message), 503

    @app.errorhandler(DatabaseUnavailable)
    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    def _database_unavailable(_error: Exception) -> tuple[str, int]:
        # The user cannot be loaded now: the page (its language, its header) is rendered as
        # for a visitor. Flask-Login keeps the request's user in g._login_user.
        g._login_user = login_manager.anonymous_user()
        title = _("Keyfob is unavailable for a moment")
        message = _("It cannot reach its database right now. Try again in a few seconds.")
        return render_template("error.html", title=title, message=message), 503

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException) -> tuple[str, int] | Response:
        if isinstance(error, BadHost | SecurityError):
            # An untrusted or malformed host: no URL can be built for it, so answer plainly.
            return Response(_("Bad request"), status=400, mimetype="text/plain")
        db.session().rollback()  # a failed flush must not break the page that reports it
        return error_page(error)


def error_page(error: HTTPException) -> tuple[str, int]:
    status = error.code or 500
    if isinstance(error, CSRFError):
        title = _("This form has expired")
        message = _("Go back, reload the page and try again.")
    else:
        title, message = _page_texts().get(
            status, (_("Something went wrong"), _("The request could not be completed."))
        )
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
