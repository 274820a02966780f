"""Recovery codes: ten single-use codes, shown once, kept as argon2 hashes (as passwords
are), each good for one login or re-authentication when the authenticator app is lost."""

import secrets
from collections.abc import Sequence

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from app.core import clock
from app.core.models import RecoveryCode, User
from app.people import passwords

COUNT = 10
LENGTH = 10
# Letters and digits a person reads off paper without mistaking one for another.
ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def shown(code: str) -> str:
    """A code as it is printed: two groups of five."""
    return f"{code[:5]}-{code[5:]}"


def normalised(typed: str) -> str:
    """What a person typed, as a code is kept: lower case, without spaces or hyphens."""
    return "".join(typed.split()).replace("-", "").lower()


def looks_like_one(typed: str) -> bool:
    text = normalised(typed)
    return len(text) == LENGTH and all(character in ALPHABET for character in text)


def replace_all(session: Session, user: User) -> list[str]:
    """New codes for ``user`` in the caller's transaction, the old ones gone: the codes as
    printed, which exist nowhere else once the caller has shown them."""
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = ["".join(secrets.choice(ALPHABET) for _ in range(LENGTH)) for _ in range(COUNT)]
    session.add_all(
        RecoveryCode(user_id=user.id, code_hash=passwords.hash_secret(code)) for code in codes
    )
    return [shown(code) for code in codes]


def use(session: Session, user: User, typed: str) -> bool:
    """Spend the unused code ``typed`` names, in the caller's transaction: True if there was
    one. Marked used only if no parallel request spent it first."""
    if not looks_like_one(typed):
        return False
    code = normalised(typed)
    for row in _unused(session, user.id):
        if passwords.matches(row.code_hash, code):
            spent = session.execute(
                update(RecoveryCode)
                .where(RecoveryCode.id == row.id, RecoveryCode.used_at.is_(None))
                .values(used_at=clock.now())
            )
            return bool(spent.rowcount)  # type: ignore[attr-defined]
    return False


def left(session: Session, user_id: int) -> int:
    return len(_unused(session, user_id))


def remove_all(session: Session, user_id: int) -> None:
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user_id))


def _unused(session: Session, user_id: int) -> Sequence[RecoveryCode]:
    query = select(RecoveryCode).where(
        RecoveryCode.user_id == user_id, RecoveryCode.used_at.is_(None)
    )
    return session.scalars(query.order_by(RecoveryCode.id)).all()
