"""The base of every form: flask-wtf's CSRF token, form bodies only, no invisible controls
and no text that UTF-8 cannot encode."""

from typing import Any

from flask import request
from flask_babel import lazy_gettext as _l
from flask_wtf import CSRFProtect, FlaskForm
from werkzeug.datastructures import MultiDict

from app.core.characters import has_control_characters, is_unicode_text

csrf = CSRFProtect()  # every POST from the pages carries the token (the API has none)


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
