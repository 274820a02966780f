"""Migration 0004 (key lifecycle) on a database that holds data: today's keys become
primary keys with no expiry and still authenticate; a downgrade revokes the named keys."""

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic import command
from flask import Flask
from sqlalchemy import Engine, text

from app import create_app
from app.core import db
from app.keys.store import keystore
from keyfob_client import keyformat
from tests.conftest import base_config
from tests.helpers.api import API, api_me, api_ok
from tests.helpers.api_keys import create_key, list_keys

NOW = datetime(2026, 1, 1, tzinfo=UTC).replace(tzinfo=None)


def fill_0003(app: Flask, engine: Engine) -> dict[str, str]:
    """A person with a key (and a revoked one) and their bot with its key, as 0003 kept them."""
    keys = {
        name: keyformat.generate(prefix)
        for name, prefix in (
            ("ada", keyformat.USER_PREFIX),
            ("old", keyformat.USER_PREFIX),
            ("bot", keyformat.BOT_PREFIX),
        )
    }
    with app.app_context():
        stored = {name: keystore().stored_form(key) for name, key in keys.items()}
    users = (
        "INSERT INTO users (id, email, full_name, password_hash, is_bot, bot_owner_id, is_active,"
        " created_at, session_generation) VALUES (:id, :email, :name, :hash, :bot, :owner,"
        " :active, :now, 0)"
    )
    api_keys = (
        "INSERT INTO api_keys (user_id, digest, ciphertext, hint, created_at, revoked_at)"
        " VALUES (:user, :digest, :ciphertext, :hint, :now, :revoked)"
    )
    with engine.begin() as connection:
        for values in (
            {
                "id": 1,
                "email": "ada@example.com",
                "name": "Ada",
                "hash": "x",
                "bot": False,
                "owner": None,
            },
            {
                "id": 2,
                "email": "ci-bot@example.com",
                "name": "CI",
                "hash": None,
                "bot": True,
                "owner": 1,
            },
        ):
            connection.execute(text(users), {**values, "active": True, "now": NOW})
        for name, user, revoked in (("old", 1, NOW), ("ada", 1, None), ("bot", 2, None)):
            connection.execute(
                text(api_keys), {**stored[name], "user": user, "now": NOW, "revoked": revoked}
            )
    return keys


@pytest.fixture
def upgraded(old_database: str, tmp_path: Path) -> Iterator[tuple[Flask, Engine, dict[str, str]]]:
    """The app on a database filled at 0003 and then upgraded to the newest schema."""
    engine = db.make_engine(old_database)
    db.upgrade(engine, "0003")
    app = create_app(base_config(old_database, tmp_path / "instance"))
    keys = fill_0003(app, engine)
    db.upgrade(engine, "head")
    yield app, engine, keys
    app.extensions["keyfob.engine"].dispose()
    engine.dispose()


def test_upgraded_keys_authenticate_as_primary_keys_that_never_expire(
    upgraded: tuple[Flask, Engine, dict[str, str]],
) -> None:
    app, _engine, keys = upgraded
    client = app.test_client()
    api_ok(api_me(client, "ci-bot@example.com", keys["bot"]))
    ada = ("ada@example.com", keys["ada"])
    api_ok(api_me(client, *ada))
    assert api_me(client, "ada@example.com", keys["old"]).status_code == 401  # still revoked
    listed = list_keys(client, ada)
    assert [(k["kind"], k["name"], k["expires_at"]) for k in listed] == [("primary", None, None)]


def test_a_downgrade_revokes_named_keys_and_keeps_primary_keys(
    upgraded: tuple[Flask, Engine, dict[str, str]],
) -> None:
    app, engine, keys = upgraded
    client = app.test_client()
    ada = ("ada@example.com", keys["ada"])
    api_ok(create_key(client, ada, "ci"))
    api_ok(client.post(f"{API}/users/me/api_key/regenerate", data={"grace_seconds": 60}, auth=ada))
    app.extensions["keyfob.engine"].dispose()  # no connection of the app holds a table
    command.downgrade(db.alembic_config(engine), "0003")
    with engine.connect() as connection:
        live = connection.execute(
            text("SELECT user_id, hint FROM api_keys WHERE revoked_at IS NULL ORDER BY user_id")
        ).all()
    # Ada's new primary key stays; her named key and her rolled key go; the bot's stays.
    assert [row[0] for row in live] == [1, 2] and live[1][1] == keys["bot"][-4:]
