"""Regenerate with an Idempotency-Key: a retry gets the same new key and rolls nothing."""

import time
from collections.abc import Callable

import httpx
import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.core.models import AuditEvent
from app.keys import primary
from tests.conftest import Clock
from tests.helpers.admin import audit_types
from tests.helpers.api import API, api_create_bot, api_error, api_me, api_ok
from tests.helpers.api_keys import list_keys, regenerate
from tests.helpers.live import at_once, serve
from tests.helpers.users import Account, MakeUser

REGENERATED = AuditEvent.event_type == "api_key_regenerated"


def auth_of(account: Account) -> tuple[str, str]:
    return account.email, account.key


def test_a_repeat_answers_the_same_key_and_rolls_nothing(
    app: Flask, client: FlaskClient, user: Account
) -> None:
    """The retry of a client that lost the answer: it still holds only the old key, which
    works through the overlap."""
    first = api_ok(regenerate(client, auth_of(user), idempotency_key="r-1", grace_seconds=600))
    again = regenerate(client, auth_of(user), idempotency_key="r-1", grace_seconds=600)
    assert api_ok(again) == first and again.headers["Cache-Control"] == "no-store"
    api_ok(api_me(client, user.email, str(first["api_key"])))
    assert audit_types(app, REGENERATED) == ["api_key_regenerated"]


@pytest.mark.usefixtures("clock")
def test_a_repeat_with_a_grace_answers_the_same_end(client: FlaskClient, user: Account) -> None:
    first = api_ok(regenerate(client, auth_of(user), idempotency_key="k", grace_seconds=600))
    again = api_ok(regenerate(client, auth_of(user), idempotency_key="k", grace_seconds=600))
    assert again == first and first["old_key_expires_at"] is not None
    new = (user.email, str(first["api_key"]))
    assert [k["kind"] for k in list_keys(client, new)] == ["primary", "rolled"]  # rolled once


def test_the_same_value_with_another_grace_is_422(client: FlaskClient, user: Account) -> None:
    first = api_ok(regenerate(client, auth_of(user), idempotency_key="k", grace_seconds=60))
    new = (user.email, str(first["api_key"]))
    response = regenerate(client, new, idempotency_key="k", grace_seconds=120)
    api_error(response, 422, "IDEMPOTENCY_KEY_REUSED")
    api_ok(api_me(client, *new))


def test_the_same_value_for_another_subject_is_422(client: FlaskClient, user: Account) -> None:
    bot = api_ok(api_create_bot(client, user, "Deploy", "deploy"))
    first = api_ok(regenerate(client, auth_of(user), idempotency_key="k"))
    new = (user.email, str(first["api_key"]))
    response = regenerate(client, new, f"/bots/{bot['user_id']}", idempotency_key="k")
    api_error(response, 422, "IDEMPOTENCY_KEY_REUSED")
    api_ok(api_me(client, str(bot["email"]), str(bot["api_key"])))  # the bot's key: untouched


def test_another_caller_may_use_the_same_value(
    client: FlaskClient, user: Account, make_user: MakeUser
) -> None:
    other = make_user()
    mine = api_ok(regenerate(client, auth_of(user), idempotency_key="k"))
    theirs = api_ok(regenerate(client, auth_of(other), idempotency_key="k"))
    assert mine["api_key"] != theirs["api_key"]


@pytest.mark.parametrize("grace", [0, 60])
def test_a_repeat_after_a_later_rotation_is_409(
    client: FlaskClient, user: Account, grace: int
) -> None:
    first = api_ok(regenerate(client, auth_of(user), idempotency_key="k"))
    later = api_ok(regenerate(client, (user.email, str(first["api_key"])), grace_seconds=grace))
    latest = (user.email, str(later["api_key"]))
    api_error(regenerate(client, latest, idempotency_key="k"), 409, "ROTATION_SUPERSEDED")


