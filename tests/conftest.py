"""Fixtures: a real database (SQLite file, or KEYFOB_TEST_DATABASE_URL), the app, clients, users."""

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, text
from werkzeug.test import TestResponse

from app import create_app, db, keys
from app.accounts import users
from app.models import Base

TEST_DATABASE_URL = os.environ.get("KEYFOB_TEST_DATABASE_URL", "")
PASSWORD = "correct horse battery staple"


def reset_schema(engine: Engine) -> None:
    """Drop everything, so each run starts from a clean schema built by the migrations."""
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        else:
            Base.metadata.drop_all(connection)
            connection.execute(text("DROP TABLE IF EXISTS alembic_version"))


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = TEST_DATABASE_URL or "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.sqlite3")
    engine = db.make_engine(url)
    reset_schema(engine)
    db.upgrade(engine)
    engine.dispose()
    return url


def base_config(database_url: str, instance: Path) -> dict[str, object]:
    return {
        "TESTING": True,
        "INSTANCE_PATH": str(instance),
        "DATABASE_URL": database_url,
        # Cheap hashing keeps the suite fast; production uses argon2-cffi's defaults.
        "ARGON2_TIME_COST": 1,
        "ARGON2_MEMORY_COST_KIB": 1024,
    }


@pytest.fixture
def app(database_url: str, tmp_path: Path) -> Iterator[Flask]:
    application = create_app(base_config(database_url, tmp_path / "instance"))
    yield application
    engine = application.extensions["keyfob.engine"]
    with engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            connection.execute(table.delete())
    engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@dataclass
class Account:
    id: int
    email: str
    password: str
    key: str


@pytest.fixture
def make_user(app: Flask) -> "MakeUser":
    return MakeUser(app)


class MakeUser:
    """Creates human users straight in the database (registration has its own HTTP tests)."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.count = 0

    def __call__(self, email: str | None = None, full_name: str = "Test User") -> Account:
        self.count += 1
        email = email or f"user{self.count}@example.com"
        with self.app.app_context():
            session = db.session()
            user = users.create_human(session, email, full_name, PASSWORD)
            session.commit()
            key = keys.reveal(session, user.id)
            assert key is not None
            return Account(user.id, user.email, PASSWORD, key)


@pytest.fixture
def user(make_user: MakeUser) -> Account:
    return make_user("ada@example.com", "Ada Lovelace")


CSRF_INPUT = re.compile(
    r'name="csrf_token" type="hidden" value="([^"]+)"|'
    r'type="hidden" name="csrf_token" value="([^"]+)"'
)


def csrf_token(response: TestResponse) -> str:
    """The CSRF token in a page's form, as a browser would submit it."""
    match = CSRF_INPUT.search(response.get_data(as_text=True))
    assert match, "page has no CSRF token"
    return match.group(1) or match.group(2)


def post_form(
    client: FlaskClient,
    page: str,
    data: dict[str, str],
    action: str | None = None,
) -> TestResponse:
    """Open ``page``, then submit its form to ``action`` (default: the page) with the token."""
    token = csrf_token(client.get(page))
    return client.post(action or page, data={**data, "csrf_token": token})


def log_in(client: FlaskClient, email: str, password: str = PASSWORD) -> TestResponse:
    return post_form(client, "/login", {"email": email, "password": password})


@pytest.fixture
def logged_in(client: FlaskClient, user: Account) -> FlaskClient:
    response = log_in(client, user.email)
    assert response.status_code == 302
    return client
