"""Settings forms; flask-wtf adds the CSRF token to each."""

from collections.abc import Callable

from flask_babel import lazy_gettext as _l
from wtforms import PasswordField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError

from app import bots
from app.forms import Form
from app.i18n import NATIVE_NAMES
from app.users import PASSWORD_MAX


class ReauthForm(Form):
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=PASSWORD_MAX)])


class ConfirmForm(Form):
    """A Confirm button: nothing but the CSRF token."""


class BotForm(Form):
    """Add a new bot; the rules live in app.bots, shared with the API."""

    full_name = StringField(_l("Full name"), validators=[InputRequired()])
    username = StringField(_l("Username"), validators=[InputRequired()])

    def validate_full_name(self, field: StringField) -> None:
        _apply(bots.clean_full_name, field)

    def validate_username(self, field: StringField) -> None:
        _apply(bots.clean_username, field)


def _apply(rule: Callable[[str], str], field: StringField) -> None:
    try:
        field.data = rule(field.data)
    except bots.InvalidBot as problem:
        raise ValidationError(problem.message) from None


class LanguageForm(Form):
    """The page language: a saved choice, or whatever the browser asks for."""

    language = SelectField(
        _l("Language"),
        choices=[
            SelectChoice("", _l("Use my browser's language")),
            *(
                SelectChoice(code, name, {"lang": code.replace("_", "-")})
                for code, name in NATIVE_NAMES.items()
            ),
        ],
    )
