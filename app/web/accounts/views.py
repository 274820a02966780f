"""Register, log in, log out."""

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from app.core import db, limits
from app.core.i18n import gettext as _
from app.organization import policies
from app.people import accounts, authentication, known_devices, login_sessions
from app.web.accounts import bp, second_step
from app.web.accounts.forms import LoginForm, RegisterForm


@bp.get("/")
def index() -> Response:
    if current_user.is_authenticated:
        return redirect(url_for("settings.account"))
    return redirect(url_for("accounts.login"))


@bp.route("/register", methods=["GET", "POST"])
@limits.registrations
def register() -> Response | str:
    if not policies.current(db.session()).registration_open:
        abort(404)
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            accounts.register(
                db.session(), form.email.data, form.full_name.data, form.password.data
            )
        except accounts.InvalidRegistration as problem:
            form[problem.field].errors.append(problem.message)
        else:
            flash(_("Your account is ready. Log in to continue."), "success")
            return redirect(url_for("accounts.login"))
    return render_template("accounts/register.html", form=form)


@bp.route("/login", methods=["GET", "POST"])
def login() -> Response | str:
    if current_user.is_authenticated:
        return redirect(url_for("settings.account"))
    form = LoginForm()
    if form.validate_on_submit():
        device = known_devices.from_request()
        try:
            user = authentication.authenticate(
                db.session(), form.email.data, form.password.data, purpose="login", device=device
            )
        except authentication.WrongPassword:
            form.password.errors.append(_("Email or password is incorrect."))
        except accounts.AccountDeactivated:
            form.password.errors.append(_("This account is deactivated."))
        else:
            return second_step.finish_or_ask(user, device)
    open_ = policies.for_display(db.session()).registration_open
    return render_template("accounts/login.html", form=form, registration_open=open_)


@bp.post("/logout")
def logout() -> Response:
    login_sessions.end(current_user if current_user.is_authenticated else None)
    return redirect(url_for("accounts.login"))
