"""Reading request arguments: form fields (as Zulip clients send them) or a JSON object."""

import json
from collections.abc import Mapping
from typing import Any

from flask import request

from app.api.responses import ApiError
from app.core.characters import has_control_characters, is_unicode_text
from app.core.i18n import gettext as _


def _arguments() -> Mapping[str, Any]:
    if request.method in ("GET", "HEAD"):  # a read's arguments are in its query string
        return request.args
    if request.mimetype == "application/json":
        try:
            data = request.get_json(silent=True)
        except RecursionError:  # nested deeper than the JSON parser goes
            data = None
        if not isinstance(data, dict):
            raise ApiError(400, _("Malformed JSON: the body must be a JSON object"))
        return data
    return request.form


def text(name: str) -> str:
    """A required string argument; a missing or non-string one is a 400 naming it."""
    value = optional_text(name)
    if value is None:
        raise _missing(name)
    return value


def _missing(name: str) -> ApiError:
    message = _("Missing '%(name)s' argument", name=name)
    return ApiError(400, message, code="REQUEST_VARIABLE_MISSING", var_name=name)


def optional_text(name: str) -> str | None:
    """An optional string argument: None when absent; a non-string one is a 400 naming it."""
    value = _arguments().get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ApiError(400, _("'%(name)s' must be a string", name=name), var_name=name)
    if not is_unicode_text(value):  # a lone surrogate, which no UTF-8 consumer accepts
        raise ApiError(
            400, _("'%(name)s' contains invalid Unicode characters", name=name), var_name=name
        )
    if has_control_characters(value):  # PostgreSQL refuses NUL in text outright
        raise ApiError(400, _("'%(name)s' contains control characters", name=name), var_name=name)
    return value


def optional_integer(name: str, minimum: int, maximum: int) -> int | None:
    """An optional whole-number argument within [minimum, maximum]: None when absent; a
    form field's digits or a JSON integer (never a boolean, a fraction or a huge number)."""
    value = _arguments().get(name)
    if value is None:
        return None
    number: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        digits = value.strip()
        number = int(digits) if len(digits) <= 12 else None  # no 4000-digit conversions
    if number is None or not minimum <= number <= maximum:
        message = _(
            "'%(name)s' must be a whole number from %(minimum)d to %(maximum)d",
            name=name,
            minimum=minimum,
            maximum=maximum,
        )
        raise ApiError(400, message, var_name=name)
    return number


def optional_list(name: str) -> list[str] | None:
    """An optional list of strings: a JSON list in a JSON body; in a form, a JSON list as
    text (as Zulip's clients send list arguments) or comma-separated. None when absent;
    anything else is a 400 naming it."""
    value = _arguments().get(name)
    if value is None:
        return None
    if isinstance(value, str):
        value = _list_from_text(name, value)
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ApiError(400, _("'%(name)s' must be a list of strings", name=name), var_name=name)
    for item in value:
        if not is_unicode_text(item) or has_control_characters(item):
            message = _("'%(name)s' contains control characters", name=name)
            raise ApiError(400, message, var_name=name)
    return [item.strip() for item in value if item.strip()]


def _list_from_text(name: str, text: str) -> object:
    if not text.lstrip().startswith("["):
        return text.split(",")
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        message = _("'%(name)s' is not a valid JSON list", name=name)
        raise ApiError(400, message, var_name=name) from None


def optional_boolean(name: str) -> bool | None:
    """An optional true/false argument: a JSON boolean, or a form field's ``true`` or
    ``false`` (as Zulip's clients send them). None when absent; anything else is a 400."""
    value = _arguments().get(name)
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise ApiError(400, _("'%(name)s' must be true or false", name=name), var_name=name)


def boolean(name: str) -> bool:
    """A required true/false argument (as optional_boolean); missing, a 400 naming it."""
    value = optional_boolean(name)
    if value is None:
        raise _missing(name)
    return value
