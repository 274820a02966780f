"""Last uses wait in the process and are written together, off the request: one UPDATE for
every key waiting, within LAST_USE_WRITE_SECONDS, before a list shows them, and when the
process exits; nothing to tell or audit ever waits."""

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import pytest
from flask import Flask
from sqlalchemy import Engine, event, select, update

from app.core import clock, db
from app.core.models import ApiKey
from app.keys import last_use
from tests.conftest import Clock, empty_tables, seeder_app
from tests.helpers.api import api_me, api_ok
from tests.helpers.api_keys import create_key
from tests.helpers.gunicorn import environment, free_port, gunicorn_command, running, shared_secrets
from tests.helpers.users import Account, MakeUser

WAIT_SECONDS = 10  # the longest a test waits for a background write


def stored_use(app: Flask, user_id: int) -> datetime | None:
    """The holder's (one) key's last use as the database holds it (nothing written first)."""
    with app.app_context():
        query = select(ApiKey.last_used_at).where(ApiKey.user_id == user_id)
        return db.session().scalars(query).one()


def written_since(app: Flask, user_id: int, moment: datetime) -> bool:
    used = stored_use(app, user_id)
    return used is not None and used > moment


@contextmanager
def statements(engine: Engine) -> Iterator[list[tuple[str, bool]]]:
    """Each statement the engine runs meanwhile: its SQL, and whether it ran for many rows."""
    seen: list[tuple[str, bool]] = []

    def note(*args: object) -> None:
        seen.append((str(args[2]), bool(args[5])))

    event.listen(engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", note)


def used_from_here_earlier(app: Flask, user_id: int) -> None:
    """The holder's keys were last used ten minutes ago, from this address (127.0.0.1): a
    use now is due, from a place already checked for the new-network notice."""
    with app.app_context():
        earlier = clock.now() - timedelta(minutes=10)
        db.session().execute(
            update(ApiKey)
            .where(ApiKey.user_id == user_id)
            .values(last_used_at=earlier, last_used_ip="127.0.0.1")
        )
        db.session().commit()


def updates_of_key_uses(seen: list[tuple[str, bool]]) -> list[tuple[str, bool]]:
    return [(sql, many) for sql, many in seen if sql.startswith("UPDATE api_keys")]


def test_a_due_use_is_not_written_on_the_request(app: Flask, user: Account, clock: Clock) -> None:
    client = app.test_client()
    api_ok(api_me(client, user.email, user.key))
    with app.app_context():
        last_use.write_pending()
    clock.advance(minutes=2)
    with statements(app.extensions["keyfob.engine"]) as seen:
        api_ok(api_me(client, user.email, user.key))
    assert updates_of_key_uses(seen) == []


def test_the_uses_of_many_keys_are_written_in_one_statement(
    app: Flask, make_user: MakeUser
) -> None:
    people = [make_user(f"p{n}@example.com") for n in range(5)]
    client = app.test_client()
    for person in people:
        used_from_here_earlier(app, person.id)
        api_ok(api_me(client, person.email, person.key))
    with statements(app.extensions["keyfob.engine"]) as seen, app.app_context():
        last_use.write_pending()
    assert [many for _sql, many in updates_of_key_uses(seen)] == [True]
    recently = clock_now(app) - timedelta(minutes=1)
    assert all(written_since(app, person.id, recently) for person in people)


def clock_now(app: Flask) -> datetime:
    with app.app_context():
        return clock.now()


def test_uses_are_written_within_the_configured_seconds(
    make_app: Callable[..., Flask],
) -> None:
    app = make_app(LAST_USE_WRITE_SECONDS=0.2)
    ada = MakeUser(app)()
    api_ok(api_me(app.test_client(), ada.email, ada.key))
    deadline = time.monotonic() + WAIT_SECONDS
    while stored_use(app, ada.id) is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert stored_use(app, ada.id) is not None


def test_a_list_shows_the_callers_own_use_at_once(app: Flask, user: Account) -> None:
    client = app.test_client()
    named = api_ok(create_key(client, (user.email, user.key), "CI"))
    api_ok(api_me(client, user.email, str(named["api_key"])))
    keys = client.get("/api/v1/users/me/keys", auth=(user.email, user.key)).get_json()["keys"]
    assert [k["last_used_at"] is not None for k in keys if k["id"] == named["id"]] == [True]


def test_with_no_wait_each_use_is_written_on_the_request(
    make_app: Callable[..., Flask],
) -> None:
    app = make_app(LAST_USE_WRITE_SECONDS=0)
    ada = MakeUser(app)()
    api_ok(api_me(app.test_client(), ada.email, ada.key))
    assert stored_use(app, ada.id) is not None


def test_a_bad_wait_stops_the_start(make_app: Callable[..., Flask]) -> None:
    for bad in (-1, "soon", True):
        with pytest.raises(RuntimeError, match="LAST_USE_WRITE_SECONDS"):
            make_app(LAST_USE_WRITE_SECONDS=bad)


def test_a_server_stopping_writes_the_uses_still_waiting(tmp_path: Path, database_url: str) -> None:
    shared, port = shared_secrets(), free_port()
    seeder = seeder_app(database_url, tmp_path / "seeder", shared)
    try:
        ada = MakeUser(seeder)()
        used_from_here_earlier(seeder, ada.id)
        before = stored_use(seeder, ada.id)
        assert before is not None
        settings = {
            **shared,
            "KEYFOB_SERVE_WORKERS": "1",
            "KEYFOB_SERVE_BIND": f"127.0.0.1:{port}",
            "KEYFOB_DATABASE_URL": database_url,
            "KEYFOB_LAST_USE_WRITE_SECONDS": "3600",  # only the exit can write it
        }
        env = environment(tmp_path / "instance", settings)
        with running(gunicorn_command(), env, port, tmp_path / "gunicorn.log") as url:
            me = httpx.get(url + "/api/v1/users/me", auth=(ada.email, ada.key), timeout=10)
            assert me.status_code == 200
            assert stored_use(seeder, ada.id) == before  # waiting in the worker
        assert written_since(seeder, ada.id, before)  # written as the worker exited
    finally:
        empty_tables(seeder)


def test_processes_writing_the_same_keys_at_once_never_deadlock(
    app: Flask, make_user: MakeUser, caplog: pytest.LogCaptureFixture
) -> None:
    # Two processes' batches hold many of the same keys, noted in opposite orders (each
    # saw its callers in its own order). Each batch locks its rows one by one as it
    # updates them: in different orders, PostgreSQL finds a deadlock and drops a batch.
    key_ids = [key_of(app, make_user().id) for _ in range(KEYS_SHARED)]
    engine = app.extensions["keyfob.engine"]
    processes = [last_use.PendingUses(engine, 3600), last_use.PendingUses(engine, 3600)]
    latest = clock_now(app)
    for round_ in range(ROUNDS):
        latest = clock_now(app) + timedelta(minutes=round_ + 1)
        for pending, order in zip(processes, (key_ids, key_ids[::-1]), strict=True):
            for key_id in order:
                pending.add(last_use.KEYS, key_id, last_use.Use(latest, "127.0.0.1", "CI"))
        writers = [threading.Thread(target=pending.write) for pending in processes]
        for writer in writers:
            writer.start()
        for writer in writers:
            writer.join(timeout=WAIT_SECONDS)
    assert "Could not record key uses" not in caplog.text
    with app.app_context():
        uses = db.session().scalars(select(ApiKey.last_used_at).where(ApiKey.id.in_(key_ids)))
        assert set(uses) == {latest}


KEYS_SHARED, ROUNDS = 60, 15


def key_of(app: Flask, user_id: int) -> int:
    with app.app_context():
        return db.session().scalars(select(ApiKey.id).where(ApiKey.user_id == user_id)).one()