def test_a_day_later_the_value_starts_a_new_rotation(
    app: Flask, client: FlaskClient, user: Account, clock: Clock
) -> None:
    first = api_ok(regenerate(client, auth_of(user), idempotency_key="k"))
    clock.advance(hours=24, seconds=1)
    again = api_ok(regenerate(client, (user.email, str(first["api_key"])), idempotency_key="k"))
    assert again["api_key"] != first["api_key"]
    assert audit_types(app, REGENERATED) == ["api_key_regenerated"] * 2


@pytest.mark.parametrize("value", ["", "has space", "x" * 256, "tab\there", "caf\u00e9"])
def test_a_bad_idempotency_key_is_400_and_rolls_nothing(
    client: FlaskClient, user: Account, value: str
) -> None:
    response = client.post(
        f"{API}/users/me/api_key/regenerate",
        auth=auth_of(user),
        headers=[("Idempotency-Key", value.encode("utf-8").decode("latin-1"))],
    )
    assert api_error(response, 400, "BAD_REQUEST")["var_name"] == "Idempotency-Key"
    api_ok(api_me(client, user.email, user.key))


def test_the_longest_idempotency_key_is_accepted(client: FlaskClient, user: Account) -> None:
    api_ok(regenerate(client, auth_of(user), idempotency_key="~" * 255))


def test_parallel_repeats_roll_once(
    make_app: Callable[..., Flask], make_user: MakeUser, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app()
    owner = make_user()
    mint = primary.mint

    def slow_mint(*args: object, **kwargs: object) -> str:  # the requests surely overlap
        time.sleep(0.05)
        return mint(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(primary, "mint", slow_mint)
    with serve(app) as url:

        def rotate(_: int) -> httpx.Response:
            return httpx.post(
                f"{url}{API}/users/me/api_key/regenerate",
                data={"grace_seconds": 600},
                headers={"Idempotency-Key": "one-rotation"},
                auth=auth_of(owner),
                timeout=60,
            )

        responses = at_once(8, rotate)
    assert [r.status_code for r in responses] == [200] * 8, [r.text for r in responses]
    assert len({r.json()["api_key"] for r in responses}) == 1
    assert audit_types(app, REGENERATED) == ["api_key_regenerated"]
    new = (owner.email, responses[0].json()["api_key"])
    client = app.test_client()
    assert [k["kind"] for k in list_keys(client, new)] == ["primary", "rolled"]
    api_ok(api_me(client, owner.email, owner.key))  # the old key: in its overlap, once


def test_a_replaced_key_cannot_fetch_a_later_rotations_key(
    client: FlaskClient, user: Account
) -> None:
    """A leaked old key, still in its overlap, must not read the key of a rotation that
    replaced a newer key: it may only repeat the rotation that replaced itself."""
    second = api_ok(regenerate(client, auth_of(user), idempotency_key="r1", grace_seconds=3600))
    newer = (user.email, str(second["api_key"]))
    third = api_ok(regenerate(client, newer, idempotency_key="r2", grace_seconds=3600))
    response = regenerate(client, auth_of(user), idempotency_key="r2", grace_seconds=3600)
    api_error(response, 403, "PRIMARY_KEY_REQUIRED")
    assert str(third["api_key"]) not in response.get_data(as_text=True)


def test_a_replaced_key_cannot_fetch_a_later_rotation_at_the_same_instant(
    client: FlaskClient, user: Account, clock: Clock
) -> None:
    """Two rotations at one instant (the clock stands still) are told apart by which key
    each replaced, not by the time."""
    second = api_ok(regenerate(client, auth_of(user), grace_seconds=3600))
    newer = (user.email, str(second["api_key"]))
    api_ok(regenerate(client, newer, idempotency_key="r2", grace_seconds=3600))
    response = regenerate(client, auth_of(user), idempotency_key="r2", grace_seconds=3600)
    api_error(response, 403, "PRIMARY_KEY_REQUIRED")
