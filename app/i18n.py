"""Choosing the language of a request."""

from flask import Flask, request
from flask_babel import Babel, get_locale

SUPPORTED = ["en"]


def select_locale() -> str | None:
    return request.accept_languages.best_match(SUPPORTED) or "en"


def init_app(app: Flask, babel: Babel) -> None:
    babel.init_app(app, locale_selector=select_locale)
    app.jinja_env.globals["get_locale"] = get_locale
