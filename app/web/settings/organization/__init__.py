"""The Organization tab: the admin console of administrators and owners. Every route of it
lives under /settings/organization and answers a member (or anyone not an administrator)
404, so the console cannot even be found. Views only translate: the rules live in
app/organization/ (administration, policies, audit_search) and app/bots/ownership.py."""

from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from app.core import db
from app.core.models import User
from app.organization import administration
from app.people import roles
from app.people.factors import policy as factor_policy
from app.web.settings import bp
from app.web.settings.forms import ConfirmForm

P = ParamSpec("P")
R = TypeVar("R")

PREFIX = "/organization"


@bp.app_template_global("may_administer")
def may_administer() -> bool:
    """Whether the logged-in person sees the Organization tab."""
    return bool(current_user.is_authenticated and roles.is_admin(current_user.role))


def administrators_only(view: Callable[P, R]) -> Callable[P, R]:
    """Log in first; then 404 for anyone who is not an administrator or owner."""

    @wraps(view)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        if not roles.is_admin(current_user.role):
            abort(404)
        factor_policy.require(db.session(), current_user.id)
        return view(*args, **kwargs)

    guarded: Callable[P, R] = login_required(wrapper)
    return guarded


def acting() -> administration.Actor:
    return administration.Actor(current_user.id, current_user.role)


def person_or_404(session: Session, user_id: int) -> User:
    found = administration.person_or_bot(session, acting(), user_id)
    if found is None or found.is_bot:
        abort(404)
    return found


def bot_or_404(session: Session, bot_id: int) -> User:
    found = administration.bot(session, acting(), bot_id)
    if found is None:
        abort(404)
    return found


def confirm_step(
    template: str, act: Callable[[], str], back: str, **context: object
) -> Response | str:
    """A console step that asks first: the page (or dialog) shows ``template``; Confirm runs
    ``act``, whose answer is the success message, and goes ``back``; a role rule's refusal
    is said on the step itself."""
    if ConfirmForm().validate_on_submit():
        try:
            message = act()
        except roles.RoleRefused as problem:
            return refused(problem.message, template, **context)
        flash(message, "success")
        return redirect(url_for(back))
    return render_template(template, tab="organization", **context)


def refused(message: str, template: str, **context: object) -> str:
    """A refusal (last owner, an owner's account, a bot limit) said on the step that asked,
    with or without JavaScript."""
    flash(message, "error")
    return render_template(template, tab="organization", **context)


from app.web.settings.organization import (  # noqa: E402, F401  (routes register on bp)
    audit,
    bots,
    inventory,
    keys,
    ownership,
    policies,
    users,
)
