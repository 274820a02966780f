"""Checking a second factor: the one check of login, the re-authentication window and
fetch_api_key. A code is counted against the same allowances as a password (per account
and client, a known browser on its own: app/core/limits.py) before it is compared, a wrong
one is audited, and an authenticator app's code is accepted once: the step it belongs to is
recorded, and no code of that step or an earlier one is accepted again."""

from typing import Literal

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.core import audit, clock, db, limits
from app.core.models import TotpFactor, User
from app.keys.store import keystore
from app.notifications import notices
from app.people import accounts
from app.people.factors import recovery, totp
from app.people.known_devices import KnownDevice

Kind = Literal["app", "recovery_code"]
Purpose = Literal["login", "reauth", "fetch_api_key", "remove"]


class CodeRefused(Exception):
    """No factor of the person's took the code (wrong, used already, or a step passed)."""


def enrolled(session: Session, user_id: int) -> bool:
    """Whether the person has a confirmed second factor."""
    query = select(TotpFactor.id).where(
        TotpFactor.user_id == user_id, TotpFactor.confirmed_at.is_not(None)
    )
    return session.scalar(query) is not None


def confirmed_factor(session: Session, user_id: int) -> TotpFactor | None:
    query = select(TotpFactor).where(
        TotpFactor.user_id == user_id, TotpFactor.confirmed_at.is_not(None)
    )
    return session.scalar(query)


def check_code(
    session: Session,
    user: User,
    code: str,
    *,
    purpose: Purpose,
    device: KnownDevice | None = None,
) -> Kind:
    """Which of ``user``'s factors took ``code``: their app's (its step recorded) or a
    recovery code (spent). Counted first (limits.TooManyAttempts when used up), committed
    whatever the caller does next. Raises CodeRefused, audited."""
    device_id = device.device_id if device is not None and device.vouches_for(user) else None
    attempt = limits.password_limits().begin(accounts.normalize_email(user.email), device_id)
    kind = _take(session, user, code.strip())
    if kind is None:
        _record_alone(
            session,
            "second_factor_failed",
            actor_id=user.id if purpose in ("reauth", "remove") else None,
            subject_user_id=user.id,
            detail={"purpose": purpose},
        )
        raise CodeRefused()
    attempt.release()
    return kind


_record_alone = db.unit_of_work(audit.record)


@db.unit_of_work
def _take(session: Session, user: User, code: str) -> Kind | None:
    factor = confirmed_factor(session, user.id)
    if factor is None:
        return None
    if accept_app_code(session, factor, code):
        return "app"
    if recovery.use(session, user, code):
        audit.record(session, "recovery_code_used", actor_id=user.id, subject_user_id=user.id)
        notices.recovery_code_used(session, user, left=recovery.left(session, user.id))
        return "recovery_code"
    return None


def accept_app_code(session: Session, factor: TotpFactor, code: str) -> bool:
    """Whether ``code`` is the app's for a step later than any accepted before; that step is
    then recorded (only if no parallel request recorded it or a later one first)."""
    secret = keystore().decrypt(factor.secret_ciphertext)
    step = totp.matching_step(secret, "".join(code.split()), clock.now())
    if step is None:
        return False
    taken = session.execute(
        update(TotpFactor)
        .where(TotpFactor.id == factor.id)
        .where((TotpFactor.last_step.is_(None)) | (TotpFactor.last_step < step))
        .values(last_step=step)
    )
    return bool(taken.rowcount)  # type: ignore[attr-defined]


def factor_mark(session: Session, user_id: int) -> str | None:
    """What a browser remembered at the second step is bound to: the factor as it was
    confirmed (a factor removed and added again is another mark). None without one."""
    factor = confirmed_factor(session, user_id)
    if factor is None or factor.confirmed_at is None:
        return None
    return f"{factor.id}:{factor.confirmed_at.isoformat()}"
