"""Organization > Users: every person, deactivated and reactivated by an administrator, and
their two-factor authentication reset when they lost it."""

from flask import flash, redirect, render_template, url_for
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response

from app.core import db
from app.core.i18n import gettext as _
from app.organization import administration, roster
from app.people import roles
from app.web.settings import bp
from app.web.settings.forms import ConfirmForm
from app.web.settings.organization import (
    PREFIX,
    acting,
    administrators_only,
    confirm_step,
    person_or_404,
)

ROLE_LABELS = {
    roles.OWNER: _l("Owner"),
    roles.ADMINISTRATOR: _l("Administrator"),
    roles.MEMBER: _l("Member"),
}
BACK = "settings.org_users"  # where a step of this page goes back to


@bp.get(f"{PREFIX}/")
@administrators_only
def org_index() -> Response:
    return redirect(url_for(".org_users"))


@bp.get(f"{PREFIX}/users")
@administrators_only
def org_users() -> str:
    return render_template(
        "settings/organization/users.html",
        tab="organization",
        section="users",
        people=roster.people(db.session()),
        role_labels=ROLE_LABELS,
        may_manage=lambda listed: (
            listed.id == acting().id or roles.may_manage(acting().role, listed.role)
        ),
    )


@bp.route(f"{PREFIX}/users/<int:user_id>/deactivate", methods=["GET", "POST"])
@administrators_only
def org_deactivate_user(user_id: int) -> Response | str:
    session = db.session()
    person = person_or_404(session, user_id)

    def deactivate() -> str:
        stopped = administration.deactivate(session, acting(), person)
        return _(
            "%(name)s is deactivated and signed out, with %(bots)d of their bots.",
            name=person.full_name,
            bots=len(stopped),
        )

    template = "settings/organization/user_deactivate_confirm.html"
    return confirm_step(template, deactivate, BACK, person=person, back_endpoint=BACK)


@bp.route(f"{PREFIX}/users/<int:user_id>/second-factor/reset", methods=["GET", "POST"])
@administrators_only
def org_reset_second_factor(user_id: int) -> Response | str:
    """For a person who lost their authenticator app and recovery codes."""
    session = db.session()
    person = person_or_404(session, user_id)

    def reset() -> str:
        if administration.reset_second_factor(session, acting(), person):
            return _(
                "The two-factor authentication of %(name)s is reset: they log in with their"
                " password and can add an app again.",
                name=person.full_name,
            )
        return _("%(name)s has no authenticator app.", name=person.full_name)

    template = "settings/organization/user_second_factor_reset_confirm.html"
    return confirm_step(template, reset, BACK, person=person, back_endpoint=BACK)


@bp.post(f"{PREFIX}/users/<int:user_id>/reactivate")
@administrators_only
def org_reactivate_user(user_id: int) -> Response:
    session = db.session()
    person = person_or_404(session, user_id)
    if ConfirmForm().validate_on_submit():
        try:
            administration.reactivate(session, acting(), person)
        except roles.RoleRefused as problem:
            flash(problem.message, "error")
        else:
            flash(
                _("%(name)s is active again; their bots stay inactive.", name=person.full_name),
                "success",
            )
    return redirect(url_for(".org_users"))
