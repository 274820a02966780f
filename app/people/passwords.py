"""Password hashes (argon2-cffi): making one, and checking a password against one."""

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import Flask, current_app

from app.core.models import User


def init_app(app: Flask) -> None:
    app.extensions["keyfob.hasher"] = PasswordHasher(
        time_cost=app.config["ARGON2_TIME_COST"],
        memory_cost=app.config["ARGON2_MEMORY_COST_KIB"],
    )


def _hasher() -> PasswordHasher:
    result: PasswordHasher = current_app.extensions["keyfob.hasher"]
    return result


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def hash_secret(secret: str) -> str:
    """Another secret a person types (a recovery code), hashed as a password is."""
    return _hasher().hash(secret)


def matches(stored_hash: str, typed: str) -> bool:
    """Whether ``typed`` is the secret ``stored_hash`` was made from."""
    try:
        return bool(_hasher().verify(stored_hash, typed))
    except (VerificationError, InvalidHashError):
        return False


def check_password(user: User | None, password: str) -> bool:
    """True when ``password`` is the human user's; bots and unknown users never match.

    An unknown user still costs one hash, so response time does not tell whether an
    email address has an account.
    """
    hasher = _hasher()
    if user is None or user.password_hash is None:
        hasher.hash(password)
        return False
    try:
        hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
    return True
