"""The base of every form: flask-wtf's CSRF token, form bodies only, no invisible controls
and no text that UTF-8 cannot encode."""

import re
from typing import Any

from flask import request
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict

# Control characters have no place in any field here (PostgreSQL refuses NUL outright),
# nor do the invisible format characters that make a name look blank or read backwards:
# zero-width spaces, bidirectional overrides and isolates, the byte-order mark.
_UNWANTED = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]"
)


# A lone surrogate: a Python string can hold one (JSON's "\ud800" decodes to it), UTF-8
# cannot, so the database driver, the password hasher and any hashing of the text fail on it.
_SURROGATE = re.compile("[\ud800-\udfff]")


def is_unicode_text(value: str) -> bool:
    """True when the text can be encoded as UTF-8 (it holds no lone surrogate)."""
    return _SURROGATE.search(value) is None


def has_control_characters(value: str) -> bool:
    return _UNWANTED.search(value) is not None


def without_control_characters(value: str) -> str:
    return _UNWANTED.sub("", value)


class Form(FlaskForm):
    class Meta(FlaskForm.Meta):
        def wrap_formdata(self, form: Any, formdata: Any) -> Any:
            """Read form-encoded bodies only: flask-wtf would also take JSON, whose values
            need not be strings and which the rate limits' account lookup does not read."""
            if request.is_json and not request.form:
                return MultiDict() if request.method in ("POST", "PUT", "PATCH") else None
            return super().wrap_formdata(form, formdata)

    def validate(self, extra_validators: Any = None) -> bool:
        # Validators that encode text would fail on a lone surrogate, so such a field gets
        # its error before any of them runs.
        broken = [f for f in self if isinstance(f.data, str) and not is_unicode_text(f.data)]
        for field in broken:
            field.errors = [_l("Remove the invalid characters.")]
        if broken:
            return False
        valid: bool = super().validate(extra_validators)
        for field in self:
            if isinstance(field.data, str) and has_control_characters(field.data):
                field.errors = [*field.errors, _l("Remove the control characters.")]
                valid = False
        return valid
