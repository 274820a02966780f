"""The Account & privacy tab: the user's own API key, behind password re-entry."""

import posixpath
from datetime import timedelta
from urllib.parse import unquote, urlsplit

from flask import current_app, flash, make_response, redirect, render_template, request, url_for
from flask_babel import format_datetime, refresh
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from app.core import audit, clock, db
from app.core.headers import no_store
from app.core.i18n import gettext as _
from app.keys import decoys, named, primary, revocation, tokens
from app.people import accounts, authentication, known_devices, login_sessions, reauth
from app.people.factors import checks, held, passkeys, recovery
from app.web import rcfile
from app.web.settings import bp
from app.web.settings.forms import (
    ConfirmForm,
    LanguageForm,
    NoticesForm,
    PasskeyAnswerForm,
    ReauthForm,
    RegenerateForm,
)
from app.web.settings.reveal import reveal_or_404
from app.web.settings.whose_keys import Place


@bp.get("/")
@login_required
def index() -> Response:
    return redirect(url_for("settings.account"))


@bp.app_template_global("event_label")
def event_label(event: audit.AuditEvent) -> str:
    return audit.label(event, current_user.id)


@bp.get("/account")
@login_required
def account() -> str:
    return _account_page(LanguageForm(language=current_user.language or ""))


def _account_page(language_form: LanguageForm) -> str:
    session = db.session()
    return render_template(
        "settings/account.html",
        tab="account",
        key_record=primary.active_key(session, current_user.id),
        key_list_rows=named.live_keys(session, current_user.id),
        token_rows=tokens.live_by_key(session, current_user.id),
        decoy_rows=decoys.listed(session, current_user.id),
        place=Place(current_user, "own", "account"),
        now=clock.now(),
        events=audit.security_log(session, current_user.id),
        language_form=language_form,
        notices_form=NoticesForm(routine_notices=current_user.routine_notices),
        second_factor=held.enrolled(session, current_user.id),
        has_app=held.app_factor(session, current_user.id) is not None,
        passkey_rows=held.passkeys(session, current_user.id),
        passkey_limit=passkeys.MOST_PER_PERSON,
        recovery_codes_left=recovery.left(session, current_user.id),
    )


@bp.post("/account/language")
@login_required
def save_language() -> Response | str:
    form = LanguageForm()
    if not form.validate_on_submit():
        return _account_page(form)
    accounts.set_language(db.session(), current_user, form.language.data or None)
    refresh()  # say it in the language just chosen
    flash(_("Your language is saved."), "success")
    return redirect(url_for(".account"))


@bp.route("/account/api-key", methods=["GET", "POST"])
@login_required
def api_key() -> Response | str:
    """The password step; once the window is open, the key itself."""
    form = ReauthForm()
    after = _settings_path(request.args.get("next"))
    if request.method == "POST":
        return reauthenticate(form, then=after or url_for(".api_key")) or _password_step(
            form, after
        )
    if not reauth.is_open():
        return _password_step(form, after)
    if after:
        return redirect(after)
    key = reveal_or_404(current_user.id, "api_key_revealed")
    page = render_template("settings/account_key.html", tab="account", key=key)
    return no_store(make_response(page))


def _password_step(form: ReauthForm, after: str | None) -> str:
    return render_template(
        "settings/api_key_password.html",
        tab="account",
        form=form,
        after=after,
        **reauth_factors(form, then=after),
    )


def reauth_factors(form: ReauthForm, *, then: str | None) -> dict[str, object]:
    """What a password step shows of the person's second factors: the code field (an app's
    code, or a recovery code for a person whose factors are passkeys), and a passkey's way
    in alone, which leads back to ``then``."""
    session = db.session()
    has_app = held.app_factor(session, current_user.id) is not None
    options = passkeys.authentication_options(session, current_user, "reauth")
    if options is not None and not has_app:
        form.code.label.text = _("Recovery code")
    return {
        "second_factor": has_app or options is not None,
        "has_app": has_app,
        "passkey_options": options,
        "passkey_action": url_for(".api_key_by_passkey", next=then),
    }


@bp.post("/account/api-key/passkey")
@login_required
def api_key_by_passkey() -> Response | str:
    """The window opened by a passkey alone (as GitHub's sudo mode allows): it is a second
    factor the person holds and a thief of the password does not."""
    form = PasskeyAnswerForm()
    then = _settings_path(request.args.get("next")) or url_for(".api_key")
    if form.validate_on_submit():
        browser = known_devices.from_request()
        device = known_devices.of_logged_in_browser(current_user, browser)
        try:
            checks.check_passkey(
                db.session(), current_user, form.answer.data, purpose="reauth", device=device
            )
        except checks.CodeRefused:
            pass
        else:
            reauth.open_window()
            return redirect(then)
    flash(_("That passkey could not confirm it was you. Try again, or use your password."), "error")
    return redirect(url_for(".api_key", next=then) if then != url_for(".api_key") else then)


