"""The security-notice preference in Account & privacy: its own small form and route."""

from flask import flash, redirect, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from app.core import db
from app.core.i18n import gettext as _
from app.people import accounts
from app.web.settings import bp
from app.web.settings.forms import NoticesForm


@bp.post("/account/notices")
@login_required
def save_notices() -> Response:
    """A checkbox sends nothing when unticked, so a valid form always says which it is."""
    form = NoticesForm()
    if not form.validate_on_submit():  # only the CSRF token can fail
        flash(_("Your choice was not saved: reload the page and try again."), "error")
        return redirect(url_for(".account"))
    accounts.set_routine_notices(db.session(), current_user, on=form.routine_notices.data)
    if form.routine_notices.data:
        flash(_("You will be emailed about your own routine actions too."), "success")
    else:
        flash(
            _("You will no longer be emailed about your own routine actions."),
            "success",
        )
    return redirect(url_for(".account"))
