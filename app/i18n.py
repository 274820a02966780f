"""Choosing the language of a request."""

from datetime import datetime, timedelta

from flask import Flask, request
from flask_babel import Babel, format_timedelta, get_locale
from flask_babel import gettext as _

from app import clock

SUPPORTED = ["en"]


def select_locale() -> str | None:
    return request.accept_languages.best_match(SUPPORTED) or "en"


def init_app(app: Flask, babel: Babel) -> None:
    babel.init_app(app, locale_selector=select_locale)
    app.jinja_env.globals["get_locale"] = get_locale
    app.jinja_env.filters["ago"] = ago


def ago(moment: datetime) -> str:
    """A past moment as the reader's language says it: "just now", "3 minutes ago"."""
    elapsed = clock.now() - moment
    if elapsed < timedelta(minutes=1):
        return str(_("just now"))
    return str(format_timedelta(-elapsed, add_direction=True, granularity="minute"))
