"""Deactivating a person while their bots are being created or revived leaves no bot with
a working key: the writes queued behind the owner's lock see the deactivation."""

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from flask import Flask
from sqlalchemy import event, update

from app.core import db
from app.core.models import User
from tests.helpers.admin import count_users
from tests.helpers.live import at_once, serve
from tests.helpers.users import MakeUser


@contextmanager
def slow_commits_in_this_thread(app: Flask, seconds: float) -> Iterator[None]:
    """Hold this thread's transactions open a while before they commit (a slow database),
    so that requests arriving meanwhile queue behind its locks."""
    engine = app.extensions["keyfob.engine"]
    thread = threading.get_ident()

    def pause(_connection: Any) -> None:
        if threading.get_ident() == thread:
            time.sleep(seconds)

    event.listen(engine, "commit", pause)
    try:
        yield
    finally:
        event.remove(engine, "commit", pause)


def test_bots_created_while_the_owner_is_deactivated_do_not_survive_it(
    make_app: Callable[..., Flask], make_user: MakeUser
) -> None:
    app = make_app()
    owner = make_user()
    created: list[tuple[str, str]] = []
    with serve(app) as url:

        def create_or_deactivate(n: int) -> int:
            if n == 0:
                with slow_commits_in_this_thread(app, 0.5):
                    result = app.test_cli_runner().invoke(args=["users", "deactivate", owner.email])
                return result.exit_code
            time.sleep(0.1)  # arrive while the deactivation holds the owner's lock
            data = {"full_name": f"Bot {n}", "short_name": f"bot{n}"}
            response = httpx.post(
                f"{url}/api/v1/bots", data=data, auth=(owner.email, owner.key), timeout=30
            )
            if response.status_code == 200:
                created.append((response.json()["email"], response.json()["api_key"]))
            return response.status_code

        statuses = at_once(17, create_or_deactivate)
        keys_still_working = [
            email
            for email, key in created
            if httpx.get(f"{url}/api/v1/users/me", auth=(email, key), timeout=30).status_code == 200
        ]
    assert statuses[0] == 0
    assert set(statuses[1:]) <= {200, 400, 401}  # before, queued behind, or after the lock
    assert count_users(app, User.bot_owner_id == owner.id, User.is_active.is_(True)) == 0
    assert keys_still_working == []


def test_a_bot_whose_owner_is_inactive_cannot_authenticate(app: Flask, make_user: MakeUser) -> None:
    # Defence in depth: even a bot row left active (by a write that raced, or by hand)
    # authenticates only while its owner is active.
    owner = make_user()
    client = app.test_client()
    bot = client.post(
        "/api/v1/bots", data={"full_name": "B", "short_name": "b"}, auth=(owner.email, owner.key)
    ).get_json()
    with app.app_context():
        session = db.session()
        session.execute(update(User).where(User.id == owner.id).values(is_active=False))
        session.commit()
    response = client.get("/api/v1/users/me", auth=(bot["email"], bot["api_key"]))
    assert response.status_code == 401
    assert response.get_json()["code"] == "USER_DEACTIVATED"
