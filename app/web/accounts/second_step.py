"""The second step of a login, for a person with a second factor: after the password, a
code from their authenticator app (or a recovery code), unless this browser was remembered.

Between the two steps the session holds only who passed the password, in which session
generation, and until when (SECOND_STEP_SECONDS): nobody is logged in until the code is
right, and a logout elsewhere, or the time running out, sends the person back to the start."""

from datetime import timedelta

from flask import flash, redirect, render_template, session, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.wrappers import Response
from wtforms import BooleanField, HiddenField, StringField
from wtforms.validators import DataRequired, Length

from app.core import clock, db
from app.core.i18n import gettext as _
from app.core.models import User
from app.people import known_devices, login_sessions
from app.people.factors import checks, held, passkeys
from app.web.accounts import bp
from app.web.forms import Form

PENDING = "second_step"
SECOND_STEP_SECONDS = 300
CODE_MAX = 64  # a code is 6 digits, a recovery code 11 characters


class SecondStepForm(Form):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=CODE_MAX)])
    remember = BooleanField(_l("Remember this browser"))


class PasskeyStepForm(Form):
    answer = HiddenField(validators=[DataRequired(), Length(max=passkeys.ANSWER_MAX)])
    remember = BooleanField(_l("Remember this browser"), id="passkey-remember")


def finish_or_ask(user: User, device: known_devices.KnownDevice | None) -> Response:
    """After a right password: log in, or first ask for the second factor."""
    mark = held.factor_mark(db.session(), user.id)
    if mark is None or (device is not None and device.skips_second_factor(user, mark)):
        return _log_in(user, device)
    session.clear()
    session[PENDING] = {
        "user": user.id,
        "generation": user.session_generation,
        "until": (clock.now() + timedelta(seconds=SECOND_STEP_SECONDS)).timestamp(),
    }
    return redirect(url_for("accounts.second_step"))


@bp.route("/login/second-step", methods=["GET", "POST"])
def second_step() -> Response | str:
    user = _pending_or_back()
    if not isinstance(user, User):
        return user
    form = SecondStepForm()
    if form.validate_on_submit():
        device = known_devices.from_request()
        try:
            checks.check_code(db.session(), user, form.code.data, purpose="login", device=device)
        except checks.CodeRefused:
            form.code.errors.append(_("That code is not right, or it was used already."))
        else:
            return _log_in(user, device, remember=bool(form.remember.data))
    return _step_page(user, form)


@bp.post("/login/second-step/passkey")
def second_step_by_passkey() -> Response | str:
    """The second step answered by a passkey of the person's instead of a code."""
    user = _pending_or_back()
    if not isinstance(user, User):
        return user
    form = PasskeyStepForm()
    if form.validate_on_submit():
        device = known_devices.from_request()
        try:
            checks.check_passkey(
                db.session(), user, form.answer.data, purpose="login", device=device
            )
        except checks.CodeRefused:
            pass
        else:
            return _log_in(user, device, remember=bool(form.remember.data))
    flash(_("That passkey could not confirm it was you. Try again, or enter a code."), "error")
    return redirect(url_for("accounts.second_step"))


def _step_page(user: User, form: SecondStepForm) -> str:
    session = db.session()
    has_app = held.app_factor(session, user.id) is not None
    if not has_app:
        form.code.label.text = _("Recovery code")
    return render_template(
        "accounts/second_step.html",
        form=form,
        has_app=has_app,
        passkey_form=PasskeyStepForm(formdata=None),
        passkey_options=passkeys.authentication_options(session, user, "login"),
    )


def _pending_or_back() -> User | Response:
    """The person between the two steps, or where to go instead: on, when logged in
    already; back to the start, when the step ran out or was never begun."""
    if current_user.is_authenticated:
        return redirect(url_for("settings.account"))
    user = _pending_user()
    if user is None:
        flash(_("Log in again: the second step was not finished in time."), "info")
        return redirect(url_for("accounts.login"))
    return user


def _pending_user() -> User | None:
    pending = session.get(PENDING)
    if not isinstance(pending, dict):
        return None
    until, user_id = pending.get("until"), pending.get("user")
    if not isinstance(until, float | int) or not isinstance(user_id, int):
        return None
    if clock.now().timestamp() >= until:
        session.pop(PENDING, None)
        return None
    user = db.session().get(User, user_id)
    if user is None or not user.is_active or user.is_bot:
        return None
    if pending.get("generation") != user.session_generation:
        return None
    return user


def _log_in(
    user: User, device: known_devices.KnownDevice | None, *, remember: bool = False
) -> Response:
    mark = held.factor_mark(db.session(), user.id) if remember else None
    login_sessions.start(user)  # a fresh session: the pending step goes with the old one
    response = redirect(url_for("settings.account"))
    known_devices.remember(response, user, device, second_factor_mark=mark)
    return response
