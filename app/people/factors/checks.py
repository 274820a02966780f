"""Checking a second factor: the one check of login, the re-authentication window and
fetch_api_key. A code, or a passkey's answer, is counted against the same allowances as a
password (per account and client, a known browser on its own: app/core/limits.py) before it
is compared, a wrong one is audited, and each is accepted once: an authenticator app's code
by recording the step it belongs to (no code of that step or an earlier one is accepted
again), a recovery code by spending it, a passkey's answer by deleting its challenge."""

from collections.abc import Callable
from typing import Literal, TypeVar

from sqlalchemy import update
from sqlalchemy.orm import Session

from app.core import audit, clock, db, limits
from app.core.models import TotpFactor, User
from app.keys.store import keystore
from app.notifications import factor_notices
from app.people import accounts
from app.people.factors import held, passkeys, recovery, totp
from app.people.known_devices import KnownDevice

T = TypeVar("T")
Kind = Literal["app", "recovery_code"]
Purpose = Literal["login", "reauth", "fetch_api_key", "remove"]


class CodeRefused(Exception):
    """No factor of the person's took the code (wrong, used already, or a step passed)."""


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
    kind = _counted(session, user, purpose, device, lambda: _take(session, user, code.strip()))
    if kind is None:
        raise CodeRefused()
    return kind


def check_passkey(
    session: Session,
    user: User,
    answer: str,
    *,
    purpose: Literal["login", "reauth"],
    device: KnownDevice | None = None,
) -> None:
    """Whether the browser's ``answer`` is an assertion by one of ``user``'s passkeys to a
    challenge of theirs still open: counted and audited as a code is. Raises CodeRefused."""
    if not _counted(
        session, user, purpose, device, lambda: passkeys.take_answer(session, user, answer, purpose)
    ):
        raise CodeRefused()


def _counted(
    session: Session,
    user: User,
    purpose: Purpose,
    device: KnownDevice | None,
    take: Callable[[], T],
) -> T:
    """``take()``, counted against the password allowances first (limits.TooManyAttempts
    when used up); a falsy result is audited as a failed second factor."""
    device_id = device.device_id if device is not None and device.vouches_for(user) else None
    attempt = limits.password_limits().begin(accounts.normalize_email(user.email), device_id)
    result = take()
    if not result:
        _record_alone(
            session,
            "second_factor_failed",
            actor_id=user.id if purpose in ("reauth", "remove") else None,
            subject_user_id=user.id,
            detail={"purpose": purpose},
        )
        return result
    attempt.release()
    return result


_record_alone = db.unit_of_work(audit.record)


@db.unit_of_work
def _take(session: Session, user: User, code: str) -> Kind | None:
    factor = held.app_factor(session, user.id)
    if factor is not None and accept_app_code(session, factor, code):
        return "app"
    if recovery.use(session, user, code):
        audit.record(session, "recovery_code_used", actor_id=user.id, subject_user_id=user.id)
        factor_notices.recovery_code_used(session, user, left=recovery.left(session, user.id))
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
