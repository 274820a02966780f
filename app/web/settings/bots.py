"""The Your bots tab: the owner's bots, their keys, and their rc files.

The owner's login session is enough to see a bot's key (as in Zulip); every reveal is
audited and never cached. Any bot route with an id the user does not own answers the
same 404, so ids cannot be probed.
"""

from flask import abort, current_app, flash, make_response, redirect, render_template, url_for
from flask_login import current_user, login_required
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from app.bots import lifecycle, offers, types
from app.core import db
from app.core.headers import no_store
from app.core.i18n import gettext as _
from app.core.models import User
from app.keys import primary
from app.web import rcfile
from app.web.settings import bp
from app.web.settings.account import regenerated_message
from app.web.settings.forms import BotForm, ConfirmForm, RegenerateForm
from app.web.settings.reveal import reveal_or_404


@bp.route("/bots", methods=["GET", "POST"])
@login_required
def bots_tab() -> Response | str:
    session = db.session()
    form = BotForm()
    created: tuple[User, str] | None = None
    if form.validate_on_submit():
        try:
            created = lifecycle.create(
                session,
                current_user,
                form.full_name.data,
                form.username.data,
                _bot_type(form.bot_type.data),
            )
        except lifecycle.InvalidBot as problem:
            field = getattr(form, problem.field, None)
            (field.errors if field is not None else form.form_errors).append(problem.message)
        else:
            form = BotForm(formdata=None)
    page = render_template(
        "settings/bots.html",
        tab="bots",
        form=form,
        created=created,
        bot_domain=lifecycle.email_domain(current_app.config),
        bots=lifecycle.summaries(session, current_user.id),
        bot_type_labels=types.LABELS,
        offers_to_me=offers.offered_to(session, current_user.id),
        my_offers=offers.offered_by(session, current_user.id),
    )
    return no_store(make_response(page)) if created else page


def _bot_type(value: str | None) -> int:
    """The chosen type's number; 0 (no type, which bots.create refuses) for anything else."""
    text = (value or "").strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) < 3 else 0


@bp.get("/bots/<int:bot_id>/key")
@login_required
def bot_key(bot_id: int) -> Response:
    bot = owned_or_404(db.session(), bot_id)
    key = reveal_or_404(bot.id, "api_key_revealed")
    page = render_template("settings/bot_key.html", tab="bots", key=key, bot=bot)
    return no_store(make_response(page))


@bp.route("/bots/<int:bot_id>/regenerate", methods=["GET", "POST"])
@login_required
def regenerate_bot_key(bot_id: int) -> Response | str:
    session = db.session()
    bot = owned_or_404(session, bot_id)
    form = RegenerateForm(max_grace_seconds=current_app.config["MAX_ROLL_GRACE_SECONDS"])
    if form.validate_on_submit():
        grace = form.grace_period()
        primary.regenerate(session, bot, actor_id=current_user.id, grace=grace)
        flash(regenerated_message(grace, bot=True), "success")
        return redirect(url_for(".bot_key", bot_id=bot.id))
    return render_template("settings/bot_regenerate_confirm.html", tab="bots", bot=bot, form=form)


@bp.get("/bots/<int:bot_id>/zuliprc")
@login_required
def download_bot_zuliprc(bot_id: int) -> Response | tuple[str, int]:
    bot = owned_or_404(db.session(), bot_id)
    return rcfile.download(bot.id, bot.email)


@bp.route("/bots/<int:bot_id>/deactivate", methods=["GET", "POST"])
@login_required
def deactivate_bot(bot_id: int) -> Response | str:
    session = db.session()
    bot = owned_or_404(session, bot_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        lifecycle.deactivate(session, bot, actor_id=current_user.id)
        flash(_("%(name)s is deactivated. Its key no longer works.", name=bot.full_name), "success")
        return redirect(url_for(".bots_tab"))
    return render_template("settings/bot_deactivate_confirm.html", tab="bots", bot=bot)


@bp.post("/bots/<int:bot_id>/reactivate")
@login_required
def reactivate_bot(bot_id: int) -> Response:
    session = db.session()
    bot = owned_or_404(session, bot_id)
    try:
        lifecycle.reactivate(session, bot, actor_id=current_user.id)
        flash(_("%(name)s is active again, with the same key.", name=bot.full_name), "success")
    except lifecycle.InvalidBot as problem:
        flash(problem.message, "error")
    return redirect(url_for(".bots_tab"))


def owned_or_404(session: Session, bot_id: int) -> User:
    bot = lifecycle.owned(session, current_user.id, bot_id)
    if bot is None:
        abort(404)
    return bot
