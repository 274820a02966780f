"""The re-authentication window ("sudo mode") that guards the user's own key.

A correct password opens the window for REAUTH_WINDOW_SECONDS, for this login session
only. Logging out clears the session and so closes it.
"""

from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any, ParamSpec, TypeVar

from flask import current_app, flash, redirect, request, session, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from app.core import clock
from app.core.i18n import gettext as _

P = ParamSpec("P")
R = TypeVar("R")

_UNTIL = "reauth_until"
_USER = "reauth_user"


def open_window() -> None:
    window = timedelta(seconds=current_app.config["REAUTH_WINDOW_SECONDS"])
    session[_UNTIL] = (clock.now() + window).timestamp()
    session[_USER] = current_user.id


def close_window() -> None:
    session.pop(_UNTIL, None)
    session.pop(_USER, None)


def is_open() -> bool:
    until = session.get(_UNTIL)
    if not isinstance(until, float | int) or session.get(_USER) != current_user.id:
        return False
    if clock.now().timestamp() >= until:
        close_window()
        return False
    return True


def required(view: Callable[P, R]) -> Callable[P, R | Response]:
    """Run the view only inside the window; otherwise send the user to the password step."""

    @wraps(view)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R | Response:
        if not is_open():
            flash(_("Confirm your password to continue."), "info")
            # A page asked for by link (a prefilled new key) is where the step leads back.
            back: dict[str, Any] = (
                {"next": request.full_path.rstrip("?")} if request.method == "GET" else {}
            )
            return redirect(url_for("settings.api_key", **back))
        return view(*args, **kwargs)

    return wrapper
