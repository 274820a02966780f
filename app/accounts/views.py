"""Register, log in, log out."""

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from app import db, known_devices, limits
from app.accounts import users
from app.accounts.forms import LoginForm, RegisterForm
from app.security import end_login_session, start_login_session

bp = Blueprint("accounts", __name__)


@bp.get("/")
def index() -> Response:
    if current_user.is_authenticated:
        return redirect(url_for("settings.account"))
    return redirect(url_for("accounts.login"))


@bp.route("/register", methods=["GET", "POST"])
@limits.registrations
def register() -> Response | str:
    if not current_app.config["REGISTRATION_OPEN"]:
        abort(404)
    form = RegisterForm()
    if form.validate_on_submit():
        db_session = db.session()
        try:
            users.create_human(db_session, form.email.data, form.full_name.data, form.password.data)
        except users.EmailTaken:
            form.email.errors.append(_("An account with this email already exists."))
        else:
            db_session.commit()
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
            user = users.authenticate(
                db.session(), form.email.data, form.password.data, purpose="login", device=device
            )
        except users.WrongPassword:
            form.password.errors.append(_("Email or password is incorrect."))
        except users.AccountDeactivated:
            form.password.errors.append(_("This account is deactivated."))
        else:
            start_login_session(user)
            response = redirect(url_for("settings.account"))
            known_devices.remember(response, user, device)
            return response
    return render_template("accounts/login.html", form=form)


@bp.post("/logout")
def logout() -> Response:
    end_login_session(current_user if current_user.is_authenticated else None)
    return redirect(url_for("accounts.login"))
