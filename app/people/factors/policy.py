"""The organization's second-factor policy (app/organization/policies.py), applied: with
``administrators``, an administrator needs a second factor to administer and to create keys
or bots; with ``key_makers``, everyone who creates keys or bots does (an administrator too, to
administer). A person without
one is refused (SecondFactorRequired), which the pages turn into a way to enrol and the API
into 403 SECOND_FACTOR_ENROLMENT_REQUIRED. The one place the rule lives: named keys, bots
and the administration call it."""

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from app.core.models import User
from app.core.refusals import Refused
from app.organization import policies
from app.people import roles
from app.people.factors import held


class SecondFactorRequired(Refused):
    """The organization requires a second factor of this person for this, and they have
    none yet."""

    def __init__(self) -> None:
        super().__init__(
            _l(
                "Your organization requires two-factor authentication for this:"
                " add an authenticator app or a passkey first."
            )
        )


def require(session: Session, actor_id: int) -> None:
    """Before a person creates a key or a bot, and before an administrator administers:
    SecondFactorRequired when the policy asks them for a second factor they do not have."""
    policy = policies.current(session).second_factor_required
    if policy == policies.NOBODY:
        return
    actor = session.get(User, actor_id)
    if actor is None or actor.is_bot:  # a bot's own key: its owner answered for it
        return
    if policy == policies.ADMINISTRATORS and not roles.is_admin(actor.role):
        return
    if not held.enrolled(session, actor_id):
        raise SecondFactorRequired()
