"""Regenerate with an overlap (grace_seconds): both keys work until the old one expires,
and the first use of the old key after the roll lands in the security log, once."""

import time
from collections.abc import Callable
from datetime import datetime, timedelta

import httpx
import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.core.models import AuditEvent
from tests.conftest import Clock
from tests.helpers.admin import audit_events, audit_types
from tests.helpers.api import API, api_create_bot, api_error, api_me, api_ok
from tests.helpers.api_keys import list_keys, regenerate, revoke_key
from tests.helpers.live import at_once, serve
from tests.helpers.users import Account, MakeUser

DAY = 24 * 3600


def auth_of(account: Account) -> tuple[str, str]:
    return account.email, account.key


def parse(moment: object) -> datetime:
    return datetime.fromisoformat(str(moment))


@pytest.mark.usefixtures("clock")
def test_both_keys_work_during_the_overlap(client: FlaskClient, user: Account) -> None:
    body = api_ok(regenerate(client, auth_of(user), grace_seconds=DAY))
    new = str(body["api_key"])
    api_ok(api_me(client, user.email, user.key))
    api_ok(api_me(client, user.email, new))
    primary = list_keys(client, (user.email, new))[0]
    assert parse(body["old_key_expires_at"]) == parse(primary["created_at"]) + timedelta(days=1)


def test_the_old_key_expires_when_the_overlap_ends(
    client: FlaskClient, user: Account, clock: Clock
) -> None:
    body = api_ok(regenerate(client, auth_of(user), grace_seconds=3600))
    clock.advance(seconds=3600)
    expired = api_error(api_me(client, user.email, user.key), 401, "API_KEY_EXPIRED")
    assert expired["expired_at"] == body["old_key_expires_at"]
    api_ok(api_me(client, user.email, str(body["api_key"])))


def test_without_grace_the_old_key_dies_at_once(client: FlaskClient, user: Account) -> None:
    body = api_ok(regenerate(client, auth_of(user)))
    assert body["old_key_expires_at"] is None
    api_error(api_me(client, user.email, user.key), 401, "INVALID_API_KEY")
    assert [k["kind"] for k in list_keys(client, (user.email, str(body["api_key"])))] == ["primary"]


@pytest.mark.parametrize("grace", ["-1", str(7 * DAY + 1), "soon", "1.5", "", "9" * 400])
def test_a_bad_grace_is_refused_and_rolls_nothing(
    client: FlaskClient, user: Account, grace: str
) -> None:
    body = api_error(regenerate(client, auth_of(user), grace_seconds=grace), 400, "BAD_REQUEST")
    assert body["var_name"] == "grace_seconds"
    api_ok(api_me(client, user.email, user.key))


def test_the_grace_is_capped_by_the_setting(
    make_app: Callable[..., Flask], make_user: MakeUser
) -> None:
    client = make_app(MAX_ROLL_GRACE_SECONDS=60).test_client()
    owner = make_user()
    api_error(regenerate(client, auth_of(owner), grace_seconds=61), 400, "BAD_REQUEST")
    api_ok(regenerate(client, auth_of(owner), grace_seconds=60))


@pytest.mark.usefixtures("clock")
def test_the_rolled_key_is_listed_with_its_end(client: FlaskClient, user: Account) -> None:
    body = api_ok(regenerate(client, auth_of(user), grace_seconds=DAY))
    keys = list_keys(client, (user.email, str(body["api_key"])))
    assert [(k["kind"], k["key_hint"]) for k in keys] == [
        ("primary", str(body["api_key"])[-4:]),
        ("rolled", user.key[-4:]),
    ]
    assert keys[1]["expires_at"] == body["old_key_expires_at"]


def test_the_old_key_can_be_revoked_early(client: FlaskClient, user: Account) -> None:
    new = (user.email, str(api_ok(regenerate(client, auth_of(user), grace_seconds=DAY))["api_key"]))
    rolled = list_keys(client, new)[1]
    api_ok(revoke_key(client, new, rolled["id"]))
    api_error(api_me(client, user.email, user.key), 401, "INVALID_API_KEY")
    api_ok(api_me(client, *new))
    assert [k["kind"] for k in list_keys(client, new)] == ["primary"]


def test_an_owner_rolls_a_bots_key_with_an_overlap(client: FlaskClient, user: Account) -> None:
    bot = api_ok(api_create_bot(client, user, "Deploy", "deploy"))
    body = api_ok(regenerate(client, auth_of(user), f"/bots/{bot['user_id']}", grace_seconds=60))
    assert body["old_key_expires_at"] is not None
    api_ok(api_me(client, str(bot["email"]), str(bot["api_key"])))
    api_ok(api_me(client, str(bot["email"]), str(body["api_key"])))


def test_the_first_use_of_the_old_key_is_audited_once(
    app: Flask, client: FlaskClient, user: Account, clock: Clock
) -> None:
    # Rolled with the old key itself, on a stopped clock: its use by the roll request falls
    # at the roll's very instant, and still counts as before the roll.
    api_ok(regenerate(client, auth_of(user), grace_seconds=DAY))
    clock.advance(minutes=5)
    assert audit_types(app, AuditEvent.event_type == "rolled_key_used") == []
    for _ in range(3):
        api_ok(api_me(client, user.email, user.key))
        clock.advance(minutes=5)  # past the one-write-a-minute resolution of last use
    used = audit_events(app, AuditEvent.event_type == "rolled_key_used")
    assert [(event.subject_user_id, event.detail) for event in used] == [
        (user.id, {"key_hint": user.key[-4:]})
    ]


def test_parallel_first_uses_of_the_old_key_are_audited_once(
    app: Flask, user: Account, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = app.extensions["keyfob.keystore"]
    lookup = store.lookup

    def slow_lookup(
        key_digest: str, **options: bool
    ) -> object:  # parallel requests all read "unused"
        row = lookup(key_digest, **options)
        time.sleep(0.05)
        return row

    with serve(app) as url:
        new = httpx.post(
            f"{url}{API}/users/me/api_key/regenerate",
            data={"grace_seconds": DAY},
            auth=auth_of(user),
            timeout=30,
        ).json()["api_key"]
        monkeypatch.setattr(store, "lookup", slow_lookup)
        me = f"{url}{API}/users/me"
        statuses = at_once(8, lambda _: httpx.get(me, auth=auth_of(user), timeout=30).status_code)
    assert statuses == [200] * 8 and new != user.key
    assert len(audit_events(app, AuditEvent.event_type == "rolled_key_used")) == 1
