"""The "This wasn't me" pages: the link from a notice opens a confirm page (no change, and
no login needed), whose Confirm stops the key and signs the person out everywhere else; or,
for a notice of a second factor added, removes that factor and signs them out everywhere.

The token arrives in the query string, which the access log leaves out. The landing moves
it into the (signed) session at once and redirects to /not-me without it, as the password
reset page does, so it leaves the address bar and the history and no Referer can carry it;
the confirm page reads it from there and puts it in its form's body, so Confirm acts on the
link whose page it is even if another link was opened since. Every response of these pages
is kept private (headers.keep_private): no cache keeps it, and it sends no Referer."""

from flask import redirect, render_template, request, session, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from app.core import db
from app.core.headers import keep_endpoints_private
from app.core.i18n import gettext as _
from app.keys import revocation
from app.notifications import not_me
from app.people import login_sessions
from app.people.factors import enrolment
from app.web.accounts import bp
from app.web.accounts.forms import NOT_ME_TOKEN_MAX, NotMeForm

_IN_SESSION = "not_me_link"  # the session key holding the last opened link's token


@bp.get(not_me.PATH)
def not_me_confirm() -> Response | tuple[str, int] | str:
    """What Confirm will do, or why the link cannot be used. Changes nothing."""
    if "token" in request.args:  # the emailed link: keep its token, drop it from the URL
        token = request.args["token"][: NOT_ME_TOKEN_MAX + 1]
        try:
            not_me.read(db.session(), token)
        except not_me.LinkRefused as problem:
            return _refused(problem)
        session[_IN_SESSION] = token
        return redirect(url_for(".not_me_confirm"), 303)
    kept = session.get(_IN_SESSION)
    token = kept if isinstance(kept, str) else ""  # none: as bad as a tampered one
    try:
        report = not_me.read(db.session(), token)
    except not_me.LinkRefused as problem:
        session.pop(_IN_SESSION, None)  # expired, used or never valid: it stays so
        return _refused(problem)
    form = NotMeForm(token=token)
    if isinstance(report, not_me.FactorReport):
        return render_template("accounts/not_me_factor_confirm.html", form=form, report=report)
    return render_template("accounts/not_me_confirm.html", form=form, report=report)


@bp.post(not_me.PATH)
def not_me_act() -> tuple[str, int] | str:
    form = NotMeForm()
    if not form.validate_on_submit():
        return _refused(not_me.LinkInvalid())
    token = form.token.data
    try:
        if not_me.names_factor(token):
            report: not_me.Report | not_me.FactorReport = enrolment.undo_reported(
                db.session(), token
            )
            template = "accounts/not_me_factor_done.html"
        else:
            report = revocation.stop_reported_key(db.session(), token)
            template = "accounts/not_me_done.html"
    except not_me.LinkRefused as problem:
        _forget(token)
        return _refused(problem)
    _forget(token)
    if current_user.is_authenticated and current_user.id == report.person.id:
        login_sessions.renew(current_user)  # "every other session": this one stays
    return render_template(template, report=report)


keep_endpoints_private(bp, "accounts.not_me_confirm", "accounts.not_me_act")


def _forget(token: str) -> None:
    """Drop the session's token once it was acted on or refused for good (not another
    link's, opened in a second tab since)."""
    if session.get(_IN_SESSION) == token:
        session.pop(_IN_SESSION, None)


def _refused(problem: not_me.LinkRefused) -> tuple[str, int]:
    """A clear page: 404 for a link Keyfob never made, 400 for one past its use."""
    title = _("This link cannot be used")
    page = render_template("error.html", title=title, message=str(problem.message))
    return page, problem.status
