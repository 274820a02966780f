"""A forgotten password: the page that asks for an email address, and the reset link's page.

The emailed link names its token in the query string, which neither gunicorn's access log,
the sample proxies' (docs/nginx.conf, docs/Caddyfile) nor the development server's
(app/ops/request_log.py) writes down. The landing page moves the token into the session and
redirects to the same page without it, so it stays out of the address bar, the history and
any Referer; the form posts to that. Every response of the link's page (the landing, the
form, its errors, the bad-link page, the redirect after the reset) is kept private
(headers.keep_private): no cache keeps it, and it sends no Referer.
"""

from flask import flash, redirect, render_template, request, session, url_for
from werkzeug.wrappers import Response

from app.core import db, hosts, limits
from app.core.headers import keep_endpoints_private
from app.core.i18n import gettext as _
from app.people import accounts, password_reset
from app.web.accounts import bp
from app.web.accounts.forms import ForgotPasswordForm, NewPasswordForm

_IN_SESSION = "password_reset_link"  # the session key holding the link's token


def forgot_page_url() -> str:
    """The absolute address of the "Forgot your password?" page, for emails."""
    return hosts.site_url() + url_for("accounts.forgot_password")


@bp.route("/password/forgot", methods=["GET", "POST"])
def forgot_password() -> str:
    """Ask for a reset link: the same page whether or not the address has an account."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        limits.reset_requests().take(accounts.normalize_email(form.email.data))
        password_reset.request_reset(db.session(), form.email.data, link_for=_link)
        return render_template("accounts/forgot_password_sent.html", email=form.email.data)
    return render_template("accounts/forgot_password.html", form=form)


def _link(token: str) -> str:
    return hosts.site_url() + url_for("accounts.reset_password", token=token)


@bp.route("/password/reset", methods=["GET", "POST"])
def reset_password() -> Response | tuple[str, int] | str:
    if "token" in request.args:  # the emailed link: keep its token, drop it from the URL
        token = request.args["token"]
        try:
            password_reset.check_link(db.session(), token)
        except password_reset.InvalidResetLink as problem:
            return _bad_link(problem)
        session[_IN_SESSION] = token
        return redirect(url_for(".reset_password"))
    kept = session.get(_IN_SESSION)
    token = kept if isinstance(kept, str) else ""  # none: as bad as a tampered one
    try:
        user = password_reset.check_link(db.session(), token)
        form = NewPasswordForm()
        if form.validate_on_submit():
            password_reset.reset_password(
                db.session(), token, form.password.data, reset_url=forgot_page_url()
            )
            session.pop(_IN_SESSION, None)
            flash(
                _("Your new password is set and every session is signed out. Log in with it."),
                "success",
            )
            return redirect(url_for("accounts.login"))
    except password_reset.InvalidResetLink as problem:  # expired, or used meanwhile
        session.pop(_IN_SESSION, None)
        return _bad_link(problem)
    except accounts.InvalidRegistration as problem:
        form.password.errors.append(problem.message)
    return render_template("accounts/reset_password.html", form=form, email=user.email)


keep_endpoints_private(bp, "accounts.reset_password")


def _bad_link(problem: password_reset.InvalidResetLink) -> tuple[str, int]:
    return render_template("accounts/reset_link_invalid.html", expired=problem.expired), 400
