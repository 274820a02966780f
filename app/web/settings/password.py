"""Change password, in Account & privacy: the current password, the new one twice, and what
else to end (other sessions, on by default; every key, on request)."""

from flask import flash, redirect, render_template, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from werkzeug.wrappers import Response
from wtforms import BooleanField, PasswordField
from wtforms.validators import DataRequired, Length

from app.core import db
from app.core.i18n import gettext as _
from app.people import accounts, authentication, known_devices, login_sessions, password_change
from app.web.accounts.forms import NewPasswordForm
from app.web.accounts.password_reset import forgot_page_url
from app.web.settings import bp


class ChangePasswordForm(NewPasswordForm):
    current_password = PasswordField(
        _l("Current password"), validators=[DataRequired(), Length(max=accounts.PASSWORD_MAX)]
    )
    end_other_sessions = BooleanField(_l("Sign out of all my other sessions"), default=True)
    replace_keys = BooleanField(_l("Also replace my API key and my bots' keys"))

    def choices(self) -> password_change.ChangeRequest:
        return password_change.ChangeRequest(
            end_other_sessions=bool(self.end_other_sessions.data),
            replace_keys=bool(self.replace_keys.data),
        )


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password() -> Response | str:
    form = ChangePasswordForm()
    if form.validate_on_submit():
        browser = known_devices.from_request()
        try:
            password_change.change_password(
                db.session(),
                current_user,
                form.current_password.data,
                form.password.data,
                form.choices(),
                device=known_devices.of_logged_in_browser(current_user, browser),
                reset_url=forgot_page_url(),
            )
        except (authentication.AuthenticationError, accounts.AccountDeactivated):
            form.current_password.errors.append(_("Password is incorrect"))
        except accounts.InvalidRegistration as problem:
            form.password.errors.append(problem.message)
        else:
            login_sessions.renew(current_user)  # this session outlives the others
            flash(_changed_message(form.choices()), "success")
            response = redirect(url_for(".account"))
            known_devices.remember(response, current_user, browser)  # under the new password
            return response
    return render_template("settings/password.html", tab="account", form=form)


def _changed_message(choices: password_change.ChangeRequest) -> str:
    if choices.replace_keys:
        return str(
            _(
                "Your password is changed, and every key of yours and of your bots is "
                "replaced: show the new ones when you need them."
            )
        )
    if choices.end_other_sessions:
        return str(_("Your password is changed, and your other sessions are signed out."))
    return str(_("Your password is changed."))
