"""Named keys in the pages: the user's own (Account & privacy; creating one needs the
password step) and each bot's (its keys page; the owner's session is enough, as for Show
key). Both go through the same handlers, told apart by a Place.

A new key is shown once: creating redirects to its page, which shows the key on the first
visit only (app/web/settings/show_once.py); the zuliprc downloads work for a short window, in the
same session. Ids of another owner's bots or keys get the same 404 as every bot route.
"""

from flask import abort, current_app, flash, make_response, redirect, render_template, request
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from app.core import clock, db
from app.core.headers import no_store
from app.core.i18n import gettext as _
from app.core.models import ApiKey
from app.keys import decoys, named, scopes, tokens
from app.keys.store import keystore
from app.people import reauth
from app.web import rcfile
from app.web.settings import bp
from app.web.settings.bots import owned_or_404
from app.web.settings.forms import ConfirmForm, NamedKeyForm, entries, prefill
from app.web.settings.show_once import FRESH_SECONDS, claim_showing, downloadable, remember
from app.web.settings.whose_keys import Place


def own_place() -> Place:
    return Place(current_user._get_current_object(), "own", "account")


def bot_place(bot_id: int) -> Place:
    return Place(owned_or_404(db.session(), bot_id), "bot", "bots", {"bot_id": bot_id})


# The user's own keys


@bp.route("/account/keys/new", methods=["GET", "POST"])
@login_required
@reauth.required
def own_new() -> Response | str:
    return _create(own_place())


@bp.get("/account/keys/<int:key_id>")
@login_required
def own_created(key_id: int) -> Response:
    return _created(own_place(), key_id)


@bp.get("/account/keys/<int:key_id>/zuliprc")
@login_required
def own_zuliprc(key_id: int) -> Response | tuple[str, int]:
    return _download(own_place(), key_id)


@bp.route("/account/keys/<int:key_id>/revoke", methods=["GET", "POST"])
@login_required
def own_revoke(key_id: int) -> Response | str:
    return _revoke(own_place(), key_id)


# A bot's keys


@bp.get("/bots/<int:bot_id>/keys")
@login_required
def bot_keys(bot_id: int) -> str:
    place = bot_place(bot_id)
    summaries = named.live_keys(db.session(), place.holder.id)
    return render_template(
        "settings/bot_keys.html",
        tab="bots",
        place=place,
        bot=place.holder,
        key_list_rows=summaries,
        token_rows=tokens.live_by_key(db.session(), place.holder.id),
        decoy_rows=decoys.listed(db.session(), place.holder.id),
        now=clock.now(),
    )


@bp.route("/bots/<int:bot_id>/keys/new", methods=["GET", "POST"])
@login_required
def bot_new(bot_id: int) -> Response | str:
    return _create(bot_place(bot_id))


@bp.get("/bots/<int:bot_id>/keys/<int:key_id>")
@login_required
def bot_created(bot_id: int, key_id: int) -> Response:
    return _created(bot_place(bot_id), key_id)


@bp.get("/bots/<int:bot_id>/keys/<int:key_id>/zuliprc")
@login_required
def bot_zuliprc(bot_id: int, key_id: int) -> Response | tuple[str, int]:
    return _download(bot_place(bot_id), key_id)


@bp.route("/bots/<int:bot_id>/keys/<int:key_id>/revoke", methods=["GET", "POST"])
@login_required
def bot_revoke(bot_id: int, key_id: int) -> Response | str:
    return _revoke(bot_place(bot_id), key_id)


# The handlers


def _create(place: Place) -> Response | str:
    form = NamedKeyForm(cap_days=named.max_lifetime_days(db.session()))
    config = current_app.config
    preset = request.form.get("preset")
    if request.method == "GET":
        prefill(form, request.args, config)
    elif preset in scopes.PRESETS:  # the form again, with the preset's boxes ticked
        form.scopes.data = scopes.preset(preset, config)
    elif form.validate_on_submit():
        try:
            record, _key = named.create(
                db.session(),
                place.holder,
                form.name.data or "",
                form.expires_at(),
                actor_id=current_user.id,
                requested_scopes=form.scopes.data or [],
                allowed_networks=entries(form.allowed_networks.data),
                rate_limit_per_minute=(form.rate_limit_per_minute.data or "").strip() or None,
            )
        except named.InvalidNamedKey as problem:
            target = getattr(form, problem.field, None)
            (target.errors if target is not None else form.form_errors).append(problem.message)
        else:
            remember(record.id, place.holder.id)
            return redirect(place.url("created", key_id=record.id))
    page = render_template(
        "settings/named_key_new.html",
        tab=place.tab,
        place=place,
        form=form,
        scope_groups=scopes.groups(config),
        chosen=set(form.scopes.data or ()),
    )
    return no_store(make_response(page))


def _created(place: Place, key_id: int) -> Response:
    return created_page(place, named.working(db.session(), place.holder.id, key_id), "named_key")


def created_page(place: Place, record: ApiKey | None, kind: str) -> Response:
    """A new key's page (``kind``: its template's prefix): the key the first time only,
    afterwards (reload, Back) its hint; 404 when ``record`` is None."""
    if record is None:
        abort(404)
    holder_id = place.holder.id
    shown = claim_showing(record.id, holder_id)
    page = render_template(
        f"settings/{kind}_created.html",
        tab=place.tab,
        place=place,
        record=record,
        key=keystore().decrypt(record.ciphertext) if shown else None,
        downloadable=downloadable(record.id, holder_id),
    )
    return no_store(make_response(page))


def _download(place: Place, key_id: int) -> Response | tuple[str, int]:
    if not downloadable(key_id, place.holder.id):
        title = _("This download has ended")
        message = _(
            "A named key's zuliprc can be downloaded only in the %(minutes)d minutes after "
            "it was created, in the browser that created it. Create a new key if you need one.",
            minutes=FRESH_SECONDS // 60,
        )
        return render_template("error.html", title=title, message=message), 410
    return rcfile.download(place.holder.id, place.holder.email, named_key_id=key_id)


def _revoke(place: Place, key_id: int) -> Response | str:
    session = db.session()
    summary = next((s for s in named.live_keys(session, place.holder.id) if s.id == key_id), None)
    if summary is None or summary.kind == "primary":
        abort(404)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            named.revoke(session, place.holder, key_id, actor_id=current_user.id)
        except named.NoSuchKey:
            abort(404)  # revoked by a concurrent request a moment ago
        flash(_("The key …%(hint)s no longer works.", hint=summary.hint), "success")
        return redirect(place.list_url)
    return render_template(
        "settings/named_key_revoke.html",
        tab=place.tab,
        place=place,
        summary=summary,
        now=clock.now(),
    )
