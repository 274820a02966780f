"""Organization > Orphaned bots, and changing a bot's owner: an orphan (its owner was
deactivated) is transferred to an active person, then reactivated."""

from flask import flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from app.bots import lifecycle, ownership
from app.core import db
from app.core.i18n import gettext as _
from app.core.models import User
from app.organization import administration, roster
from app.people import roles
from app.web.settings import bp
from app.web.settings.organization import PREFIX, acting, administrators_only, bot_or_404
from app.web.settings.organization.forms import OwnerForm


@bp.get(f"{PREFIX}/orphans")
@administrators_only
def org_orphans() -> str:
    return render_template(
        "settings/organization/orphans.html",
        tab="organization",
        section="orphans",
        orphans=ownership.orphans(db.session()),
    )


@bp.route(f"{PREFIX}/bots/<int:bot_id>/owner", methods=["GET", "POST"])
@administrators_only
def org_change_owner(bot_id: int) -> Response | str:
    session = db.session()
    bot = bot_or_404(session, bot_id)
    form = OwnerForm(people=roster.active_people(session), back=request.args.get("back"))
    back = ".org_orphans" if form.back.data == "orphans" else ".org_bots"
    if form.validate_on_submit():
        try:
            administration.transfer(session, acting(), bot, form.new_owner_id())
        except roles.RoleRefused as problem:
            form.form_errors.append(problem.message)
        except lifecycle.InvalidBot as problem:
            form.new_owner.errors.append(problem.message)
        else:
            flash(_transferred_message(bot, session.get_one(User, form.new_owner_id())), "success")
            return redirect(url_for(back))
    return render_template(
        "settings/organization/owner.html", tab="organization", bot=bot, form=form, back=back
    )


def _transferred_message(bot: User, new_owner: User) -> str:
    owner = new_owner.full_name
    if bot.is_active:
        return str(_("%(name)s now belongs to %(owner)s.", name=bot.full_name, owner=owner))
    return str(
        _(
            "%(name)s now belongs to %(owner)s. It is still inactive: reactivate it when ready.",
            name=bot.full_name,
            owner=owner,
        )
    )
