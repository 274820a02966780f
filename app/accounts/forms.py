"""Forms for registration and login; every one carries a CSRF token (flask-wtf)."""

from collections.abc import Callable

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, Field, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, ValidationError

from app import identities
from app.forms import Form

PASSWORD_MIN = 10
PASSWORD_MAX = 256


def _strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


def _identity_rule(rule: Callable[[str], str]) -> Callable[[Form, Field], None]:
    """A validator applying one of app.identities' rules; the field keeps the cleaned value,
    so the account stores the email in its normalised form."""

    def validate(form: Form, field: Field) -> None:
        try:
            field.data = rule(field.data)
        except identities.InvalidIdentity as problem:
            raise ValidationError(problem.message) from None

    return validate


class RegisterForm(Form):
    email = EmailField(
        _l("Email"),
        filters=[_strip],
        validators=[DataRequired(), Length(max=254), _identity_rule(identities.normalize_email)],
    )
    full_name = StringField(
        _l("Full name"),
        filters=[_strip],
        validators=[
            DataRequired(),
            Length(max=100),
            _identity_rule(identities.clean_display_name),
        ],
    )
    password = PasswordField(
        _l("Password"), validators=[DataRequired(), Length(min=PASSWORD_MIN, max=PASSWORD_MAX)]
    )
    confirm = PasswordField(
        _l("Repeat password"),
        validators=[DataRequired(), EqualTo("password", message=_l("Passwords do not match."))],
    )


class LoginForm(Form):
    email = EmailField(_l("Email"), filters=[_strip], validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=PASSWORD_MAX)])
