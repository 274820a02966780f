"""Verified keys kept in the process (app/keys/verified.py): a key's second call is served
without its database lookup, and anything that changes what the key authenticates as,
made by any path, straight in the database included, is refused at the very next call.
tests/keys/test_verified_live.py shows the same across two server processes."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text

from app.core import db
from app.core.clock import install as install_clock
from app.keys import last_use
from tests.conftest import Clock
from tests.helpers.api import api_create_bot
from tests.helpers.users import Account, MakeUser
from tests.helpers.verified_keys import METRICS_TOKEN, hits

ME = "/api/v1/users/me"


@pytest.fixture
def metered(make_app: Callable[..., Flask]) -> Flask:
    return make_app(METRICS_ENABLED=True, METRICS_TOKEN=METRICS_TOKEN)


@pytest.fixture
def client(metered: Flask) -> FlaskClient:
    return metered.test_client()


@pytest.fixture
def account(metered: Flask) -> Account:
    return MakeUser(metered)("ada@example.com", "Ada Lovelace")


def hit_count(client: FlaskClient) -> float:
    page = client.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
    assert page.status_code == 200
    return hits(page.get_data(as_text=True))


def me(client: FlaskClient, email: str, key: str) -> int:
    return client.get(ME, auth=(email, key)).status_code


def warm(client: FlaskClient, email: str, key: str) -> None:
    """Use the key twice, and see the second call served from the verified keys."""
    assert me(client, email, key) == 200
    before = hit_count(client)
    assert me(client, email, key) == 200
    assert hit_count(client) == before + 1


def sql(app: Flask, statement: str, **values: object) -> None:
    """A change typed straight into the database, behind the app's back."""
    with app.app_context(), db.engine().begin() as connection:
        connection.execute(text(statement), values)


def test_a_second_call_is_served_from_the_verified_keys(
    client: FlaskClient, account: Account
) -> None:
    warm(client, account.email, account.key)


def test_a_wrong_email_with_a_verified_key_is_refused(
    client: FlaskClient, account: Account
) -> None:
    warm(client, account.email, account.key)
    assert me(client, "someone.else@example.com", account.key) == 401


def test_a_key_regenerated_through_the_api_is_refused_at_once(
    client: FlaskClient, account: Account
) -> None:
    warm(client, account.email, account.key)
    regenerated = client.post("/api/v1/users/me/api_key/regenerate", auth=account_auth(account))
    assert regenerated.status_code == 200
    assert me(client, account.email, account.key) == 401
    assert me(client, account.email, regenerated.json["api_key"]) == 200  # type: ignore[index]


def account_auth(account: Account) -> tuple[str, str]:
    return account.email, account.key


def test_a_key_revoked_straight_in_the_database_is_refused_at_once(
    metered: Flask, client: FlaskClient, account: Account
) -> None:
    warm(client, account.email, account.key)
    sql(
        metered,
        "UPDATE api_keys SET revoked_at = :now WHERE user_id = :id",
        now=now(),
        id=account.id,
    )
    assert me(client, account.email, account.key) == 401


def test_a_user_deactivated_straight_in_the_database_is_refused_at_once(
    metered: Flask, client: FlaskClient, account: Account
) -> None:
    warm(client, account.email, account.key)
    sql(metered, "UPDATE users SET is_active = :no WHERE id = :id", no=False, id=account.id)
    response = client.get(ME, auth=account_auth(account))
    assert response.status_code == 401
    assert response.json["code"] == "USER_DEACTIVATED"  # type: ignore[index]


def test_a_bot_whose_owner_is_deactivated_in_the_database_is_refused_at_once(
    metered: Flask, client: FlaskClient, account: Account
) -> None:
    created = api_create_bot(client, account, "Reporter", "reporter")
    assert created.status_code == 200
    bot_email, bot_key = created.json["email"], created.json["api_key"]  # type: ignore[index]
    warm(client, bot_email, bot_key)
    sql(metered, "UPDATE users SET is_active = :no WHERE id = :id", no=False, id=account.id)
    assert me(client, bot_email, bot_key) == 401


