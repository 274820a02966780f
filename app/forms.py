"""The base of every form: flask-wtf's CSRF token, and no control characters anywhere."""

import re
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm

# NUL and other control characters have no place in any field here, and PostgreSQL
# refuses NUL in text outright: turn them into a form error before they reach a query.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def has_control_characters(value: str) -> bool:
    return _CONTROL.search(value) is not None


class Form(FlaskForm):
    def validate(self, extra_validators: Any = None) -> bool:
        valid: bool = super().validate(extra_validators)
        for field in self:
            if isinstance(field.data, str) and has_control_characters(field.data):
                field.errors = [*field.errors, _l("Remove the control characters.")]
                valid = False
        return valid
