"""Your bots > Edit: the owner renames a bot or offers it to another active person (Zulip's
"Edit bot"; the bot changes hands, with new keys, when that person accepts: app/bots/offers.py).
The same rule as `PATCH /api/v1/bots/<id>` (administration.update_bot); another's bot is the
same 404."""

from flask import flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from app.bots import lifecycle
from app.core import db
from app.core.i18n import gettext as _
from app.organization import administration, roster
from app.people import roles
from app.web.settings import bp
from app.web.settings.bots import owned_or_404
from app.web.settings.organization.forms import BotEditForm


@bp.route("/bots/<int:bot_id>/edit", methods=["GET", "POST"])
@login_required
def edit_bot(bot_id: int) -> Response | str:
    session = db.session()
    bot = owned_or_404(session, bot_id)
    form = BotEditForm(people=roster.active_people(session))
    if not form.is_submitted():
        form.bot_name.data, form.new_owner.data = bot.full_name, str(current_user.id)
    if form.validate_on_submit():
        new_owner = form.new_owner_id()
        actor = administration.Actor(current_user.id, current_user.role)
        try:
            outcome = administration.update_bot(
                session,
                actor,
                bot,
                form.bot_name.data or "",
                new_owner if new_owner != current_user.id else None,
            )
        except lifecycle.InvalidBot as problem:
            field = form.new_owner if problem.field == "bot_owner_id" else form.bot_name
            field.errors.append(problem.message)
        except roles.RoleRefused as problem:
            form.form_errors.append(problem.message)
        else:
            flash(_saved_message(bot.full_name, outcome), "success")
            return redirect(url_for(".bots_tab"))
    return render_template("settings/bot_edit.html", tab="bots", bot=bot, form=form)


def _saved_message(name: str, outcome: administration.Handover) -> str:
    if outcome == "offered":
        return str(_("%(name)s is offered. It stays yours until the person accepts it.", name=name))
    return str(_("%(name)s is saved.", name=name))
