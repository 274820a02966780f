"""Fixtures: a real database (SQLite file, or KEYFOB_TEST_DATABASE_URL), the app, clients, users."""

import html
import os
import re
import threading
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TypeVar

import httpx
import pytest
from click.testing import Result
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, text
from werkzeug.serving import make_server
from werkzeug.test import TestResponse

from app import create_app, db, keys, users
from app.clock import install as install_clock
from app.models import Base

T = TypeVar("T")
TEST_DATABASE_URL = os.environ.get("KEYFOB_TEST_DATABASE_URL", "")
TEST_RATELIMIT_STORAGE_URI = os.environ.get("KEYFOB_TEST_RATELIMIT_STORAGE_URI", "memory://")
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
    }


def empty_tables(application: Flask) -> None:
    engine = application.extensions["keyfob.engine"]
    with engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
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
            user = users.register(session, email, full_name, PASSWORD)
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
    return csrf_token_in(response.get_data(as_text=True))


def csrf_token_in(page: str) -> str:
    match = CSRF_INPUT.search(page)
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


@dataclass
class Bot:
    id: int
    email: str
    key: str


KEY_IN_PAGE = re.compile(r'id="(?:api-key-value|new-bot-key)"[^>]*>([^<]+)<')


def key_in(page: str) -> str:
    """The full key a page shows in its key box."""
    match = KEY_IN_PAGE.search(page)
    assert match, "page shows no key"
    return match.group(1)


def create_bot(
    client: FlaskClient, full_name: str = "Weather Bot", username: str = "weather"
) -> Bot:
    """Add a bot through the Your bots form, as its owner would."""
    response = post_form(client, "/settings/bots", {"full_name": full_name, "username": username})
    page = response.get_data(as_text=True)
    bot_id = re.search(r"/settings/bots/(\d+)/zuliprc", page)
    email = re.search(r"Its email is ([^.\s]+@[^\s]+?)\.\s", page)
    assert response.status_code == 200 and bot_id and email, "bot was not created"
    return Bot(int(bot_id.group(1)), email.group(1), key_in(page))


@contextmanager
def serve(application: Flask) -> Iterator[str]:
    """Serve an app over real HTTP on a free loopback port, one thread per request."""
    server = make_server("127.0.0.1", 0, application, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    """The app served over real HTTP on a free local port, for clients that need a socket."""
    with serve(app) as url:
        yield url


def at_once(count: int, request: Callable[[int], T], timeout: float = 60) -> list[T]:
    """Run ``request(0..count-1)`` in ``count`` threads released together by a barrier, as
    parallel clients would; the results in order."""
    barrier = threading.Barrier(count, timeout=timeout)

    def run(index: int) -> T:
        barrier.wait()
        return request(index)

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(run, range(count), timeout=timeout))


def browser_logged_in(base_url: str, email: str, password: str = PASSWORD) -> httpx.Client:
    """An HTTP client logged in to the live server through the login form."""
    browser = httpx.Client(base_url=base_url, timeout=30)
    token = csrf_token_in(browser.get("/login").text)
    response = browser.post(
        "/login", data={"email": email, "password": password, "csrf_token": token}
    )
    assert response.status_code == 302, "login failed"
    return browser


def from_ip(client: FlaskClient, address: str) -> FlaskClient:
    """Make every request of this test client come from ``address``."""
    client.environ_base["REMOTE_ADDR"] = address
    return client


def reauthenticate(client: FlaskClient, password: str = PASSWORD) -> TestResponse:
    """Re-enter the password on the API-key page, as the user would."""
    return post_form(client, "/settings/account/api-key", {"password": password})


@pytest.fixture
def reauthed(logged_in: FlaskClient) -> FlaskClient:
    """Logged in, with the re-authentication window open."""
    assert reauthenticate(logged_in).location == "/settings/account/api-key"
    return logged_in


def field_error(response: TestResponse, field: str) -> str:
    """The error a re-rendered form shows under ``field`` ("" if none): never a 500."""
    assert response.status_code == 200, response.status
    match = re.search(rf'id="{field}-error"[^>]*>([^<]*)<', response.get_data(as_text=True))
    return html.unescape(match.group(1)) if match else ""


def register_account(client: FlaskClient, **fields: str) -> TestResponse:
    """Submit the registration form, with its CSRF token: good values unless ``fields`` say."""
    data = {"email": "grace@example.com", "full_name": "Grace Hopper", "password": PASSWORD}
    return post_form(client, "/register", {**data, "confirm": PASSWORD, **fields})


def users_create(app: Flask, email: str, full_name: str) -> Result:
    """`flask users create` as an administrator runs it, the password on standard input."""
    arguments = ["--email", email, "--full-name", full_name, "--password-stdin"]
    return app.test_cli_runner().invoke(args=["users", "create", *arguments], input=PASSWORD)


def open_database_connections(application: Flask) -> int:
    """What an operator would count: server-side connections on PostgreSQL, open handles
    on the database file for SQLite."""
    engine = application.extensions["keyfob.engine"]
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            query = "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            return int(connection.exec_driver_sql(query).scalar_one()) - 1  # less this one
    database = os.path.realpath(str(engine.url.database))
    handles = Path("/proc/self/fd").iterdir()
    return sum(1 for handle in handles if os.path.realpath(handle) == database)
