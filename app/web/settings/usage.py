"""A key's usage in the pages: the 30-day chart and table, the routes and networks called
from most, and the scopes its calls needed (app/keys/usage_history.py). For the person's own
keys and their bots' keys, told apart by a Place as the other key pages are. Reading usage
changes nothing, so it needs no more than the session; narrowing a key to its use makes a
key, so it asks what Create a key asks (the password step for one's own keys)."""

from typing import Any

from flask import abort, flash, redirect, render_template
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from app.core import db
from app.core.i18n import gettext as _
from app.keys import named, narrowing, usage_history
from app.people import reauth
from app.web.settings import bp
from app.web.settings.forms import ConfirmForm
from app.web.settings.named import bot_place, own_place
from app.web.settings.show_once import remember
from app.web.settings.whose_keys import Place
from app.web.usage_chart import chart_of

# Why a call of the key was refused, as the page says it (usage_history.REFUSALS).
REFUSAL_REASONS = {
    "invalid": _l("Sent with another account's email"),
    "expired": _l("The key had expired"),
    "paused": _l("The key was paused"),
    "scope": _l("Outside what the key may do"),
    "network": _l("From a network the key may not be used from"),
    "rate_limited": _l("Over the key's request budget"),
    "decoy": _l("A decoy: always refused"),
}


@bp.get("/account/keys/<int:key_id>/usage")
@login_required
def own_usage(key_id: int) -> str:
    return _usage(own_place(), key_id)


@bp.route("/account/keys/<int:key_id>/narrow", methods=["GET", "POST"])
@login_required
@reauth.required  # it makes a key, as Create a key does
def own_narrow(key_id: int) -> Response | str:
    return _narrow(own_place(), key_id)


@bp.get("/bots/<int:bot_id>/keys/<int:key_id>/usage")
@login_required
def bot_usage(bot_id: int, key_id: int) -> str:
    return _usage(bot_place(bot_id), key_id)


@bp.route("/bots/<int:bot_id>/keys/<int:key_id>/narrow", methods=["GET", "POST"])
@login_required
def bot_narrow(bot_id: int, key_id: int) -> Response | str:
    return _narrow(bot_place(bot_id), key_id)


def _usage(place: Place, key_id: int) -> str:
    try:
        usage = usage_history.of_key(db.session(), place.holder.id, key_id)
    except usage_history.NoSuchKey:
        abort(404)
    if place.prefix == "own":
        back_label = _("Back to Account & privacy")
    else:
        back_label = _("Back to the keys of %(name)s", name=place.holder.full_name)
    return usage_page(
        usage,
        tab=place.tab,
        back_url=place.list_url,
        back_label=back_label,
        narrowing=narrowing.proposed(usage),
        narrow_url=place.url("narrow", key_id=key_id),
    )


def _narrow(place: Place, key_id: int) -> Response | str:
    """Confirm, then make the narrowed key and show it once, as a new named key is shown."""
    try:
        usage = usage_history.of_key(db.session(), place.holder.id, key_id, decoy=False)
    except usage_history.NoSuchKey:
        abort(404)
    proposal = narrowing.proposed(usage)
    usage_url = place.url("usage", key_id=key_id)
    if proposal is None:
        flash(_("This key is used for every scope it holds: there is nothing to narrow."), "info")
        return redirect(usage_url)
    if ConfirmForm().validate_on_submit():
        try:
            record, _key = narrowing.narrow(
                db.session(), place.holder, key_id, actor_id=current_user.id
            )
        except (narrowing.NothingToNarrow, usage_history.NoSuchKey):
            abort(404)  # its use or the key changed a moment ago
        except named.InvalidNamedKey as problem:
            flash(problem.message, "error")
            return redirect(usage_url)
        remember(record.id, place.holder.id)
        return redirect(place.url("created", key_id=record.id))
    return render_template(
        "settings/key_narrow.html",
        tab=place.tab,
        place=place,
        key=usage.key,
        narrowing=proposal,
        cancel_url=usage_url,
    )


def usage_page(usage: usage_history.Usage, **context: Any) -> str:
    """The usage page of one key: ``context`` says the tab and where its back link goes."""
    return render_template(
        "settings/key_usage.html",
        usage=usage,
        chart=chart_of(usage),
        refusal_reasons=REFUSAL_REASONS,
        **context,
    )
