"""Organization > Bots: every bot, stopped, restarted, given new keys or shown to an
administrator. An administrator's view of a bot's key sits behind the same password
re-entry as their own key (app/people/reauth.py), is audited as its own event and told to the
bot's owner (administration.reveal_bot_key)."""

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from app.bots import lifecycle, types
from app.core import db
from app.core.headers import no_store
from app.core.i18n import gettext as _
from app.organization import administration, roster
from app.people import reauth, roles
from app.web.settings import bp
from app.web.settings.account import reauth_factors, reauthenticate
from app.web.settings.forms import ConfirmForm, ReauthForm
from app.web.settings.organization import (
    PREFIX,
    acting,
    administrators_only,
    bot_or_404,
    confirm_step,
)

BOTS = "settings.org_bots"  # where a step of this page goes back to


@bp.get(f"{PREFIX}/bots")
@administrators_only
def org_bots() -> str:
    return render_template(
        "settings/organization/bots.html",
        tab="organization",
        section="bots",
        bots=roster.all_bots(db.session()),
        type_labels=types.LABELS,
        may_manage=lambda listed: (
            roles.may_manage(acting().role, listed.role) or listed.owner_id == acting().id
        ),
    )


@bp.route(f"{PREFIX}/bots/<int:bot_id>/deactivate", methods=["GET", "POST"])
@administrators_only
def org_deactivate_bot(bot_id: int) -> Response | str:
    session = db.session()
    bot = bot_or_404(session, bot_id)

    def deactivate() -> str:
        administration.deactivate(session, acting(), bot)
        return _("%(name)s is deactivated. Its key no longer works.", name=bot.full_name)

    template = "settings/organization/bot_deactivate_confirm.html"
    return confirm_step(template, deactivate, BOTS, bot=bot)


@bp.post(f"{PREFIX}/bots/<int:bot_id>/reactivate")
@administrators_only
def org_reactivate_bot(bot_id: int) -> Response:
    session = db.session()
    bot = bot_or_404(session, bot_id)
    if ConfirmForm().validate_on_submit():
        try:
            administration.reactivate(session, acting(), bot)
        except (roles.RoleRefused, lifecycle.InvalidBot) as problem:
            flash(problem.message, "error")
        else:
            flash(_("%(name)s is active again, with the same key.", name=bot.full_name), "success")
    back = ".org_orphans" if request.form.get("back") == "orphans" else ".org_bots"
    return redirect(url_for(back))


@bp.route(f"{PREFIX}/bots/<int:bot_id>/regenerate", methods=["GET", "POST"])
@administrators_only
def org_regenerate_bot_key(bot_id: int) -> Response | str:
    session = db.session()
    bot = bot_or_404(session, bot_id)

    def regenerate() -> str:
        administration.regenerate_bot_key(session, acting(), bot)
        return _("%(name)s has a new API key. The old key no longer works.", name=bot.full_name)

    template = "settings/organization/bot_regenerate_confirm.html"
    return confirm_step(template, regenerate, BOTS, bot=bot)


@bp.route(f"{PREFIX}/bots/<int:bot_id>/revoke-keys", methods=["GET", "POST"])
@administrators_only
def org_revoke_bot_keys(bot_id: int) -> Response | str:
    session = db.session()
    bot = bot_or_404(session, bot_id)

    def revoke() -> str:
        count = administration.revoke_other_keys(session, acting(), bot)
        return _("%(num)d named keys of %(name)s revoked.", num=count, name=bot.full_name)

    template = "settings/organization/bot_revoke_keys_confirm.html"
    return confirm_step(template, revoke, BOTS, bot=bot)


@bp.route(f"{PREFIX}/bots/<int:bot_id>/key", methods=["GET", "POST"])
@administrators_only
def org_bot_key(bot_id: int) -> Response | str:
    """The password step; once the window is open, the bot's key."""
    session = db.session()
    bot = bot_or_404(session, bot_id)
    form = ReauthForm()
    if request.method == "POST":
        done = reauthenticate(form, then=url_for(".org_bot_key", bot_id=bot.id))
        if done is not None:
            return done
    if request.method == "POST" or not reauth.is_open():
        return render_template(
            "settings/organization/bot_key_password.html",
            tab="organization",
            bot=bot,
            form=form,
            **reauth_factors(form, then=url_for(".org_bot_key", bot_id=bot.id)),
        )
    try:
        key = administration.reveal_bot_key(session, acting(), bot)
    except roles.RoleRefused as problem:
        flash(problem.message, "error")
        return redirect(url_for(".org_bots"))
    if key is None:
        abort(404)
    page = render_template(
        "settings/organization/bot_key.html", tab="organization", key=key, bot=bot
    )
    return no_store(make_response(page))
