"""An expired key gets its own answer (401 API_KEY_EXPIRED, saying when), and finding that
out costs the one authentication SELECT and nothing more."""

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event

from tests.conftest import Clock
from tests.helpers.api import API, api_error, api_me, api_ok
from tests.helpers.api_keys import bearer, create_key, list_keys
from tests.helpers.users import Account

ME = f"{API}/users/me"


def auth_of(account: Account) -> tuple[str, str]:
    return account.email, account.key


def thirty_day_key(client: FlaskClient, user: Account, name: str = "ci") -> dict[str, Any]:
    return api_ok(create_key(client, auth_of(user), name, expires_in_days=30))


def test_a_key_works_until_it_expires(client: FlaskClient, user: Account, clock: Clock) -> None:
    key = str(thirty_day_key(client, user)["api_key"])
    clock.advance(days=30, seconds=-1)
    api_ok(client.get(ME, headers=bearer(key)))


def test_an_expired_key_says_when_it_expired(
    client: FlaskClient, user: Account, clock: Clock
) -> None:
    named = thirty_day_key(client, user)
    clock.advance(days=30)
    body = api_error(client.get(ME, headers=bearer(named["api_key"])), 401, "API_KEY_EXPIRED")
    assert body["expired_at"] == named["expires_at"]
    expired_at = datetime.fromisoformat(str(named["expires_at"]))
    assert expired_at.strftime("%Y-%m-%d %H:%M UTC") in str(body["msg"])


def test_an_expired_key_is_refused_with_basic_too(
    client: FlaskClient, user: Account, clock: Clock
) -> None:
    named = thirty_day_key(client, user)
    clock.advance(days=31)
    api_error(api_me(client, user.email, named["api_key"]), 401, "API_KEY_EXPIRED")


def test_an_expired_key_in_chinese(client: FlaskClient, user: Account, clock: Clock) -> None:
    named = thirty_day_key(client, user)
    clock.advance(days=31)
    headers = {**bearer(named["api_key"]), "Accept-Language": "zh-CN"}
    body = api_error(client.get(ME, headers=headers), 401, "API_KEY_EXPIRED")
    assert "过期" in str(body["msg"])


def test_an_expired_key_gives_up_its_name(client: FlaskClient, user: Account, clock: Clock) -> None:
    thirty_day_key(client, user)
    clock.advance(days=31)
    renewed = api_ok(create_key(client, auth_of(user), "ci"))
    assert [k["id"] for k in list_keys(client, auth_of(user))][1:] == [renewed["id"]]


@pytest.fixture
def statements(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every SQL statement the app runs: through its engine, and through the keystore's
    own authentication connection."""
    seen: list[str] = []
    engine = app.extensions["keyfob.engine"]
    reader = app.extensions["keyfob.keystore"].reader
    fetch_one = reader.fetch_one

    def counted(sql: str, parameters: tuple[Any, ...]) -> Any:
        seen.append(sql)
        return fetch_one(sql, parameters)

    def on_execute(*args: Any) -> None:
        seen.append(args[2])

    monkeypatch.setattr(reader, "fetch_one", counted)
    event.listen(engine, "before_cursor_execute", on_execute)
    yield seen
    event.remove(engine, "before_cursor_execute", on_execute)


def test_the_expiry_check_adds_no_query(
    client: FlaskClient, user: Account, clock: Clock, statements: list[str]
) -> None:
    named = thirty_day_key(client, user)
    clock.advance(days=31)
    statements.clear()
    api_error(client.get(ME, headers=bearer(named["api_key"])), 401, "API_KEY_EXPIRED")
    assert len(statements) == 1 and statements[0].startswith("SELECT k.id")
