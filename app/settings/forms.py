"""Settings forms; flask-wtf adds the CSRF token to each."""

from flask_babel import lazy_gettext as _l
from wtforms import PasswordField
from wtforms.validators import DataRequired, Length

from app.accounts.forms import PASSWORD_MAX
from app.forms import Form


class ReauthForm(Form):
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=PASSWORD_MAX)])


class ConfirmForm(Form):
    """A Confirm button: nothing but the CSRF token."""
