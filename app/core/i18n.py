"""Choosing the language of a request: English or Simplified Chinese.

In order: the logged-in user's saved preference, then the browser's Accept-Language, then
English. Browsers say zh, zh-CN, zh-Hans or zh-SG for Simplified Chinese; the catalog is
called zh_Hans, which a plain tag match against zh-CN would miss, so tags are matched here.
Traditional Chinese tags (zh-TW, zh-HK, zh-MO, zh-Hant) are not taken as Simplified.
"""

from datetime import datetime, timedelta
from typing import Any

from babel import Locale
from babel.support import NullTranslations
from flask import Flask, has_request_context, request
from flask_babel import Babel, format_timedelta, get_locale, get_translations
from flask_login import current_user

from app.core import clock

ENGLISH = "en"
SIMPLIFIED_CHINESE = "zh_Hans"
SUPPORTED = (ENGLISH, SIMPLIFIED_CHINESE)
# How each language names itself in the Language setting: never translated.
NATIVE_NAMES = {ENGLISH: "English", SIMPLIFIED_CHINESE: "简体中文"}
_PARSED = {language: Locale.parse(language) for language in SUPPORTED}
# Subtags that mean Traditional script (or a language mostly written in it, Cantonese).
_TRADITIONAL = {"hant", "tw", "hk", "mo", "yue"}


def gettext(message: str, **variables: Any) -> str:
    """flask-babel's gettext, for the request's language, in fewer steps: each language's
    catalog is looked up once per process rather than through flask-babel's per-request
    context on every call (an API error spent more on that than on the rest of its answer).
    Outside a request, as flask-babel's, the message untranslated."""
    locale = get_locale()
    if locale is None:
        text = message
    else:
        name = str(locale)
        catalog = _CATALOGS.get(name)
        if catalog is None:
            catalog = _CATALOGS.setdefault(name, get_translations())
        text = catalog.ugettext(message)
    return text % variables if variables else text


# Every app in the process reads the same catalogs (app/translations), so one map serves all.
_CATALOGS: dict[str, NullTranslations] = {}
_ = gettext


def from_browser(header_languages: list[str]) -> str:
    """The first supported language among the browser's, by preference; else English."""
    for language in header_languages:
        subtags = language.strip().lower().replace("_", "-").split("-")
        if subtags[0] == "zh" and not _TRADITIONAL & set(subtags[1:]):
            return SIMPLIFIED_CHINESE
        if subtags[0] == "en":
            return ENGLISH
    return ENGLISH


def _browser_locale() -> str:
    if not has_request_context():
        return ENGLISH
    header = request.environ.get("HTTP_ACCEPT_LANGUAGE", "")
    language = _BY_HEADER.get(header)
    if language is None:
        wanted = [language for language, quality in request.accept_languages if quality > 0]
        language = from_browser(wanted)
        if len(_BY_HEADER) < MAX_HEADERS_REMEMBERED:
            _BY_HEADER[header] = language
    return language


# The language each Accept-Language header chose, worked out once: browsers send the same
# few, and parsing one cost more than the rest of an API error. Bounded, as headers are free
# text: past this many, the rest are parsed each time.
_BY_HEADER: dict[str, str] = {"": ENGLISH}
MAX_HEADERS_REMEMBERED = 256


def _page_locale() -> str:
    """The pages: a logged-in user's saved choice wins over the browser's."""
    if not has_request_context():  # the command line: messages in English
        return ENGLISH
    if current_user.is_authenticated and current_user.language in SUPPORTED:
        return str(current_user.language)
    return _browser_locale()


def init_app(app: Flask, babel: Babel, *, user_preference: bool = True) -> None:
    """Set up translations; the API (no login sessions) follows the browser header alone."""
    choose = _page_locale if user_preference else _browser_locale
    # A Locale object, parsed once here: flask-babel parses a name on every request that
    # translates anything (an API error does), which cost more than the rest of the error.
    babel.init_app(app, locale_selector=lambda: _PARSED[choose()])
    app.jinja_env.globals["get_locale"] = get_locale
    app.jinja_env.globals["html_lang"] = html_lang
    app.jinja_env.filters["ago"] = ago
    app.jinja_env.filters["from_now"] = from_now


def html_lang() -> str:
    """The page's language as a BCP 47 tag (zh-Hans, not Babel's zh_Hans)."""
    return str(get_locale()).replace("_", "-")


def ago(moment: datetime) -> str:
    """A past moment as the reader's language says it: "just now", "3 minutes ago"."""
    elapsed = clock.now() - moment
    if elapsed < timedelta(minutes=1):
        return str(_("just now"))
    return str(format_timedelta(-elapsed, add_direction=True, granularity="minute"))


def from_now(moment: datetime) -> str:
    """A future moment as the reader's language says it: "in 24 hours"."""
    return str(format_timedelta(moment - clock.now(), add_direction=True, granularity="minute"))
