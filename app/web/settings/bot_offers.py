"""Your bots: the bots offered to you, accepted (a confirm step: the bot gets new keys) or
declined, and the owner's withdrawal of an offer. The rules are app/bots/offers.py's; any bot
that is not pending between the two people is the same 404."""

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from app.bots import lifecycle, offers
from app.core import db
from app.core.i18n import gettext as _
from app.web.settings import bp
from app.web.settings.forms import AcceptForm


@bp.route("/bots/offers/<int:bot_id>/accept", methods=["GET", "POST"])
@login_required
def accept_bot(bot_id: int) -> Response | str:
    session = db.session()
    offer = _offered_to_me_or_404(bot_id)
    template = "settings/bot_accept_confirm.html"
    form = AcceptForm(offered_by=str(offer.from_owner_id))
    if form.validate_on_submit():
        try:
            bot = offers.accept(session, current_user, bot_id, offered_by=form.giver_id())
        except offers.NoSuchOffer:
            abort(404)
        except lifecycle.InvalidBot as problem:
            flash(problem.message, "error")
            return redirect(url_for(".bots_tab"))
        flash(_("%(name)s is yours now, with a new API key.", name=bot.full_name), "success")
        return redirect(url_for(".bots_tab"))
    return render_template(template, tab="bots", offer=offer, form=form)


@bp.post("/bots/offers/<int:bot_id>/decline")
@login_required
def decline_bot(bot_id: int) -> Response:
    """The person offered the bot declines it, or its owner withdraws the offer (the
    CSRF token is checked for every POST, app/web/forms.py)."""
    try:
        offers.decline(db.session(), current_user, bot_id)
    except offers.NoSuchOffer:
        abort(404)
    flash(_("The offer is withdrawn."), "success")
    return redirect(url_for(".bots_tab"))


def _offered_to_me_or_404(bot_id: int) -> offers.Offer:
    for offer in offers.offered_to(db.session(), current_user.id):
        if offer.bot_id == bot_id:
            return offer
    abort(404)
