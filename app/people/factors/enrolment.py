"""Adding and removing an authenticator app, replacing the recovery codes, and an
administrator's reset of every factor: each change
audited, told to the person by email, and committed. No web code here.

Enrolment has two steps. ``start`` keeps a new secret, unconfirmed (a secret shown but never
confirmed counts for nothing and is replaced by the next start); ``confirm`` takes a first
code from the app, which proves the app holds the secret, and only then does the factor
count, with ten new recovery codes."""

from dataclasses import dataclass

from flask import current_app
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app.core import audit, clock, db
from app.core.models import Passkey, TotpFactor, User
from app.keys.store import keystore
from app.notifications import factor_notices, not_me
from app.people import accounts, authentication
from app.people.factors import checks, held, passkeys, recovery, totp
from app.people.known_devices import KnownDevice


class AlreadyEnrolled(Exception):
    """The person has an authenticator app already: remove it first."""


class NothingToConfirm(Exception):
    """No enrolment was started (or it was confirmed already)."""


@dataclass(frozen=True)
class Started:
    """What the person needs to add the app: the secret in text and as a QR code."""

    secret: str
    uri: str

    @property
    def grouped_secret(self) -> str:
        return totp.grouped(self.secret)

    @property
    def qr_svg(self) -> str:
        return totp.qr_svg(self.uri)


@db.unit_of_work
def start(session: Session, user: User) -> Started:
    """A new secret for ``user``'s authenticator app, kept unconfirmed. Raises
    AlreadyEnrolled."""
    db.lock_for_write(session, User, [user.id])
    factor = session.scalar(select(TotpFactor).where(TotpFactor.user_id == user.id))
    if factor is not None and factor.confirmed_at is not None:
        raise AlreadyEnrolled()
    secret = totp.new_secret()
    ciphertext = keystore().encrypt(secret)
    if factor is None:
        session.add(TotpFactor(user_id=user.id, secret_ciphertext=ciphertext))
    else:
        factor.secret_ciphertext, factor.created_at, factor.last_step = (
            ciphertext,
            clock.now(),
            None,
        )
    issuer = str(current_app.config["REALM_NAME"])
    return Started(secret, totp.provisioning_uri(secret, account=user.email, issuer=issuer))


def pending(session: Session, user_id: int) -> Started | None:
    """The enrolment ``user_id`` started and has not confirmed, shown again (a reload)."""
    factor = session.scalar(
        select(TotpFactor).where(TotpFactor.user_id == user_id, TotpFactor.confirmed_at.is_(None))
    )
    if factor is None:
        return None
    user = session.get_one(User, user_id)
    secret = keystore().decrypt(factor.secret_ciphertext)
    issuer = str(current_app.config["REALM_NAME"])
    return Started(secret, totp.provisioning_uri(secret, account=user.email, issuer=issuer))


@db.unit_of_work
def confirm(session: Session, user: User, code: str) -> list[str] | None:
    """Confirm the started enrolment with a first code: the factor counts from now, and the
    new recovery codes are returned (to be shown once). None when the code is not the app's.
    Raises NothingToConfirm."""
    db.lock_for_write(session, User, [user.id])
    factor = session.scalar(
        select(TotpFactor).where(TotpFactor.user_id == user.id, TotpFactor.confirmed_at.is_(None))
    )
    if factor is None:
        raise NothingToConfirm()
    if not checks.accept_app_code(session, factor, code):
        return None
    factor.confirmed_at = clock.now()
    codes = recovery.replace_all(session, user)
    audit.record(session, "second_factor_added", actor_id=user.id, subject_user_id=user.id)
    factor_notices.second_factor_added(session, user, factor_id=factor.id)
    return codes


def remove(session: Session, user: User, password: str, code: str, *, device: KnownDevice) -> None:
    """Remove ``user``'s authenticator app and recovery codes, after their password and a
    code of the factor (the app's, or a recovery code). Raises the password check's errors,
    limits.TooManyAttempts, or checks.CodeRefused."""
    authentication.authenticate(session, user.email, password, purpose="reauth", device=device)
    checks.check_code(session, user, code, purpose="remove", device=device)
    _remove(session, user)


@db.unit_of_work
def _remove(session: Session, user: User) -> None:
    db.lock_for_write(session, User, [user.id])
    session.execute(delete(TotpFactor).where(TotpFactor.user_id == user.id))
    if not held.enrolled(session, user.id):  # the codes stay with a passkey
        recovery.remove_all(session, user.id)
    audit.record(session, "second_factor_removed", actor_id=user.id, subject_user_id=user.id)
    factor_notices.second_factor_removed(session, user)


@db.unit_of_work
def replace_recovery_codes(session: Session, user: User) -> list[str]:
    """Ten new recovery codes for an enrolled ``user`` (the old ones stop working)."""
    db.lock_for_write(session, User, [user.id])
    if not held.enrolled(session, user.id):
        raise NothingToConfirm()
    codes = recovery.replace_all(session, user)
    audit.record(session, "recovery_codes_replaced", actor_id=user.id, subject_user_id=user.id)
    factor_notices.recovery_codes_replaced(session, user)
    return codes


@db.unit_of_work
def reset(session: Session, user: User, *, actor_id: int) -> bool:
    """An administrator's act for a person who lost their factor: their authenticator app,
    passkeys and recovery codes go (their keys stay as they are), audited and told. False when they
    had none."""
    db.lock_for_write(session, User, [user.id])
    if not held.enrolled(session, user.id):
        return False
    session.execute(delete(TotpFactor).where(TotpFactor.user_id == user.id))
    passkeys.remove_all(session, user.id)
    recovery.remove_all(session, user.id)
    audit.record(session, "second_factor_reset", actor_id=actor_id, subject_user_id=user.id)
    factor_notices.second_factor_reset(session, user, actor_id=actor_id)
    return True


@db.unit_of_work
def undo_reported(session: Session, token: str) -> not_me.FactorReport:
    """Act on the "This wasn't me" link of a factor added: that factor goes, with the
    recovery codes (whoever added it may have been shown them), and the person is signed
    out everywhere; audited and committed. Raises not_me.LinkRefused (nothing changes)."""
    facts = not_me.factor_facts_of(token)
    db.lock_for_write(session, User, [facts["p"]])
    report = not_me.factor_report_of(session, facts)
    model = Passkey if report.kind == "passkey" else TotpFactor
    session.execute(delete(model).where(model.id == report.factor_id))
    recovery.remove_all(session, report.person.id)
    accounts.invalidate_login_sessions(report.person)
    detail = {"factor": report.kind, **({"passkey_name": report.name} if report.name else {})}
    audit.record(
        session,
        "second_factor_reported_not_me",
        actor_id=None,  # whoever holds the emailed link: not a login
        subject_user_id=report.person.id,
        detail=detail,
    )
    return report
