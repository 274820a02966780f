"""gunicorn.conf.py and `make serve`, run for real: what they refuse, what they serve, and
what their access log leaves out."""

import base64
import re
import socket
from pathlib import Path

import httpx
import pytest

from keyfob_client import keyformat
from tests.helpers.gunicorn import (
    environment,
    free_port,
    gunicorn_command,
    run_to_exit,
    running,
    shared_secrets,
)

SECRETS_MESSAGE = "Keyfob will not serve without KEYFOB_SECRET_KEY, KEYFOB_KEY_PEPPER"
MEMORY_MESSAGE = "Keyfob will not serve 2 workers with KEYFOB_RATELIMIT_STORAGE_URI=memory://"
SETTINGS_CALLS = 12


def redis_answers() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
    except OSError:
        return False
    return True


def test_gunicorn_refuses_to_start_without_the_secrets(tmp_path: Path) -> None:
    env = environment(tmp_path / "instance", {"KEYFOB_SERVE_WORKERS": "1"})
    status, output = run_to_exit(gunicorn_command(), env)
    assert status != 0
    assert SECRETS_MESSAGE in output
    assert not (tmp_path / "instance" / "secrets.toml").exists()


def test_make_serve_refuses_without_the_secrets_before_migrating(
    tmp_path: Path,
) -> None:
    database = tmp_path / "never.sqlite3"
    settings = {"KEYFOB_SERVE_WORKERS": "1", "KEYFOB_DATABASE_URL": f"sqlite:///{database}"}
    status, output = run_to_exit(["make", "serve"], environment(tmp_path / "instance", settings))
    assert status != 0
    assert SECRETS_MESSAGE in output
    assert not database.exists()


def test_gunicorn_refuses_several_workers_on_the_memory_store(tmp_path: Path) -> None:
    settings = {**shared_secrets(), "KEYFOB_SERVE_WORKERS": "2"}
    status, output = run_to_exit(gunicorn_command(), environment(tmp_path / "instance", settings))
    assert status != 0
    assert MEMORY_MESSAGE in output


def test_make_serve_migrates_and_serves(tmp_path: Path) -> None:
    """A fresh database: `make serve` builds the schema, then answers the API."""
    port = free_port()
    settings = {
        **shared_secrets(),
        "KEYFOB_SERVE_WORKERS": "1",
        "KEYFOB_SERVE_BIND": f"127.0.0.1:{port}",
        "KEYFOB_DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.sqlite3'}",
    }
    env = environment(tmp_path / "instance", settings)
    with running(["make", "serve"], env, port, tmp_path / "serve.log") as url:
        body = httpx.get(url + "/api/v1/server_settings", timeout=10).json()
        assert body["result"] == "success"
        # Real authentication reads the migrated tables: an unknown key is refused, not a 500.
        key = keyformat.generate(keyformat.USER_PREFIX)
        me = httpx.get(url + "/api/v1/users/me", auth=("nobody@example.com", key), timeout=10)
        assert me.status_code == 401


def test_the_access_log_holds_no_credentials_and_no_query_string(
    tmp_path: Path, database_url: str
) -> None:
    port = free_port()
    settings = {
        **shared_secrets(),
        "KEYFOB_SERVE_WORKERS": "1",
        "KEYFOB_SERVE_BIND": f"127.0.0.1:{port}",
        "KEYFOB_DATABASE_URL": database_url,
    }
    email, key = "owner@example.com", keyformat.generate(keyformat.USER_PREFIX)
    in_query = "kfu_" + "Q" * 36  # a secret-looking value where a careless client puts one
    log = tmp_path / "gunicorn.log"
    with running(gunicorn_command(), environment(tmp_path / "i", settings), port, log) as url:
        response = httpx.get(
            url + "/api/v1/users/me",
            params={"api_key": in_query},
            auth=(email, key),
            headers={"Referer": f"{url}/settings?api_key={in_query}"},
            timeout=10,
        )
        assert response.status_code == 401
    written = log.read_text()
    assert '"GET /api/v1/users/me HTTP/1.1" 401' in written  # the request was logged
    token = base64.b64encode(f"{email}:{key}".encode()).decode()
    for secret in (key, token, email, in_query, "api_key"):
        assert secret not in written


def test_metrics_add_up_across_gunicorn_workers(tmp_path: Path) -> None:
    """Two workers, each counting its own requests; the scrape answers their sum."""
    port, token = free_port(), "t" * 32
    settings = {
        **shared_secrets(),
        "KEYFOB_SERVE_WORKERS": "2",
        "KEYFOB_SERVE_BIND": f"127.0.0.1:{port}",
        "KEYFOB_DATABASE_URL": f"sqlite:///{tmp_path / 'metrics.sqlite3'}",
        "KEYFOB_RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379",
        "KEYFOB_RATELIMIT_KEY_PREFIX": f"metrics-{port}",
        "KEYFOB_METRICS_ENABLED": "true",
        "KEYFOB_METRICS_TOKEN": token,
    }
    if not redis_answers():
        pytest.skip("two workers need a shared rate-limit store, and Redis does not answer")
    env = environment(tmp_path / "instance", settings)
    with running(["make", "serve"], env, port, tmp_path / "serve.log") as url:
        # Counted from after start-up: its readiness probes may repeat under a loaded machine.
        before = served_settings_calls(url, token)
        for _ in range(SETTINGS_CALLS):  # new connections: both workers take some
            assert httpx.get(url + "/api/v1/server_settings", timeout=10).status_code == 200
        after = served_settings_calls(url, token)
    assert after - before == SETTINGS_CALLS


def served_settings_calls(url: str, token: str) -> float:
    """How many server_settings answers every worker together has counted."""
    scrape = httpx.get(url + "/metrics", headers={"Authorization": f"Bearer {token}"})
    assert scrape.status_code == 200, scrape.text[:2000]
    counted = re.search(
        r'keyfob_http_requests_total\{app="api",endpoint="api.server_settings",'
        r'method="GET",status="200"\} (\d+)',
        scrape.text,
    )
    assert counted, scrape.text[:2000]
    return float(counted.group(1))
