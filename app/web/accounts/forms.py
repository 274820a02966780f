"""Forms for registration and login; every one carries a CSRF token (flask-wtf).

The registration rules live in app.users; the form only shows their messages on its fields.
"""

from collections.abc import Callable

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, Field, HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, ValidationError

from app.people import accounts
from app.web.forms import Form

NOT_ME_TOKEN_MAX = 500  # a real token is about 100 characters


def _strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


def _rule(rule: Callable[[str], str]) -> Callable[[Form, Field], None]:
    """A validator applying one of app.users' rules; the field keeps the cleaned value,
    so the account stores the email in its normalised form."""

    def validate(form: Form, field: Field) -> None:
        try:
            field.data = rule(field.data)
        except accounts.InvalidRegistration as problem:
            raise ValidationError(problem.message) from None

    return validate


class RegisterForm(Form):
    email = EmailField(
        _l("Email"), filters=[_strip], validators=[DataRequired(), _rule(accounts.clean_email)]
    )
    full_name = StringField(
        _l("Full name"),
        filters=[_strip],
        validators=[DataRequired(), _rule(accounts.clean_full_name)],
    )
    password = PasswordField(
        _l("Password"), validators=[DataRequired(), _rule(accounts.check_new_password)]
    )
    confirm = PasswordField(
        _l("Repeat password"),
        validators=[DataRequired(), EqualTo("password", message=_l("Passwords do not match."))],
    )


class LoginForm(Form):
    email = EmailField(_l("Email"), filters=[_strip], validators=[DataRequired(), Length(max=254)])
    password = PasswordField(
        _l("Password"), validators=[DataRequired(), Length(max=accounts.PASSWORD_MAX)]
    )


class NewPasswordForm(Form):
    """A new password, twice, under the registration rules (a reset, and a change)."""

    password = PasswordField(
        _l("New password"), validators=[DataRequired(), _rule(accounts.check_new_password)]
    )
    confirm = PasswordField(
        _l("Repeat new password"),
        validators=[DataRequired(), EqualTo("password", message=_l("Passwords do not match."))],
    )


class ForgotPasswordForm(Form):
    email = EmailField(_l("Email"), filters=[_strip], validators=[DataRequired(), Length(max=254)])


class NotMeForm(Form):
    """The Confirm button of a "This wasn't me" link: the token rides in the body, never in
    the URL the form posts to."""

    token = HiddenField(validators=[DataRequired(), Length(max=NOT_ME_TOKEN_MAX)])
