"""Passkeys in Account & privacy: adding one (named, made by the browser's own
navigator.credentials through app/static/js/passkeys.js) and removing one. Both need the
re-authentication window. Without JavaScript the pages say that passkeys need it."""

from flask import flash, make_response, redirect, render_template, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from app.core import db
from app.core.headers import no_store
from app.core.i18n import gettext as _
from app.core.models import Passkey, storable_id
from app.core.refusals import FieldRefused
from app.people import reauth
from app.people.factors import passkeys
from app.web.settings import bp
from app.web.settings.forms import ConfirmForm, NewPasskeyForm


@bp.route("/account/two-factor/passkeys/new", methods=["GET", "POST"])
@login_required
@reauth.required
def add_passkey() -> Response | str:
    form, problem = NewPasskeyForm(), None
    if form.validate_on_submit():
        try:
            codes = passkeys.register(db.session(), current_user, form.name.data, form.answer.data)
        except FieldRefused as refused:
            form.name.errors.append(refused.message)
        except passkeys.PasskeyRefused:
            problem = _("The passkey could not be added. Try again.")
        else:
            return _added(codes)
    elif form.answer.errors and not form.name.errors:
        problem = _("The passkey could not be added. Try again.")
    options = passkeys.registration_options(db.session(), current_user)
    return render_template(
        "settings/passkey_new.html", tab="account", form=form, options=options, problem=problem
    )


def _added(codes: list[str] | None) -> Response:
    """Back to the account, or first, for a first factor, its recovery codes (shown once)."""
    if codes is None:
        flash(_("The passkey is added."), "success")
        return redirect(url_for(".account"))
    page = render_template(
        "settings/recovery_codes.html", tab="account", codes=codes, added="passkey"
    )
    return no_store(make_response(page))


@bp.route("/account/two-factor/passkeys/<int:passkey_id>/remove", methods=["GET", "POST"])
@login_required
@reauth.required
def remove_passkey(passkey_id: int) -> Response | str:
    passkey = db.session().get(Passkey, passkey_id) if storable_id(passkey_id) else None
    if passkey is None or passkey.user_id != current_user.id:
        return redirect(url_for(".account"))
    form = ConfirmForm()
    if form.validate_on_submit():
        if passkeys.remove(db.session(), current_user, passkey_id):
            flash(_("The passkey is removed."), "success")
        return redirect(url_for(".account"))
    return render_template("settings/passkey_remove.html", tab="account", passkey=passkey)
