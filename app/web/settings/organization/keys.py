"""Organization > a person's or bot's keys: an administrator sees the live keys of anyone
they manage and pauses or resumes them, as their owner can (administration.pause_key has the
rules). Pausing takes power away and needs only the session; resuming gives it back, so it
needs the administrator's password step, as resuming one's own key does. Anyone the
administrator may not manage (an owner, an owner's bot) is the console's one 404."""

from flask import abort, flash, redirect, render_template, url_for
from werkzeug.wrappers import Response

from app.core import db
from app.core.i18n import gettext as _
from app.core.models import User
from app.keys import named, usage_history
from app.organization import administration
from app.people import reauth, roles
from app.web.settings import bp
from app.web.settings.forms import ConfirmForm
from app.web.settings.organization import PREFIX, acting, administrators_only
from app.web.settings.usage import usage_page


@bp.get(f"{PREFIX}/users/<int:user_id>/keys")
@administrators_only
def org_user_keys(user_id: int) -> str:
    target = _managed_or_404(user_id)
    return render_template(
        "settings/organization/user_keys.html",
        tab="organization",
        section="bots" if target.is_bot else "users",
        target=target,
        summaries=administration.keys_of(db.session(), acting(), target),
    )


@bp.get(f"{PREFIX}/users/<int:user_id>/keys/<int:key_id>/usage")
@administrators_only
def org_key_usage(user_id: int, key_id: int) -> str:
    target = _managed_or_404(user_id)
    try:
        usage = administration.key_usage(db.session(), acting(), target, key_id)
    except usage_history.NoSuchKey:
        abort(404)
    return usage_page(
        usage,
        tab="organization",
        back_url=url_for(".org_user_keys", user_id=target.id),
        back_label=_("Back to the keys of %(name)s", name=target.full_name),
    )


@bp.route(f"{PREFIX}/users/<int:user_id>/keys/<int:key_id>/pause", methods=["GET", "POST"])
@administrators_only
def org_pause_key(user_id: int, key_id: int) -> Response | str:
    return _pause(user_id, key_id, paused=True)


@bp.route(f"{PREFIX}/users/<int:user_id>/keys/<int:key_id>/resume", methods=["GET", "POST"])
@administrators_only
@reauth.required
def org_resume_key(user_id: int, key_id: int) -> Response | str:
    return _pause(user_id, key_id, paused=False)


def _managed_or_404(user_id: int) -> User:
    target = administration.person_or_bot(db.session(), acting(), user_id)
    if target is None:
        abort(404)
    try:
        administration.check_may_manage(acting(), target)
    except roles.RoleRefused:
        abort(404)
    return target


def _pause(user_id: int, key_id: int, *, paused: bool) -> Response | str:
    session = db.session()
    target = _managed_or_404(user_id)
    summary = next((s for s in named.live_keys(session, target.id) if s.id == key_id), None)
    if summary is None:
        abort(404)
    back = url_for(".org_user_keys", user_id=target.id)
    if ConfirmForm().validate_on_submit():
        try:
            administration.pause_key(session, acting(), target, key_id, paused=paused)
        except named.NoSuchKey:
            abort(404)  # revoked by a concurrent request a moment ago
        if paused:
            flash(_("The key …%(hint)s is paused.", hint=summary.hint), "success")
        else:
            flash(_("The key …%(hint)s works again.", hint=summary.hint), "success")
        return redirect(back)
    return render_template(
        "settings/organization/key_pause_confirm.html",
        tab="organization",
        target=target,
        summary=summary,
        paused=paused,
        back=back,
    )
