"""Organization > Policies: every policy, each beside the configuration's default."""

from flask import flash, redirect, render_template, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from app.core import db
from app.core.i18n import gettext as _
from app.organization import policies
from app.web.settings import bp
from app.web.settings.organization import PREFIX, administrators_only
from app.web.settings.organization.forms import SECOND_FACTOR_LABELS, PoliciesForm


@bp.route(f"{PREFIX}/policies", methods=["GET", "POST"])
@administrators_only
def org_policies() -> Response | str:
    session = db.session()
    in_force = policies.current(session)
    form = PoliciesForm(
        bot_creation_policy=in_force.bot_creation_policy,
        max_bots_per_user=str(in_force.max_bots_per_user),
        max_key_lifetime_days=str(in_force.max_key_lifetime_days),
        registration_open=in_force.registration_open,
        second_factor_required=in_force.second_factor_required,
        stale_key_days=str(in_force.stale_key_days),
        stale_key_expiry_days=str(in_force.stale_key_expiry_days),
    )
    if form.validate_on_submit():
        try:
            changed = policies.change(session, form.wanted(), actor_id=current_user.id)
        except policies.InvalidPolicy as problem:
            getattr(form, problem.field).errors.append(problem.message)
        else:
            message = _("The policies are saved.") if changed else _("Nothing changed.")
            flash(message, "success")
            return redirect(url_for(".org_policies"))
    return render_template(
        "settings/organization/policies.html",
        tab="organization",
        section="policies",
        form=form,
        defaults=policies.defaults(),
        second_factor_labels=SECOND_FACTOR_LABELS,
    )
