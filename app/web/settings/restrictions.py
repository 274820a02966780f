"""Restricting a key in the pages: pause it, resume it, or set the networks it may be used
from or its request budget (app/keys/restrictions.py has the rules). The user's own keys and
each bot's, told apart by a Place as the named-key pages are. Pausing is a way out of
trouble and needs no more than the session; resuming one's own key, or changing its
networks or budget, gives power back, so it needs the password step, as creating a key does.
"""

from flask import abort, flash, redirect, render_template
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from app.core import db
from app.core.i18n import gettext as _
from app.keys import budgets, named, networks, restrictions
from app.people import reauth
from app.web.settings import bp
from app.web.settings.forms import BudgetForm, ConfirmForm, NetworksForm, entries
from app.web.settings.named import bot_place, own_place
from app.web.settings.whose_keys import Place


@bp.route("/account/keys/<int:key_id>/pause", methods=["GET", "POST"])
@login_required
def own_pause(key_id: int) -> Response | str:
    return _pause(own_place(), key_id, paused=True)


@bp.route("/account/keys/<int:key_id>/resume", methods=["GET", "POST"])
@login_required
@reauth.required
def own_resume(key_id: int) -> Response | str:
    return _pause(own_place(), key_id, paused=False)


@bp.route("/account/keys/<int:key_id>/networks", methods=["GET", "POST"])
@login_required
@reauth.required
def own_networks(key_id: int) -> Response | str:
    return _networks(own_place(), key_id)


@bp.route("/account/keys/<int:key_id>/budget", methods=["GET", "POST"])
@login_required
@reauth.required
def own_budget(key_id: int) -> Response | str:
    return _budget(own_place(), key_id)


@bp.route("/bots/<int:bot_id>/keys/<int:key_id>/pause", methods=["GET", "POST"])
@login_required
def bot_pause(bot_id: int, key_id: int) -> Response | str:
    return _pause(bot_place(bot_id), key_id, paused=True)


@bp.route("/bots/<int:bot_id>/keys/<int:key_id>/resume", methods=["GET", "POST"])
@login_required
def bot_resume(bot_id: int, key_id: int) -> Response | str:
    return _pause(bot_place(bot_id), key_id, paused=False)


@bp.route("/bots/<int:bot_id>/keys/<int:key_id>/networks", methods=["GET", "POST"])
@login_required
def bot_networks(bot_id: int, key_id: int) -> Response | str:
    return _networks(bot_place(bot_id), key_id)


@bp.route("/bots/<int:bot_id>/keys/<int:key_id>/budget", methods=["GET", "POST"])
@login_required
def bot_budget(bot_id: int, key_id: int) -> Response | str:
    return _budget(bot_place(bot_id), key_id)


def _summary_or_404(place: Place, key_id: int) -> named.KeySummary:
    found = next(
        (s for s in named.live_keys(db.session(), place.holder.id) if s.id == key_id), None
    )
    if found is None:
        abort(404)
    return found


def _pause(place: Place, key_id: int, *, paused: bool) -> Response | str:
    summary = _summary_or_404(place, key_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        wanted = restrictions.Change(paused=paused)
        try:
            restrictions.change(
                db.session(), place.holder, key_id, wanted, actor_id=current_user.id
            )
        except named.NoSuchKey:
            abort(404)  # revoked by a concurrent request a moment ago
        if paused:
            flash(_("The key …%(hint)s is paused.", hint=summary.hint), "success")
        else:
            flash(_("The key …%(hint)s works again.", hint=summary.hint), "success")
        return redirect(place.list_url)
    return render_template(
        "settings/key_pause.html", tab=place.tab, place=place, summary=summary, paused=paused
    )


def _networks(place: Place, key_id: int) -> Response | str:
    summary = _summary_or_404(place, key_id)
    form = NetworksForm()
    if not form.is_submitted():
        form.allowed_networks.data = "\n".join(summary.allowed_networks)
    elif form.validate_on_submit():
        try:
            listed = networks.check(entries(form.allowed_networks.data))
            wanted = restrictions.Change(allowed_networks=listed)
            restrictions.change(
                db.session(), place.holder, key_id, wanted, actor_id=current_user.id
            )
        except networks.InvalidNetworks as problem:
            form.allowed_networks.errors = [problem.message]
        except named.NoSuchKey:
            abort(404)
        else:
            flash(_("The key …%(hint)s's networks are saved.", hint=summary.hint), "success")
            return redirect(place.list_url)
    return render_template(
        "settings/key_networks.html", tab=place.tab, place=place, summary=summary, form=form
    )


def _budget(place: Place, key_id: int) -> Response | str:
    summary = _summary_or_404(place, key_id)
    form = BudgetForm()
    if not form.is_submitted():
        form.rate_limit_per_minute.data = str(summary.rate_limit_per_minute or "")
    elif form.validate_on_submit():
        try:
            budget = budgets.check((form.rate_limit_per_minute.data or "").strip() or None)
            wanted = restrictions.Change(budget=budget or 0)
            restrictions.change(
                db.session(), place.holder, key_id, wanted, actor_id=current_user.id
            )
        except budgets.InvalidBudget as problem:
            form.rate_limit_per_minute.errors = [problem.message]
        except named.NoSuchKey:
            abort(404)
        else:
            flash(_("The key …%(hint)s's budget is saved.", hint=summary.hint), "success")
            return redirect(place.list_url)
    return render_template(
        "settings/key_budget.html", tab=place.tab, place=place, summary=summary, form=form
    )
