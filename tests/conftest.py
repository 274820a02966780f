"""Fixtures: a real database (SQLite file, or KEYFOB_TEST_DATABASE_URL), the app, clients, users.

What tests call and look at lives in tests/helpers/; this file holds only fixtures.
"""

import os
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from app import create_app
from app.core import db
from app.core.clock import install as install_clock
from app.core.models import Base
from keyfob_client import keyformat
from tests.helpers.live import serve
from tests.helpers.mail import SmtpServer
from tests.helpers.users import Account, MakeUser
from tests.helpers.web import KEY_PAGE, log_in, reauthenticate
from tests.helpers.zulip_js import install_zulip_js

TEST_DATABASE_URL = os.environ.get("KEYFOB_TEST_DATABASE_URL", "")
TEST_RATELIMIT_STORAGE_URI = os.environ.get("KEYFOB_TEST_RATELIMIT_STORAGE_URI", "memory://")


def reset_schema(engine: Engine) -> None:
    """Drop everything, so each run starts from a clean schema built by the migrations."""
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        else:
            Base.metadata.drop_all(connection)
            connection.execute(text("DROP TABLE IF EXISTS alembic_version"))


@pytest.fixture(autouse=True)
def _no_keyfob_settings_from_the_shell(monkeypatch: pytest.MonkeyPatch) -> None:
    """The suite sees only the settings it passes, whatever the developer's shell exports."""
    for variable in list(os.environ):
        if variable.startswith("KEYFOB_") and not variable.startswith("KEYFOB_TEST_"):
            monkeypatch.delenv(variable)


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
        "RATELIMIT_STORAGE_URI": TEST_RATELIMIT_STORAGE_URI,
        # A fresh prefix gives each test its own counters in a shared store such as Redis.
        "RATELIMIT_KEY_PREFIX": "keyfob-test-" + uuid.uuid4().hex,
        # Tests deliver queued mail when they mean to (tests/helpers/mail.py), so that no
        # sender thread outlives its test; test_mail_background.py covers the thread.
        "MAIL_DELIVERY": "command",
    }


def seeder_app(database_url: str, instance: Path, shared: dict[str, str]) -> Flask:
    """The test's own app beside live servers: the same database and the secrets they were
    given (``shared``, as tests/helpers/gunicorn.shared_secrets names them), so the users
    and keys it writes are theirs too."""
    return create_app(
        {
            **base_config(database_url, instance),
            "SECRET_KEY": shared["KEYFOB_SECRET_KEY"],
            "KEY_PEPPER": shared["KEYFOB_KEY_PEPPER"],
            "KEY_ENCRYPTION_KEYS": [shared["KEYFOB_KEY_ENCRYPTION_KEYS"]],
        }
    )


def empty_tables(application: Flask) -> None:
    # What the app's processes keep to write later (last uses, call counts) is written first:
    # written after the tables were emptied, it would land on the next test's rows, whose ids
    # start again from 1.
    for batched in ("keyfob.pending_uses", "keyfob.call_counts"):
        application.extensions[batched].write()
    engine = application.extensions["keyfob.engine"]
    with engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            if table.name != "auth_epoch":  # its one row is part of the schema
                connection.execute(table.delete())
    engine.dispose()


@pytest.fixture
def make_app(database_url: str, tmp_path: Path) -> Iterator[Callable[..., Flask]]:
    """Build an app with extra settings (one per test; the tables are emptied afterwards)."""
    built: list[Flask] = []

    def build(**settings: object) -> Flask:
        config = base_config(database_url, tmp_path / "instance")
        built.append(create_app({**config, **settings}))
        return built[-1]

    yield build
    for application in built:
        empty_tables(application)


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Flask:
    return make_app()


class Clock:
    """A clock the test moves by hand: installed as the app's clock."""

    def __init__(self) -> None:
        self.current = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> None:
        self.current += timedelta(**delta)


@pytest.fixture
def clock(app: Flask) -> Clock:
    substitute = Clock()
    install_clock(app, substitute)
    return substitute


@pytest.fixture
def smtp(tmp_path: Path) -> Iterator[SmtpServer]:
    """A real SMTP server on loopback, stopped after the test."""
    server = SmtpServer(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def mail_app(make_app: Callable[..., Flask], smtp: SmtpServer) -> Flask:
    """An app that sends its mail to ``smtp``."""
    return make_app(**smtp.settings())


@pytest.fixture
def mail_clock(mail_app: Flask) -> Clock:
    """The clock of ``mail_app``, moved by hand."""
    substitute = Clock()
    install_clock(mail_app, substitute)
    return substitute


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def make_user(app: Flask) -> MakeUser:
    return MakeUser(app)


@pytest.fixture
def user(make_user: MakeUser) -> Account:
    return make_user("ada@example.com", "Ada Lovelace")


@pytest.fixture
def logged_in(client: FlaskClient, user: Account) -> FlaskClient:
    response = log_in(client, user.email)
    assert response.status_code == 302
    return client


@pytest.fixture
def reauthed(logged_in: FlaskClient) -> FlaskClient:
    """Logged in, with the re-authentication window open."""
    assert reauthenticate(logged_in).location == KEY_PAGE
    return logged_in


@pytest.fixture
def no_zulip_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No ZULIP_* variables and an empty HOME: the script client sees only what a test gives."""
    for variable in ("ZULIP_EMAIL", "ZULIP_API_KEY", "ZULIP_SITE", "ZULIP_CONFIG"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))


@pytest.fixture
def a_key() -> str:
    """A well-formed user key that no one holds."""
    return keyformat.generate(keyformat.USER_PREFIX)


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    """The app served over real HTTP on a free local port, for clients that need a socket."""
    with serve(app) as url:
        yield url


@pytest.fixture(scope="session")
def zulip_js() -> Path:
    """The folder where zulip-js is installed from the npm registry (once per run)."""
    return install_zulip_js()


@pytest.fixture
def old_database(
    database_url: str, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[str]:
    """An empty database of its own, for a migration test to fill at an old revision: a
    SQLite file, or a PostgreSQL schema named after the test module (the URL's search_path
    points there)."""
    if not database_url.startswith("postgresql"):
        yield f"sqlite:///{tmp_path / 'old.sqlite3'}"
        return
    schema = "migration_" + request.module.__name__.rsplit("_", 1)[-1]
    main = db.make_engine(database_url)
    with main.begin() as connection:
        connection.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    url = make_url(database_url).update_query_dict({"options": f"-csearch_path={schema}"})
    yield url.render_as_string(hide_password=False)
    with main.begin() as connection:
        connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    main.dispose()
