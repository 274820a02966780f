"""People: the registration rules, creating an account, its language, deactivating and
reactivating it, and ending its login sessions. No web code here: the pages, the API and
the command line all call these, and each function commits its own work.
"""

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.core import audit, db
from app.core.i18n import gettext as _
from app.core.models import BotTransferOffer, User
from app.core.refusals import FieldRefused
from app.keys import primary
from app.people import identities, passwords, roles

PASSWORD_MIN = 10
PASSWORD_MAX = 256
FULL_NAME_MAX = 100


class InvalidRegistration(FieldRefused):
    """A registration breaks a rule; ``field`` names the input at fault."""


class AccountDeactivated(Exception):
    """The credentials are right, but the account is deactivated (for a bot: the bot or its
    owner). A login, a password check and an API key are refused alike."""


def clean_email(email: str) -> str:
    """The address in its one stored form; InvalidRegistration if the identity rules refuse it."""
    try:
        return identities.normalize_email(email)
    except identities.InvalidIdentity as problem:
        raise InvalidRegistration("email", problem.message) from None


def clean_full_name(full_name: str) -> str:
    """A person's name under the rules every shown name follows (identities), at most
    FULL_NAME_MAX characters."""
    try:
        name = identities.clean_display_name(full_name)
    except identities.InvalidIdentity as problem:
        raise InvalidRegistration("full_name", problem.message) from None
    if len(name) > FULL_NAME_MAX:
        raise InvalidRegistration("full_name", _("Use at most 100 characters."))
    return name


def check_new_password(password: str) -> str:
    if not PASSWORD_MIN <= len(password) <= PASSWORD_MAX:
        raise InvalidRegistration("password", _("Use 10 to 256 characters."))
    return password


def normalize_email(email: str) -> str:
    """The form ``email`` is stored in, so lookups (and the per-account rate limits) treat
    every spelling of one address as one: its case, a punycode domain, a decomposed accent.

    An address the identity rules refuse cannot belong to an account made under them;
    lower case still finds one made before them.
    """
    try:
        return identities.normalize_email(email)
    except identities.InvalidIdentity:
        return email.strip().lower()


def find_by_email(session: Session, email: str) -> User | None:
    return session.scalars(select(User).where(User.email == normalize_email(email))).first()


def find_human(session: Session, email: str) -> User | None:
    user = find_by_email(session, email)
    return user if user is not None and not user.is_bot else None


@db.unit_of_work
def register(
    session: Session, email: str, full_name: str, password: str, *, role: int | None = None
) -> User:
    """A new human account with a password and a first API key, audited and committed.

    Every rule is checked here, whichever way the user came in (InvalidRegistration). The
    role is ``role``, else owner for the organization's first person and member after.
    """
    user = User(
        email=clean_email(email),
        full_name=clean_full_name(full_name),
        password_hash=passwords.hash_password(check_new_password(password)),
        is_bot=False,
        role=role if role is not None else _first_person_owns(session),
    )
    if find_by_email(session, user.email) is not None:
        raise _email_taken()
    session.add(user)
    try:
        session.flush()
    except IntegrityError:  # registered by a concurrent request a moment ago
        raise _email_taken() from None
    primary.mint(session, user)
    audit.record(session, "user_registered", actor_id=user.id, subject_user_id=user.id)
    return user


def _first_person_owns(session: Session) -> int:
    """The first person of an empty organization owns it (docs/admin/organization.md)."""
    anyone = session.scalar(select(User.id).where(User.is_bot.is_(False)).limit(1))
    return roles.MEMBER if anyone is not None else roles.OWNER


def _email_taken() -> InvalidRegistration:
    return InvalidRegistration("email", _("An account with this email already exists."))


@db.unit_of_work
def set_language(session: Session, user: User, language: str | None) -> None:
    """Save the page language (None: follow the browser)."""
    user.language = language


@db.unit_of_work
def set_routine_notices(session: Session, user: User, *, on: bool) -> None:
    """Save whether to email the user about their own routine actions
    (app/notifications/notices.py)."""
    user.routine_notices = on


@db.unit_of_work
def deactivate(session: Session, user: User, *, actor_id: int | None) -> list[User]:
    """Deactivate a human and every active bot of theirs, audited and committed; returns
    the bots it stopped. Their login sessions end for good: reactivation does not bring an
    old session cookie back to life."""
    roles.lock_with_owners(session, [user.id])  # the person before their bots, as everywhere
    session.refresh(user)  # as of the lock: no lost update of the session generation
    roles.check_keeps_an_owner(session, user)
    user.is_active = False
    invalidate_login_sessions(user)
    stopped = list(
        session.scalars(select(User).where(User.bot_owner_id == user.id, User.is_active))
    )
    for bot in stopped:
        bot.is_active = False
        audit.record(session, "bot_deactivated", actor_id=actor_id, subject_user_id=bot.id)
    # Bots they offered, or were offered, stay where they are: a reactivated account finds
    # no offer waiting (one made from a stolen account must not survive its cleanup).
    offers = BotTransferOffer
    session.execute(
        delete(offers).where((offers.from_owner_id == user.id) | (offers.to_user_id == user.id))
    )
    audit.record(session, "user_deactivated", actor_id=actor_id, subject_user_id=user.id)
    return stopped


@db.unit_of_work
def reactivate(session: Session, user: User, *, actor_id: int | None) -> None:
    """Reactivate a human, audited and committed; their bots stay inactive until the owner
    revives them, one by one."""
    db.lock_for_write(session, User, [user.id])
    session.refresh(user)
    user.is_active = True
    audit.record(session, "user_reactivated", actor_id=actor_id, subject_user_id=user.id)


@db.unit_of_work
def end_login_sessions(session: Session, user: User) -> None:
    """Make every copy of the user's login-session cookies worthless (logging out)."""
    invalidate_login_sessions(user)


def invalidate_login_sessions(user: User) -> None:
    """Within the caller's transaction, make every login session the user has worthless:
    each one names the generation it began in (app/people/login_sessions.py)."""
    user.session_generation += 1


def set_password(user: User, password: str) -> None:
    """Within the caller's transaction, give the user a new password under the registration
    rules (InvalidRegistration). The hash changes, so known-device cookies and reset links
    earned with the old password stop vouching (both carry its fingerprint)."""
    user.password_hash = passwords.hash_password(check_new_password(password))
