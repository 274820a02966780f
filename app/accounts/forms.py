"""Forms for registration and login; every one carries a CSRF token (flask-wtf)."""

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length

from app.forms import Form

PASSWORD_MIN = 10
PASSWORD_MAX = 256


def _strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


class RegisterForm(Form):
    email = EmailField(
        _l("Email"),
        filters=[_strip],
        validators=[DataRequired(), Length(max=254), Email(message=_l("Enter a valid email."))],
    )
    full_name = StringField(
        _l("Full name"), filters=[_strip], validators=[DataRequired(), Length(max=100)]
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