def _settings_path(value: str | None) -> str | None:
    """Where the password step leads back to: a path of these settings pages only, never
    another site (no scheme, no host, no ``//`` or backslash a browser would read as one)
    nor another page by way of ``..`` (which browsers resolve, ``%2e%2e`` too)."""
    if not value or not value.isprintable() or "\\" in value or value.startswith("//"):
        return None
    parts = urlsplit(value)
    path = unquote(parts.path)
    resolved = posixpath.normpath(path) + ("/" if path.endswith("/") else "")
    if parts.scheme or parts.netloc or resolved != path:
        return None
    return value if path.startswith(url_for(".index")) else None


def reauthenticate(form: ReauthForm, *, then: str) -> Response | None:
    """Check the password step: on success open the window and go to ``then``; None when
    the form is to be shown again, with its error."""
    if form.validate_on_submit():
        browser = known_devices.from_request()
        try:
            authentication.authenticate(
                db.session(),
                current_user.email,
                form.password.data,
                purpose="reauth",
                device=known_devices.of_logged_in_browser(current_user, browser),
            )
        except (authentication.AuthenticationError, accounts.AccountDeactivated):
            form.password.errors.append(_("Password is incorrect"))
        else:
            if not _second_factor_given(form, browser):
                return None
            reauth.open_window()
            response = redirect(then)
            known_devices.remember(response, current_user, browser)
            return response
    return None


def _second_factor_given(form: ReauthForm, browser: known_devices.KnownDevice | None) -> bool:
    """With a second factor, the window also needs its code (or a recovery code): whoever
    has the password alone must not see a key."""
    session = db.session()
    if not held.enrolled(session, current_user.id):
        return True
    if not (form.code.data or "").strip():
        form.code.errors.append(_("Enter the code from your authenticator app."))
        return False
    device = known_devices.of_logged_in_browser(current_user, browser)
    try:
        checks.check_code(session, current_user, form.code.data, purpose="reauth", device=device)
    except checks.CodeRefused:
        form.code.errors.append(_("That code is not right, or it was used already."))
        return False
    return True


@bp.route("/account/api-key/regenerate", methods=["GET", "POST"])
@login_required
@reauth.required
def regenerate_api_key() -> Response | str:
    """Confirm/Cancel, then a new key; the old one stops working now or after the chosen
    overlap."""
    form = RegenerateForm(max_grace_seconds=current_app.config["MAX_ROLL_GRACE_SECONDS"])
    if form.validate_on_submit():
        grace = form.grace_period()
        primary.regenerate(db.session(), current_user, actor_id=current_user.id, grace=grace)
        flash(regenerated_message(grace), "success")
        return redirect(url_for(".api_key"))
    return render_template("settings/regenerate_confirm.html", tab="account", form=form)


def regenerated_message(grace: timedelta, *, bot: bool = False) -> str:
    """What the key page says after a regeneration: when the old key stops working."""
    if not grace:
        if bot:
            return str(_("The bot's new API key is ready. The old key no longer works."))
        return str(_("Your new API key is ready. The old key no longer works."))
    until = format_datetime(clock.now() + grace)
    if bot:
        message = _("The bot's new API key is ready. The old key works until %(time)s.", time=until)
    else:
        message = _("Your new API key is ready. The old key works until %(time)s.", time=until)
    return str(message)


@bp.route("/account/revoke-all", methods=["GET", "POST"])
@login_required
@reauth.required
def revoke_all_keys() -> Response | str:
    """Confirm/Cancel, then every key of the user and their bots is replaced and every other
    login session ends; this one stays."""
    form = ConfirmForm()
    if form.validate_on_submit():
        revocation.revoke_all(db.session(), current_user, actor_id=current_user.id)
        login_sessions.renew(current_user)
        flash(
            _(
                "Every key of yours and of your bots is revoked, and your other sessions are "
                "signed out. New primary keys replace them: show them when you need them."
            ),
            "success",
        )
        return redirect(url_for(".account"))
    return render_template("settings/revoke_all_confirm.html", tab="account")


@bp.get("/account/api-key/zuliprc")
@login_required
@reauth.required
def download_zuliprc() -> Response | tuple[str, int]:
    return rcfile.download(current_user.id, current_user.email)