def test_a_key_given_a_past_expiry_in_the_database_is_refused_at_once(
    metered: Flask, client: FlaskClient, account: Account
) -> None:
    warm(client, account.email, account.key)
    past = now() - timedelta(minutes=1)
    sql(
        metered,
        "UPDATE api_keys SET expires_at = :past WHERE user_id = :id",
        past=past,
        id=account.id,
    )
    response = client.get(ME, auth=account_auth(account))
    assert response.status_code == 401
    assert response.json["code"] == "API_KEY_EXPIRED"  # type: ignore[index]


def test_a_verified_key_expires_on_time_with_nothing_written(
    make_app: Callable[..., Flask], account: Account
) -> None:
    app = make_app()
    clock = Clock()
    install_clock(app, clock)
    client = app.test_client()
    sql(
        app,
        "UPDATE api_keys SET expires_at = :at WHERE user_id = :id",
        at=clock() + timedelta(hours=1),
        id=account.id,
    )
    assert me(client, account.email, account.key) == 200
    clock.advance(hours=1)
    assert me(client, account.email, account.key) == 401


def test_a_renamed_user_is_answered_with_the_new_name_at_once(
    metered: Flask, client: FlaskClient, account: Account
) -> None:
    warm(client, account.email, account.key)
    sql(
        metered, "UPDATE users SET full_name = :name WHERE id = :id", name="Ada King", id=account.id
    )
    assert client.get(ME, auth=account_auth(account)).json["full_name"] == "Ada King"  # type: ignore[index]


def test_noting_a_use_keeps_the_verified_keys(
    metered: Flask, client: FlaskClient, account: Account
) -> None:
    clock = Clock()
    install_clock(metered, clock)
    warm(client, account.email, account.key)
    clock.advance(minutes=2)  # the next call writes last_used_at, which no trigger watches
    before = hit_count(client)
    assert me(client, account.email, account.key) == 200
    assert me(client, account.email, account.key) == 200
    assert hit_count(client) == before + 2


def test_the_last_use_is_still_written_once_a_minute(
    metered: Flask, client: FlaskClient, account: Account
) -> None:
    clock = Clock()
    install_clock(metered, clock)
    warm(client, account.email, account.key)
    clock.advance(minutes=2)
    assert me(client, account.email, account.key) == 200
    assert last_used(metered, account.id) == clock()
    clock.advance(minutes=2)
    assert me(client, account.email, account.key) == 200
    assert last_used(metered, account.id) == clock()


def test_past_its_size_the_oldest_verified_key_is_looked_up_again(
    make_app: Callable[..., Flask],
) -> None:
    app = make_app(METRICS_ENABLED=True, METRICS_TOKEN=METRICS_TOKEN, VERIFIED_KEY_CACHE_SIZE=2)
    client, make_user = app.test_client(), MakeUser(app)
    first, second, third = make_user(), make_user(), make_user()
    for account in (first, second, third):
        assert me(client, account.email, account.key) == 200
    before = hit_count(client)
    assert me(client, third.email, third.key) == 200
    assert me(client, first.email, first.key) == 200  # let go for the third: looked up
    assert hit_count(client) == before + 1


def test_a_size_of_zero_looks_every_key_up(make_app: Callable[..., Flask]) -> None:
    app = make_app(METRICS_ENABLED=True, METRICS_TOKEN=METRICS_TOKEN, VERIFIED_KEY_CACHE_SIZE=0)
    client, account = app.test_client(), MakeUser(app)()
    before = hit_count(client)
    for _ in range(3):
        assert me(client, account.email, account.key) == 200
    assert hit_count(client) == before


def now() -> datetime:
    return datetime.now(UTC)


def last_used(app: Flask, user_id: int) -> datetime:
    with app.app_context(), db.engine().connect() as connection:
        last_use.write_pending()  # what LAST_USE_WRITE_SECONDS later brings
        value = connection.execute(
            text("SELECT max(last_used_at) FROM api_keys WHERE user_id = :id"), {"id": user_id}
        ).scalar_one()
    stamp = datetime.fromisoformat(value) if isinstance(value, str) else value
    return stamp.replace(tzinfo=UTC) if stamp.tzinfo is None else stamp
