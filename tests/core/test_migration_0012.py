"""Migration 0012 on a database that holds data: the networks each person's keys were last
used from (their bots' included) and the addresses their keys were shown to become known
networks, so that the first use after the upgrade from a usual place tells nobody."""

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, text

from app.core import db

NOW = datetime(2026, 1, 1, tzinfo=UTC).replace(tzinfo=None)


def fill_0011(engine: Engine) -> None:
    """Ada and her bot, Grace, and their keys' last uses, as 0011 kept them."""
    users = (
        "INSERT INTO users (id, email, full_name, password_hash, is_bot, bot_owner_id,"
        " is_active, created_at, session_generation, routine_notices, role, bot_type)"
        " VALUES (:id, :email, 'x', :hash, :bot, :owner, true, :now, 0, true, 400, :type)"
    )
    keys = (
        "INSERT INTO api_keys (user_id, digest, ciphertext, hint, name, created_at, last_used_ip)"
        " VALUES (:user, :digest, 'c', 'abcd', :name, :now, :ip)"
    )
    with engine.begin() as connection:
        for user_id, email, bot, owner, bot_type in [
            (1, "ada@example.com", False, None, None),
            (2, "relay-bot@example.com", True, 1, 1),
            (3, "grace@example.com", False, None, None),
        ]:
            connection.execute(
                text(users),
                {"id": user_id, "email": email, "bot": bot, "owner": owner, "type": bot_type,
                 "hash": None if bot else "x", "now": NOW},
            )  # fmt: skip
        for user_id, name, ip in [
            (1, None, "192.0.2.10"),
            (2, None, "198.51.100.7"),
            (3, None, "::ffff:203.0.113.5"),
            (3, "CI", None),  # never used: nothing to learn
        ]:
            values = {"user": user_id, "digest": f"{user_id}{ip}", "name": name, "ip": ip}
            connection.execute(text(keys), {**values, "now": NOW})
        connection.execute(
            text(
                "INSERT INTO seen_addresses (user_id, address, first_seen_at)"
                " VALUES (3, '2001:db8:1:2::3', :now), (3, 'not an address', :now)"
            ),
            {"now": NOW},
        )


@pytest.fixture
def upgraded(old_database: str) -> Iterator[Engine]:
    engine = db.make_engine(old_database)
    db.upgrade(engine, "0011")
    fill_0011(engine)
    db.upgrade(engine, "head")
    yield engine
    engine.dispose()


def test_known_networks_come_from_last_uses_and_reveals(upgraded: Engine) -> None:
    with upgraded.connect() as connection:
        rows = connection.execute(text("SELECT user_id, network FROM seen_networks")).all()
    assert sorted(rows) == [
        (1, "192.0.2.0/24"),
        (1, "198.51.100.0/24"),  # the bot's use counts for its owner
        (3, "2001:db8:1::/48"),
        (3, "203.0.113.0/24"),
    ]
