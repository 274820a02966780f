"""Short-lived tokens in the pages (app/keys/tokens.py): listed under the key that minted
them, in Account & privacy and on a bot's keys page, and revoked one at a time, as a named
key is (app/web/settings/named.py): Confirm/Cancel, the session enough, no password step.

Only a live token of that holder can be revoked here; any other id (another person's, a
revoked or expired one, one of another owner's bot) gets the same 404.
"""

from flask import abort, flash, redirect, render_template
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from app.core import db
from app.core.i18n import gettext as _
from app.keys import tokens
from app.web.settings import bp
from app.web.settings.forms import ConfirmForm
from app.web.settings.named import bot_place, own_place
from app.web.settings.whose_keys import Place


@bp.route("/account/tokens/<int:token_id>/revoke", methods=["GET", "POST"])
@login_required
def own_token_revoke(token_id: int) -> Response | str:
    return _revoke(own_place(), token_id)


@bp.route("/bots/<int:bot_id>/tokens/<int:token_id>/revoke", methods=["GET", "POST"])
@login_required
def bot_token_revoke(bot_id: int, token_id: int) -> Response | str:
    return _revoke(bot_place(bot_id), token_id)


def _live_token(place: Place, token_id: int) -> tokens.TokenSummary | None:
    by_key = tokens.live_by_key(db.session(), place.holder.id)
    return next((t for listed in by_key.values() for t in listed if t.id == token_id), None)


def _revoke(place: Place, token_id: int) -> Response | str:
    summary = _live_token(place, token_id)
    if summary is None:
        abort(404)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            tokens.revoke(db.session(), place.holder, token_id, actor_id=current_user.id)
        except tokens.NoSuchToken:
            abort(404)  # revoked, or expired, a moment ago
        flash(_("The token …%(hint)s no longer works.", hint=summary.hint), "success")
        return redirect(place.list_url)
    return render_template(
        "settings/token_revoke.html", tab=place.tab, place=place, summary=summary
    )
