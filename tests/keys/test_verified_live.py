"""Revocation stays instant with verified keys kept in every process: two real server
processes (gunicorn with gunicorn.conf.py, one worker each, so each answer comes from a
known process) share the database, on SQLite and on PostgreSQL. Both have served the key
from what they kept (their /metrics say so); the key is then ended through the API of one
of them, from the command line, or straight in the database, and both refuse it at their
very next request. The negative control runs the same against Keyfob with the epoch check
taken out (tests/helpers/blind_epoch.py): the revoked key is still served, so these tests
do see warm caches, and the epoch is what refuses it."""

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from flask import Flask
from sqlalchemy import text

from app.core import db
from tests.conftest import empty_tables, seeder_app
from tests.helpers.gunicorn import environment, free_port, gunicorn_command, running, shared_secrets
from tests.helpers.users import Account, MakeUser
from tests.helpers.verified_keys import METRICS_TOKEN, hits

BLIND_APP = "tests.helpers.blind_epoch:create_app()"


@dataclass
class Workers:
    urls: tuple[str, str]
    seeder: Flask  # the test's own app: same database, same secrets

    def make_user(self) -> Account:
        return MakeUser(self.seeder)(f"live-{uuid.uuid4().hex[:12]}@example.com")


def start_workers(database_url: str, work: Path, app_target: list[str]) -> Iterator[Workers]:
    shared = {
        **shared_secrets(),
        "KEYFOB_DATABASE_URL": database_url,
        "KEYFOB_SERVE_WORKERS": "1",
        "KEYFOB_METRICS_ENABLED": "true",
        "KEYFOB_METRICS_TOKEN": METRICS_TOKEN,
    }
    seeder = seeder_app(database_url, work / "seeder", shared)
    ports = free_port(), free_port()
    env_a, env_b = (
        environment(
            work / name,
            {
                **shared,
                "KEYFOB_SERVE_BIND": f"127.0.0.1:{port}",
                "PROMETHEUS_MULTIPROC_DIR": str(work / f"metrics-{name}"),
            },
        )
        for name, port in zip(("a", "b"), ports, strict=True)
    )
    command = gunicorn_command() + app_target
    try:
        with (
            running(command, env_a, ports[0], work / "a.log") as a,
            running(command, env_b, ports[1], work / "b.log") as b,
        ):
            yield Workers((a, b), seeder)
    finally:
        empty_tables(seeder)


@pytest.fixture(scope="module")
def workers(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workers]:
    yield from start_workers(database_url, tmp_path_factory.mktemp("verified"), [])


@pytest.fixture(scope="module")
def blind_workers(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workers]:
    yield from start_workers(database_url, tmp_path_factory.mktemp("blind"), [BLIND_APP])


def me(url: str, email: str, key: str) -> httpx.Response:
    return httpx.get(f"{url}/api/v1/users/me", auth=(email, key), timeout=10)


def hit_count(url: str) -> float:
    page = httpx.get(f"{url}/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
    assert page.status_code == 200
    return hits(page.text)


def warm_both(workers: Workers, email: str, key: str) -> None:
    """Each process verifies the key, then serves it from what it kept."""
    for url in workers.urls:
        first = me(url, email, key)
        assert first.status_code == 200, (url, first.text)
        before = hit_count(url)
        assert me(url, email, key).status_code == 200
        assert hit_count(url) == before + 1, f"{url} did not serve the key from its cache"


def sql(workers: Workers, statement: str, **values: object) -> None:
    with workers.seeder.app_context(), db.engine().begin() as connection:
        connection.execute(text(statement), values)


def regenerate_through_a(workers: Workers, account: Account) -> str:
    response = httpx.post(
        f"{workers.urls[0]}/api/v1/users/me/api_key/regenerate",
        auth=(account.email, account.key),
    )
    assert response.status_code == 200
    return "INVALID_API_KEY"


def deactivate_from_the_command_line(workers: Workers, account: Account) -> str:
    result = workers.seeder.test_cli_runner().invoke(args=["users", "deactivate", account.email])
    assert result.exit_code == 0, result.output
    return "USER_DEACTIVATED"


def revoke_in_the_database(workers: Workers, account: Account) -> str:
    sql(
        workers,
        "UPDATE api_keys SET revoked_at = :now WHERE user_id = :id",
        now=_now(),
        id=account.id,
    )
    return "INVALID_API_KEY"


def expire_in_the_database(workers: Workers, account: Account) -> str:
    past = _now() - timedelta(seconds=1)
    sql(
        workers,
        "UPDATE api_keys SET expires_at = :past WHERE user_id = :id",
        past=past,
        id=account.id,
    )
    return "API_KEY_EXPIRED"


def deactivate_in_the_database(workers: Workers, account: Account) -> str:
    sql(workers, "UPDATE users SET is_active = :no WHERE id = :id", no=False, id=account.id)
    return "USER_DEACTIVATED"


def narrow_in_the_database(workers: Workers, account: Account) -> str:
    """Not an end: the key keeps working, for what its one scope opens."""
    sql(workers, "UPDATE api_keys SET scopes = 'users:read' WHERE user_id = :id", id=account.id)
    return "MISSING_SCOPE"


def pause_in_the_database(workers: Workers, account: Account) -> str:
    sql(
        workers,
        "UPDATE api_keys SET paused_at = :now WHERE user_id = :id",
        now=_now(),
        id=account.id,
    )
    return "API_KEY_PAUSED"


def limit_in_the_database(workers: Workers, account: Account) -> str:
    """Not an end either: the key keeps working, from the networks it now allows."""
    sql(
        workers,
        "UPDATE api_keys SET allowed_networks = '192.0.2.0/24' WHERE user_id = :id",
        id=account.id,
    )
    return "IP_NOT_ALLOWED"


def _now() -> datetime:
    return datetime.now(UTC)


ENDINGS = [
    regenerate_through_a,
    deactivate_from_the_command_line,
    revoke_in_the_database,
    expire_in_the_database,
    deactivate_in_the_database,
    narrow_in_the_database,
    pause_in_the_database,
    limit_in_the_database,
]
# The refusals that say the key is right but may not do this (the others: 401).
FORBIDDEN = {"MISSING_SCOPE", "IP_NOT_ALLOWED"}


@pytest.mark.parametrize("end", ENDINGS, ids=lambda end: end.__name__)
def test_an_ended_key_is_refused_by_both_processes_at_their_next_request(
    workers: Workers, end: Callable[[Workers, Account], str]
) -> None:
    account = workers.make_user()
    warm_both(workers, account.email, account.key)
    code = end(workers, account)
    for url in workers.urls:
        refused = me(url, account.email, account.key)
        assert refused.status_code == (403 if code in FORBIDDEN else 401), url
        assert refused.json()["code"] == code


@pytest.mark.parametrize(
    "end",
    [
        revoke_in_the_database,
        regenerate_through_a,
        narrow_in_the_database,
        pause_in_the_database,
        limit_in_the_database,
    ],
    ids=lambda end: end.__name__,
)
def test_negative_control_without_the_epoch_check_both_serve_the_ended_key(
    blind_workers: Workers, end: Callable[[Workers, Account], str]
) -> None:
    account = blind_workers.make_user()
    warm_both(blind_workers, account.email, account.key)
    end(blind_workers, account)
    for url in blind_workers.urls:
        assert me(url, account.email, account.key).status_code == 200, url
