"""The authentication epoch's triggers (migration 0007) watch every column of api_keys and
users that a key check reads, and only those: a column added later fails here until it is
classified, so the verified keys (app/keys/verified.py) cannot quietly outlive a change."""

import re

from flask import Flask
from sqlalchemy import Connection, Engine, text

from app.core import db
from app.core.models import Base
from tests.helpers.users import MakeUser

# Columns that never change what a key authenticates as, and why.
NOT_WATCHED = {
    "api_keys": {
        "id",  # never changes
        "ciphertext",  # what a reveal decrypts; re-encrypted under a new secret
        "created_at",  # shown in lists; no check reads it
        "last_used_at",  # written once a minute as keys are used: watching it would
        "last_used_ip",  # drop every process's verified keys all the time
        "last_used_user_agent",
        "expiry_notice_days",  # which expiry notices were sent
        "stale_notice_at",  # when its owner was told it is stale
        "stale_expires_at",  # and when that notice said it would expire
    },
    "api_tokens": {
        "id",
        "created_at",
        "last_used_at",  # as a key's: written as tokens are used
        "last_used_ip",
        "last_used_user_agent",
    },
    "users": {
        "id",
        "password_hash",  # passwords sign in to pages; API keys are checked alone
        "session_generation",  # ends login sessions, not keys
        "language",
        "routine_notices",
    },
}


def watched_columns(engine: Engine, table: str) -> set[str]:
    """The columns whose UPDATE raises the epoch, read from the database's own catalog."""
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            rows = connection.execute(
                text(
                    "SELECT event_object_column FROM information_schema.triggered_update_columns"
                    " WHERE event_object_table = :table AND trigger_name = :trigger"
                ),
                {"table": table, "trigger": f"{table}_auth_epoch"},
            )
            return {row[0] for row in rows}
        definition = connection.execute(
            text("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = :name"),
            {"name": f"{table}_auth_epoch_update"},
        ).scalar_one()
    listed = re.search(r"UPDATE OF (.+?) ON", definition)
    assert listed is not None, definition
    return {column.strip() for column in listed.group(1).split(",")}


def test_every_column_a_key_check_could_read_is_watched(app: Flask) -> None:
    engine = app.extensions["keyfob.engine"]
    for name in ("api_keys", "api_tokens", "users"):
        every = {column.name for column in Base.metadata.tables[name].columns}
        assert watched_columns(engine, name) == every - NOT_WATCHED[name]


def test_a_change_the_triggers_watch_moves_the_epoch(app: Flask) -> None:
    MakeUser(app)()
    with app.app_context(), db.engine().begin() as connection:
        before = epoch(connection)
        connection.execute(text("UPDATE users SET full_name = full_name"))
        assert epoch(connection) > before


def test_noting_a_key_use_leaves_the_epoch_alone(app: Flask) -> None:
    MakeUser(app)()
    with app.app_context(), db.engine().begin() as connection:
        before = epoch(connection)
        connection.execute(text("UPDATE api_keys SET last_used_at = created_at"))
        assert epoch(connection) == before


def epoch(connection: Connection) -> int:
    return int(connection.execute(text("SELECT value FROM auth_epoch WHERE id = 1")).scalar_one())
