"""Migration 0008 on a database that holds data: names stored with line breaks (before every
entry point refused them) become one line, and key names stay unique among a holder's live
keys; what the owner then sees through the API is the cleaned name."""

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import Engine, text

from app import create_app
from app.core import db
from app.keys.store import keystore
from keyfob_client import keyformat
from tests.conftest import base_config
from tests.helpers.api_keys import list_keys

NOW = datetime(2026, 1, 1, tzinfo=UTC).replace(tzinfo=None)
LONG = "x" * 45 + "\n" + "y" * 4  # 50 characters, as long as a key name may be


def fill_0007(app: Flask, engine: Engine) -> str:
    """Ada (whose name and key names hold line breaks) and her bot, as 0007 kept them; the
    key of Ada's primary key is returned."""
    users = (
        "INSERT INTO users (id, email, full_name, password_hash, is_bot, bot_owner_id,"
        " is_active, created_at, session_generation, routine_notices, role, bot_type)"
        " VALUES (:id, :email, :name, :hash, :bot, :owner, true, :now, 0, true, 400, :type)"
    )
    people = [
        (1, "ada@example.com", "Ada\r\nBcc: everyone@example.com", "x", False, None, None),
        (2, "relay-bot@example.com", "Relay\u2028Open https://evil.example", None, True, 1, 1),
        (3, "grace@example.com", "Grace Hopper", "x", False, None, None),
    ]
    with engine.begin() as connection:
        for user_id, email, name, password_hash, bot, owner, bot_type in people:
            connection.execute(
                text(users),
                {
                    "id": user_id,
                    "email": email,
                    "name": name,
                    "hash": password_hash,
                    "bot": bot,
                    "owner": owner,
                    "type": bot_type,
                    "now": NOW,
                },
            )
    ada_key = _insert_key(app, engine, 1, None)
    # Ada's live keys: one already named as another's cleaned name will be, one too long to
    # take a suffix whole, a separator of each kind; and a revoked key, free to keep a twin.
    for name, revoked in [
        ("CI deploy", None),
        ("CI\ndeploy", None),
        ("CI\r\n deploy", None),
        (LONG, None),
        ("x" * 45 + " " + "y" * 4, None),
        ("Nightly\u2029build", None),
        ("CI\u2028deploy", NOW),
    ]:
        _insert_key(app, engine, 1, name, revoked)
    _insert_key(app, engine, 2, "Tab\there")
    return ada_key


def _insert_key(
    app: Flask, engine: Engine, user_id: int, name: str | None, revoked: datetime | None = None
) -> str:
    prefix = keyformat.USER_PREFIX if user_id != 2 else keyformat.BOT_PREFIX
    key = keyformat.generate(prefix)
    with app.app_context():
        stored = keystore().stored_form(key)
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO api_keys (user_id, digest, ciphertext, hint, name, created_at,"
                " revoked_at) VALUES (:user, :digest, :ciphertext, :hint, :name, :now, :revoked)"
            ),
            {**stored, "user": user_id, "name": name, "now": NOW, "revoked": revoked},
        )
    return key


@pytest.fixture
def upgraded(old_database: str, tmp_path: Path) -> Iterator[tuple[Flask, Engine, str]]:
    """The app on a database filled at 0007 and then upgraded to the newest schema."""
    engine = db.make_engine(old_database)
    db.upgrade(engine, "0007")
    app = create_app(base_config(old_database, tmp_path / "instance"))
    ada_key = fill_0007(app, engine)
    db.upgrade(engine, "head")
    yield app, engine, ada_key
    app.extensions["keyfob.engine"].dispose()
    engine.dispose()


def test_full_names_become_one_line(upgraded: tuple[Flask, Engine, str]) -> None:
    _app, engine, _key = upgraded
    with engine.connect() as connection:
        names = connection.execute(text("SELECT full_name FROM users ORDER BY id")).scalars().all()
    assert names == [
        "Ada Bcc: everyone@example.com",
        "Relay Open https://evil.example",
        "Grace Hopper",  # nothing to clean
    ]


def test_key_names_become_one_line_and_stay_unique_among_live_keys(
    upgraded: tuple[Flask, Engine, str],
) -> None:
    app, _engine, ada_key = upgraded
    listed = list_keys(app.test_client(), ("ada@example.com", ada_key))
    assert sorted(str(key["name"]) for key in listed if key["kind"] != "primary") == sorted(
        [
            "CI deploy",
            "CI deploy (2)",
            "CI deploy (3)",
            "x" * 45 + " " + "y" * 4,
            "x" * 45 + " (2)",  # cut to fit 50 characters with its number
            "Nightly build",
        ]
    )


def test_revoked_keys_and_bots_keys_are_cleaned_too(upgraded: tuple[Flask, Engine, str]) -> None:
    _app, engine, _key = upgraded
    with engine.connect() as connection:
        revoked = connection.execute(
            text("SELECT name FROM api_keys WHERE revoked_at IS NOT NULL")
        ).scalar_one()
        bots = connection.execute(text("SELECT name FROM api_keys WHERE user_id = 2")).scalar_one()
    assert (revoked, bots) == ("CI deploy", "Tab here")
