"""Who may administer the organization: Zulip's roles and numbers (owner 100, administrator
200, member 400; a lower number is more power). An organization always keeps at least one
active owner: the last one can be neither demoted nor deactivated. No web code here.
"""

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.core import audit, db
from app.core.i18n import gettext as _
from app.core.models import User
from app.core.refusals import Refused

OWNER = 100
ADMINISTRATOR = 200
MEMBER = 400
# What `flask users set-role` and `users create --role` accept, and the API's role names.
BY_NAME = {"owner": OWNER, "admin": ADMINISTRATOR, "member": MEMBER}


class RoleRefused(Refused):
    """The change would break a role rule; ``message`` says which, for people."""


def is_admin(role: int) -> bool:
    """Administrators and owners administer the organization."""
    return role <= ADMINISTRATOR


def is_owner(role: int) -> bool:
    return role <= OWNER


def may_manage(actor_role: int, target_role: int) -> bool:
    """Whether a person with ``actor_role`` may act on one with ``target_role`` (deactivate,
    reactivate, act on their bots): administrators on members and administrators, owners
    on everyone, as in Zulip."""
    return is_admin(actor_role) and (is_owner(actor_role) or not is_owner(target_role))


def administrators(session: Session) -> list[User]:
    """Every active administrator and owner, by id: who hears of what concerns the whole
    organization (a decoy key's use)."""
    return list(
        session.scalars(
            select(User)
            .where(User.is_bot.is_(False), User.is_active, User.role <= ADMINISTRATOR)
            .order_by(User.id)
        )
    )


def check_keeps_an_owner(session: Session, user: User) -> None:
    """RoleRefused if ``user`` is the organization's last active owner (the caller holds
    the user's row lock, so two such changes cannot both pass)."""
    if user.is_bot or not user.is_active or not is_owner(user.role):
        return
    owners = session.scalar(
        select(func.count()).where(User.role <= OWNER, User.is_active, User.id != user.id)
    )
    if not owners:
        raise RoleRefused(_("The organization must keep at least one active owner."))


@db.unit_of_work
def set_role(session: Session, user: User, role: int, *, actor_id: int | None) -> bool:
    """Give a person ``role``; audited and committed. False when it was theirs already."""
    if user.is_bot:
        raise RoleRefused(_("Bots have no role."))
    if role not in BY_NAME.values():
        raise RoleRefused(_("Unknown role."))
    lock_with_owners(session, [user.id])
    session.refresh(user)
    if user.role == role:
        return False
    if not is_owner(role):
        check_keeps_an_owner(session, user)
    detail = {"from": user.role, "to": role}
    user.role = role
    audit.record(session, "role_changed", actor_id=actor_id, subject_user_id=user.id, detail=detail)
    return True


def lock_with_owners(session: Session, user_ids: list[int]) -> None:
    """Lock these users' rows and every active owner's, in the one id order: of two owners
    demoting or deactivating each other at once, the second waits and then finds the first
    no longer an owner, so one owner always remains."""
    owners = session.scalars(select(User.id).where(User.role <= OWNER, User.is_active))
    db.lock_for_write(session, User, [*user_ids, *owners])
