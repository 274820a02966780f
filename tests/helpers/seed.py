"""Many users with keys, inserted in bulk (as bench/run.py does): the HTTP form would take
minutes for the thousands of keys a rotation is tested with."""

from datetime import UTC, datetime

from flask import Flask
from sqlalchemy import insert

from app.core import db
from app.core.models import ApiKey, User
from app.keys.store import keystore
from keyfob_client import keyformat

BATCH = 2000


def seed_keys(app: Flask, count: int, prefix: str = "seeded") -> list[tuple[str, str]]:
    """``count`` users, each with a primary key stored under ``app``'s secrets, used a
    moment ago from this machine (so requests from here read, and do not write their first
    use or a new place): (email, key) pairs."""
    pairs: list[tuple[str, str]] = []
    now = datetime.now(UTC)
    with app.app_context(), db.engine().begin() as connection:
        for start in range(0, count, BATCH):
            batch = range(start, min(start + BATCH, count))
            users = {
                f"{prefix}{i}@example.com": keyformat.generate(keyformat.USER_PREFIX) for i in batch
            }
            ids = connection.execute(
                insert(User).returning(User.id, User.email, sort_by_parameter_order=True),
                [{"email": email, "full_name": "Seeded", "created_at": now} for email in users],
            ).all()
            connection.execute(
                insert(ApiKey),
                [
                    {
                        "user_id": row.id,
                        "created_at": now,
                        "last_used_at": now,
                        "last_used_ip": "127.0.0.1",
                    }
                    | keystore().stored_form(users[row.email])
                    for row in ids
                ],
            )
            pairs.extend(users.items())
    return pairs
