"""The "This wasn't me" pages: the link from a notice opens a confirm page (no change, and
no login needed), whose Confirm stops the key and signs the person out everywhere else.

The token arrives in the query string, which the access log leaves out, and goes back in
the form's body; it is never logged or put in any other URL."""

from flask import make_response, render_template, request
from flask_login import current_user
from werkzeug.wrappers import Response

from app import db, login_sessions, not_me
from app.accounts.forms import NOT_ME_TOKEN_MAX, NotMeForm
from app.accounts.views import bp
from app.headers import no_store
from app.i18n import gettext as _


@bp.get(not_me.PATH)
def not_me_confirm() -> Response | tuple[str, int]:
    """What Confirm will do, or why the link cannot be used. Changes nothing."""
    token = request.args.get("token", "")[: NOT_ME_TOKEN_MAX + 1]
    try:
        report = not_me.read(db.session(), token)
    except (not_me.LinkInvalid, not_me.LinkExpired, not_me.LinkUsed) as problem:
        return _refused(problem)
    page = render_template(
        "accounts/not_me_confirm.html", form=NotMeForm(token=token), report=report
    )
    return no_store(make_response(page))


@bp.post(not_me.PATH)
def not_me_act() -> Response | tuple[str, int]:
    form = NotMeForm()
    if not form.validate_on_submit():
        return _refused(not_me.LinkInvalid())
    try:
        report = not_me.act(db.session(), form.token.data)
    except (not_me.LinkInvalid, not_me.LinkExpired, not_me.LinkUsed) as problem:
        return _refused(problem)
    if current_user.is_authenticated and current_user.id == report.person.id:
        login_sessions.renew(current_user)  # "every other session": this one stays
    return no_store(make_response(render_template("accounts/not_me_done.html", report=report)))


def _refused(problem: Exception) -> tuple[str, int]:
    """A clear page: 404 for a link Keyfob never made, 400 for one past its use."""
    if isinstance(problem, not_me.LinkExpired):
        status = 400
        message = _(
            "This link is more than 24 hours old. Log in and check your keys and security log."
        )
    elif isinstance(problem, not_me.LinkUsed):
        status = 400
        message = _(
            "This link was used already, or the key it is about has been replaced or revoked "
            "since. Log in and check your keys and security log."
        )
    else:
        status = 404
        message = _(
            "This link is not one we sent, or it was cut short. Open it again from the email, "
            "whole."
        )
    title = _("This link cannot be used")
    return render_template("error.html", title=title, message=message), status
