"""Two-factor authentication in Account & privacy: adding an authenticator app (a QR code
and the secret in text, confirmed by a first code), its recovery codes (shown once), new
recovery codes, and removing the app (the password and a code). Adding and new codes need
the re-authentication window; removing asks for the password and a code itself."""

from flask import flash, make_response, redirect, render_template, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from werkzeug.wrappers import Response
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from app.core import db
from app.core.headers import no_store
from app.core.i18n import gettext as _
from app.people import accounts, authentication, known_devices, reauth
from app.people.factors import checks, enrolment, held
from app.web.forms import Form
from app.web.settings import bp
from app.web.settings.forms import CODE_MAX, ConfirmForm


class CodeForm(Form):
    code = StringField(_l("Code from the app"), validators=[DataRequired(), Length(max=CODE_MAX)])


class RemoveForm(Form):
    password = PasswordField(
        _l("Password"), validators=[DataRequired(), Length(max=accounts.PASSWORD_MAX)]
    )
    code = StringField(
        _l("Code from your authenticator app, or a recovery code"),
        validators=[DataRequired(), Length(max=CODE_MAX)],
    )


@bp.route("/account/two-factor/app", methods=["GET", "POST"])
@login_required
@reauth.required
def add_app() -> Response | str:
    """The QR code and the secret of the app being added (kept unconfirmed until its first
    code is right), and that code."""
    session = db.session()
    started = enrolment.pending(session, current_user.id)
    if started is None:  # a reload shows the same secret; a first visit makes one
        try:
            started = enrolment.start(session, current_user)
        except enrolment.AlreadyEnrolled:
            flash(_("You have an authenticator app already: remove it first."), "info")
            return redirect(url_for(".account"))
    form = CodeForm()
    if form.validate_on_submit():
        try:
            codes = enrolment.confirm(session, current_user, form.code.data)
        except enrolment.NothingToConfirm:
            return redirect(url_for(".account"))
        if codes is not None:
            return _codes_page(codes, added="app")
        form.code.errors.append(
            _("That code is not right: check the app's clock, and type the code it shows now.")
        )
    page = render_template(
        "settings/two_factor_app.html", tab="account", started=started, form=form
    )
    return no_store(make_response(page))  # the page holds the secret


@bp.route("/account/two-factor/recovery-codes", methods=["GET", "POST"])
@login_required
@reauth.required
def new_recovery_codes() -> Response | str:
    """Confirm, then ten new recovery codes in place of the old ones."""
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            codes = enrolment.replace_recovery_codes(db.session(), current_user)
        except enrolment.NothingToConfirm:
            return redirect(url_for(".account"))
        return _codes_page(codes, added="")
    return render_template("settings/recovery_codes_confirm.html", tab="account", form=form)


@bp.route("/account/two-factor/remove", methods=["GET", "POST"])
@login_required
def remove_app() -> Response | str:
    form = RemoveForm()
    if not held.enrolled(db.session(), current_user.id):
        return redirect(url_for(".account"))
    if form.validate_on_submit():
        browser = known_devices.from_request()
        device = known_devices.of_logged_in_browser(current_user, browser)
        try:
            enrolment.remove(
                db.session(), current_user, form.password.data, form.code.data, device=device
            )
        except (authentication.AuthenticationError, accounts.AccountDeactivated):
            form.password.errors.append(_("Password is incorrect"))
        except checks.CodeRefused:
            form.code.errors.append(_("That code is not right, or it was used already."))
        else:
            flash(_("The authenticator app and your recovery codes are removed."), "success")
            return redirect(url_for(".account"))
    return render_template("settings/two_factor_remove.html", tab="account", form=form)


def _codes_page(codes: list[str], *, added: str) -> Response:
    page = render_template("settings/recovery_codes.html", tab="account", codes=codes, added=added)
    return no_store(make_response(page))
