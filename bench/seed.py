"""The benchmark's data: a fresh schema, N users with keys, and their last uses spread."""

import base64
import contextlib
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, insert, text, update
from sqlalchemy.exc import DBAPIError

from app.core import db
from app.core.models import ApiKey, Base, User
from app.keys.store import keystore
from keyfob_client import keyformat

BATCH = 5000


def reset(app: Any) -> None:
    engine = app.extensions["keyfob.engine"]
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        else:
            Base.metadata.drop_all(connection)
            connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
    db.upgrade(engine)


def users_with_keys(app: Any, start: int, count: int) -> list[str]:
    """Insert ``count`` users with keys; return Basic tokens for them."""
    tokens: list[str] = []
    now = datetime.now(UTC)
    with app.app_context():
        engine = db.engine()
        for offset in range(start, start + count, BATCH):
            ids = range(offset + 1, min(offset + BATCH, start + count) + 1)
            minted = {i: keyformat.generate(keyformat.USER_PREFIX) for i in ids}
            with engine.begin() as connection:
                connection.execute(insert(User), [_user(i, now) for i in ids])
                connection.execute(
                    insert(ApiKey),
                    [
                        # In steady use from where wrk calls: no first use, no new place.
                        {
                            "user_id": i,
                            "created_at": now,
                            "last_used_at": now,
                            "last_used_ip": "127.0.0.1",
                        }
                        | keystore().stored_form(minted[i])
                        for i in ids
                    ],
                )
            tokens.extend(basic(f"user{i}@bench.invalid", minted[i]) for i in ids)
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            connection.execute(text("SELECT setval('users_id_seq', (SELECT max(id) FROM users))"))
        _settle(engine)
    return tokens


def _settle(engine: Any) -> None:
    """Leave PostgreSQL as a database in steady use would be: vacuumed and analysed (else
    autovacuum works through the new rows, and the first reads set their hint bits, during
    the measurements) and checkpointed (else the bulk load's writes are flushed then)."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE"))
        with contextlib.suppress(DBAPIError):  # a role without pg_checkpoint skips it
            connection.execute(text("CHECKPOINT"))


def _user(i: int, now: datetime) -> dict[str, Any]:
    return {
        "id": i,
        "email": f"user{i}@bench.invalid",
        "full_name": f"User {i}",
        "is_bot": False,
        "is_active": True,
        "created_at": now,
    }


def spread_last_uses(app: Any, pool: int, first: int = 1) -> None:
    """As in steady use: the pool's keys (of users ``first`` onwards) were last used over the
    past minute, evenly, so their once-a-minute `last_used_at` writes fall evenly across
    every round (pool/60 a second) instead of all at once, or never."""
    now = datetime.now(UTC)
    rows = [
        {"key_user": first + i, "used": now - timedelta(seconds=60 * i / pool)} for i in range(pool)
    ]
    statement = (
        update(ApiKey)
        .where(ApiKey.user_id == bindparam("key_user"))
        .values(last_used_at=bindparam("used"))
    )
    with app.app_context(), db.engine().begin() as connection:
        connection.execute(statement, rows)


def restrict(app: Any, first: int, count: int, *, scopes: str, networks: str) -> None:
    """Narrow the keys of users ``first`` to ``first + count - 1``: a script's key, with
    scopes and allowed networks (app/keys/scopes.py, app/keys/networks.py)."""
    statement = (
        update(ApiKey)
        .where(ApiKey.user_id.between(first, first + count - 1))
        .values(scopes=scopes, allowed_networks=networks)
    )
    with app.app_context(), db.engine().begin() as connection:
        connection.execute(statement)


def basic(email: str, key: str) -> str:
    return base64.b64encode(f"{email}:{key}".encode()).decode()


def broken_key() -> str:
    key = keyformat.generate(keyformat.USER_PREFIX)
    return key[:-1] + ("A" if key[-1] != "A" else "B")
