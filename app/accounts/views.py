"""Register, log in, log out."""

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from app import authentication, db, known_devices, limits, login_sessions, policies, users
from app.accounts.forms import LoginForm, RegisterForm
from app.i18n import gettext as _

bp = Blueprint("accounts", __name__)


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
            users.register(db.session(), form.email.data, form.full_name.data, form.password.data)
        except users.InvalidRegistration as problem:
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
        except authentication.AccountDeactivated:
            form.password.errors.append(_("This account is deactivated."))
        else:
            login_sessions.start(user)
            response = redirect(url_for("settings.account"))
            known_devices.remember(response, user, device)
            return response
    open_ = policies.for_display(db.session()).registration_open
    return render_template("accounts/login.html", form=form, registration_open=open_)


@bp.post("/logout")
def logout() -> Response:
    login_sessions.end(current_user if current_user.is_authenticated else None)
    return redirect(url_for("accounts.login"))


from app.accounts import not_me, password_reset  # noqa: E402, F401  (routes register on bp)
