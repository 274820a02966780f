"""GET /healthz and /readyz: cheap, unlimited, quiet when all is well, never a hang."""

import logging
import socket
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from flask import Flask
from flask.testing import FlaskClient

from app import create_app
from tests.conftest import base_config
from tests.helpers.live import serve

# Loopback ports nothing listens on (port 1 is tcpmux, never run here): refused at once.
CLOSED_POSTGRESQL = "postgresql+psycopg://keyfob@127.0.0.1:1/keyfob"
CLOSED_REDIS = "redis://127.0.0.1:1/0"
BOUND = 8.0  # seconds: two checks of READINESS_TIMEOUT_SECONDS=2, with room to spare


@pytest.fixture
def unreachable(database_url: str, tmp_path: Path) -> Iterator[Callable[..., Flask]]:
    """An app whose database or rate-limit store is on a closed port (not make_app: its
    clean-up empties tables, which such an app cannot reach)."""

    def build(**settings: object) -> Flask:
        config = base_config(database_url, tmp_path / "instance")
        return create_app({**config, "READINESS_TIMEOUT_SECONDS": 2, **settings})

    yield build


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A loopback port that accepts connections (the kernel's backlog) and never answers:
    a hung server, which only a timeout gets past."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        yield listener.getsockname()[1]


def test_healthz_answers_ok(client: FlaskClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}
    assert response.headers["Cache-Control"] == "no-store"


def test_healthz_needs_no_database(unreachable: Callable[..., Flask]) -> None:
    app = unreachable(DATABASE_URL=CLOSED_POSTGRESQL)
    assert app.test_client().get("/healthz").get_json() == {"status": "ok"}


def test_readyz_is_ready_when_everything_answers(client: FlaskClient) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json() == {
        "status": "ready",
        "checks": {"database": "ok", "ratelimit_store": "ok"},
    }
    assert response.headers["Cache-Control"] == "no-store"


def test_readyz_names_a_database_that_is_down(unreachable: Callable[..., Flask]) -> None:
    client = unreachable(DATABASE_URL=CLOSED_POSTGRESQL).test_client()
    started = time.monotonic()
    response = client.get("/readyz")
    assert time.monotonic() - started < BOUND
    assert response.status_code == 503
    assert response.get_json() == {
        "status": "unavailable",
        "checks": {"database": "down", "ratelimit_store": "ok"},
    }
    assert response.headers["Cache-Control"] == "no-store"


def test_readyz_names_a_rate_limit_store_that_is_down(unreachable: Callable[..., Flask]) -> None:
    client = unreachable(RATELIMIT_STORAGE_URI=CLOSED_REDIS).test_client()
    started = time.monotonic()
    response = client.get("/readyz")
    assert time.monotonic() - started < BOUND
    assert response.status_code == 503
    assert response.get_json()["checks"] == {"database": "ok", "ratelimit_store": "down"}


def test_readyz_gives_up_on_a_database_that_never_answers(
    unreachable: Callable[..., Flask], silent_port: int
) -> None:
    url = f"postgresql+psycopg://keyfob@127.0.0.1:{silent_port}/keyfob"
    client = unreachable(DATABASE_URL=url).test_client()
    started = time.monotonic()
    response = client.get("/readyz")
    assert time.monotonic() - started < BOUND
    assert response.get_json()["checks"]["database"] == "down"


def test_readyz_gives_up_on_a_rate_limit_store_that_never_answers(
    unreachable: Callable[..., Flask], silent_port: int
) -> None:
    uri = f"redis://127.0.0.1:{silent_port}/0"
    client = unreachable(RATELIMIT_STORAGE_URI=uri, READINESS_TIMEOUT_SECONDS=1).test_client()
    started = time.monotonic()
    response = client.get("/readyz")
    assert time.monotonic() - started < 3
    assert response.get_json()["checks"]["ratelimit_store"] == "down"


def test_readyz_asks_another_kind_of_store_through_the_limiter_within_the_timeout(
    unreachable: Callable[..., Flask], silent_port: int
) -> None:
    uri = f"redis+sentinel://127.0.0.1:{silent_port}/keyfob"  # the limiter's own check
    client = unreachable(RATELIMIT_STORAGE_URI=uri, READINESS_TIMEOUT_SECONDS=1).test_client()
    started = time.monotonic()
    response = client.get("/readyz")
    assert time.monotonic() - started < 3
    assert response.get_json()["checks"]["ratelimit_store"] == "down"


def test_readyz_logs_what_is_down_without_its_address(
    unreachable: Callable[..., Flask], caplog: pytest.LogCaptureFixture
) -> None:
    client = unreachable(DATABASE_URL=CLOSED_POSTGRESQL).test_client()
    with caplog.at_level(logging.DEBUG):
        assert client.get("/readyz").status_code == 503
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("database" in message for message in warnings)
    assert not any("127.0.0.1" in message or "keyfob@" in message for message in warnings)


def test_readyz_skips_the_trusted_hosts_check(client: FlaskClient) -> None:
    """Load balancers probe a backend by its address, which TRUSTED_HOSTS need not name."""
    response = client.get("/readyz", headers={"Host": "10.1.2.3:8000"})
    assert response.status_code == 200


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_probes_are_not_rate_limited(make_app: Callable[..., Flask], path: str) -> None:
    app = make_app(KEY_GUESS_LIMIT_PER_IP="2 per minute", REGISTRATION_LIMIT_PER_IP="2 per hour")
    client = app.test_client()
    statuses = {client.get(path).status_code for _ in range(150)}
    assert statuses == {200}


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_a_successful_probe_leaves_no_info_line_in_the_access_log(
    app: Flask, caplog: pytest.LogCaptureFixture, path: str
) -> None:
    with serve(app) as url, caplog.at_level(logging.INFO):
        assert httpx.get(url + path, timeout=10).status_code == 200
        assert httpx.get(url + "/login", timeout=10).status_code == 200
    # Everything the server side logged at INFO or above (httpx logs the client's requests).
    lines = [
        f"{r.name}: {r.getMessage()}"
        for r in caplog.records
        if r.levelno >= logging.INFO and not r.name.startswith(("httpx", "httpcore"))
    ]
    assert any("/login" in line for line in lines), "the access log was not captured"
    assert all("/login" in line for line in lines), lines


def test_a_failing_probe_is_still_logged(
    unreachable: Callable[..., Flask], caplog: pytest.LogCaptureFixture
) -> None:
    with serve(unreachable(DATABASE_URL=CLOSED_POSTGRESQL)) as url, caplog.at_level(logging.INFO):
        assert httpx.get(url + "/readyz", timeout=10).status_code == 503
    lines = [r.getMessage() for r in caplog.records if r.name == "werkzeug"]
    assert any("/readyz" in line and " 503 " in line for line in lines)


def test_gunicorn_access_lines_for_successful_probes_are_dropped() -> None:
    """gunicorn's access logger passes the request's atoms (U: path, s: status) as args."""
    from app.ops.request_log import QuietProbes

    def record(path: str, status: str) -> logging.LogRecord:
        atoms = {"U": path, "s": status, "r": f"GET {path} HTTP/1.1"}
        return logging.LogRecord(
            "gunicorn.access", logging.INFO, "", 0, '"%(r)s" %(s)s', (atoms,), None
        )

    quiet = QuietProbes()
    assert not quiet.filter(record("/healthz", "200"))
    assert quiet.filter(record("/readyz", "503"))
    assert quiet.filter(record("/api/v1/users/me", "200"))
