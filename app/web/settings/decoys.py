"""Decoy keys in the pages (app/keys/decoys.py): the user's own (Account & privacy) and each
bot's (its keys page), listed apart from the keys that work. A decoy is shown once and its
zuliprc downloads for a short window, as a named key's; making one needs no password step,
since a decoy opens nothing. Ids of another owner's bots or keys get the one 404.
"""

from flask import abort, flash, make_response, redirect, render_template
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from app.core import db
from app.core.headers import no_store
from app.core.i18n import gettext as _
from app.keys import decoys, named
from app.people import reauth
from app.web import rcfile
from app.web.settings import bp
from app.web.settings.forms import ConfirmForm, DecoyForm
from app.web.settings.named import bot_place, created_page, own_place
from app.web.settings.show_once import downloadable, remember
from app.web.settings.whose_keys import Place


@bp.route("/account/decoys/new", methods=["GET", "POST"])
@login_required
def own_decoy_new() -> Response | str:
    return _create(own_place())


@bp.get("/account/decoys/<int:key_id>")
@login_required
def own_decoy_created(key_id: int) -> Response:
    return _created(own_place(), key_id)


@bp.get("/account/decoys/<int:key_id>/zuliprc")
@login_required
def own_decoy_zuliprc(key_id: int) -> Response | tuple[str, int]:
    return _download(own_place(), key_id)


@bp.route("/account/decoys/<int:key_id>/remove", methods=["GET", "POST"])
@login_required
@reauth.required  # a stolen session must not quietly disarm a trap
def own_decoy_remove(key_id: int) -> Response | str:
    return _remove(own_place(), key_id)


@bp.route("/bots/<int:bot_id>/decoys/new", methods=["GET", "POST"])
@login_required
def bot_decoy_new(bot_id: int) -> Response | str:
    return _create(bot_place(bot_id))


@bp.get("/bots/<int:bot_id>/decoys/<int:key_id>")
@login_required
def bot_decoy_created(bot_id: int, key_id: int) -> Response:
    return _created(bot_place(bot_id), key_id)


@bp.get("/bots/<int:bot_id>/decoys/<int:key_id>/zuliprc")
@login_required
def bot_decoy_zuliprc(bot_id: int, key_id: int) -> Response | tuple[str, int]:
    return _download(bot_place(bot_id), key_id)


@bp.route("/bots/<int:bot_id>/decoys/<int:key_id>/remove", methods=["GET", "POST"])
@login_required
def bot_decoy_remove(bot_id: int, key_id: int) -> Response | str:
    return _remove(bot_place(bot_id), key_id)


def _create(place: Place) -> Response | str:
    form = DecoyForm()
    if form.validate_on_submit():
        try:
            record, _key = decoys.create(
                db.session(), place.holder, form.name.data or "", actor_id=current_user.id
            )
        except named.InvalidNamedKey as problem:
            target = getattr(form, problem.field, None)
            (target.errors if target is not None else form.form_errors).append(problem.message)
        else:
            remember(record.id, place.holder.id)
            return redirect(place.url("decoy_created", key_id=record.id))
    page = render_template("settings/decoy_new.html", tab=place.tab, place=place, form=form)
    return no_store(make_response(page))


def _created(place: Place, key_id: int) -> Response:
    return created_page(place, decoys.planted(db.session(), place.holder.id, key_id), "decoy")


def _download(place: Place, key_id: int) -> Response | tuple[str, int]:
    if not downloadable(key_id, place.holder.id):
        title = _("This download has ended")
        message = _(
            "A decoy's zuliprc can be downloaded only just after it was created, in the "
            "browser that created it. Create a new decoy if you need one."
        )
        return render_template("error.html", title=title, message=message), 410
    return rcfile.download(place.holder.id, place.holder.email, named_key_id=key_id, decoy=True)


def _remove(place: Place, key_id: int) -> Response | str:
    session = db.session()
    summary = next((s for s in decoys.listed(session, place.holder.id) if s.id == key_id), None)
    if summary is None:
        abort(404)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            decoys.remove(session, place.holder, key_id, actor_id=current_user.id)
        except named.NoSuchKey:
            abort(404)  # removed by a concurrent request a moment ago
        flash(_("The decoy “%(name)s” is gone.", name=summary.name), "success")
        return redirect(place.list_url)
    return render_template(
        "settings/decoy_remove.html", tab=place.tab, place=place, summary=summary
    )
