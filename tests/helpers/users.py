"""The test users: their shared password, what a test knows of one, and how they are made."""

from dataclasses import dataclass

from flask import Flask

from app.core import db
from app.keys import primary
from app.people import accounts, roles

PASSWORD = "correct horse battery staple"


@dataclass
class Account:
    """A human user as a test knows them: id, email, password and current key."""

    id: int
    email: str
    password: str
    key: str


class MakeUser:
    """Creates human users straight in the database (registration has its own HTTP tests)."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.count = 0

    def __call__(
        self, email: str | None = None, full_name: str = "Test User", role: int = roles.MEMBER
    ) -> Account:
        """A new user with PASSWORD and a key: ``email`` or the next userN@example.com; a
        member unless ``role`` says (registration's first-person rule has its own tests)."""
        self.count += 1
        email = email or f"user{self.count}@example.com"
        with self.app.app_context():
            session = db.session()
            user = accounts.register(session, email, full_name, PASSWORD, role=role)
            key = primary.reveal(session, user.id)
            assert key is not None
            return Account(user.id, user.email, PASSWORD, key)
