"""Named keys through the API: made, listed and revoked, for oneself and for one's bots."""

from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.core.models import AuditEvent
from tests.helpers.admin import audit_events
from tests.helpers.api import API, api_create_bot, api_error, api_me, api_ok
from tests.helpers.api_keys import bearer, create_key, keys_of, list_keys, revoke_key
from tests.helpers.users import Account, MakeUser

SUMMARY_FIELDS = {
    "id",
    "stale",
    "scopes",
    "allowed_networks",
    "paused",
    "rate_limit_per_minute",
    "kind",
    "name",
    "key_hint",
    "created_at",
    "expires_at",
    "last_used_at",
    "last_used_ip",
    "last_used_user_agent",
}


def auth_of(account: Account) -> tuple[str, str]:
    return account.email, account.key


def test_a_new_key_is_answered_once_and_authenticates_as_its_holder(
    client: FlaskClient, user: Account
) -> None:
    response = create_key(client, auth_of(user), "deploy script")
    body = api_ok(response)
    assert response.headers["Cache-Control"] == "no-store"
    assert body["kind"] == "named" and body["name"] == "deploy script"
    assert body["key_hint"] == str(body["api_key"])[-4:] and body["expires_at"] is None
    me = api_ok(client.get(f"{API}/users/me", headers=bearer(str(body["api_key"]))))
    assert me["user_id"] == user.id


def test_the_list_shows_every_live_key_and_never_its_text(
    client: FlaskClient, user: Account
) -> None:
    named = api_ok(create_key(client, auth_of(user), "ci"))
    response = client.get(keys_of(), auth=auth_of(user))
    api_ok(response)
    keys = response.get_json()["keys"]
    assert [(k["kind"], k["name"]) for k in keys] == [("primary", None), ("named", "ci")]
    assert all(set(k) == SUMMARY_FIELDS | {"tokens"} for k in keys)
    text = response.get_data(as_text=True)
    assert user.key not in text and str(named["api_key"]) not in text


def test_last_use_is_listed(client: FlaskClient, user: Account) -> None:
    named = api_ok(create_key(client, auth_of(user), "ci"))
    headers = {**bearer(str(named["api_key"])), "User-Agent": "ci-runner/1.0"}
    api_ok(client.get(f"{API}/users/me", headers=headers))
    entry = next(k for k in list_keys(client, auth_of(user)) if k["id"] == named["id"])
    assert entry["last_used_at"].endswith("Z")
    assert entry["last_used_ip"] == "127.0.0.1"
    assert entry["last_used_user_agent"] == "ci-runner/1.0"


def test_revoking_one_key_leaves_the_others_working(
    client: FlaskClient, app: Flask, user: Account
) -> None:
    first = api_ok(create_key(client, auth_of(user), "one"))
    second = api_ok(create_key(client, auth_of(user), "two"))
    api_ok(revoke_key(client, auth_of(user), int(str(first["id"]))))
    me = client.get(f"{API}/users/me", headers=bearer(str(first["api_key"])))
    api_error(me, 401, "INVALID_API_KEY")
    api_ok(client.get(f"{API}/users/me", headers=bearer(str(second["api_key"]))))
    api_ok(api_me(client, user.email, user.key))
    assert [k["name"] for k in list_keys(client, auth_of(user))] == [None, "two"]
    revoked = audit_events(app, AuditEvent.event_type == "api_key_revoked")
    assert [event.detail for event in revoked] == [
        {"key_name": "one", "key_hint": first["key_hint"]}
    ]


def test_the_primary_key_cannot_be_revoked_alone(client: FlaskClient, user: Account) -> None:
    primary = list_keys(client, auth_of(user))[0]
    body = api_error(revoke_key(client, auth_of(user), primary["id"]), 400, "PRIMARY_KEY")
    assert "regenerate" in str(body["msg"])
    api_ok(api_me(client, user.email, user.key))


@pytest.mark.parametrize("key_id", [999999, 2**31, 2**63])
def test_an_unknown_key_is_404(client: FlaskClient, user: Account, key_id: int) -> None:
    api_error(revoke_key(client, auth_of(user), key_id), 404, "NOT_FOUND")


def test_another_users_key_is_404(client: FlaskClient, user: Account, make_user: MakeUser) -> None:
    other = make_user()
    theirs = api_ok(create_key(client, auth_of(other), "theirs"))
    api_error(revoke_key(client, auth_of(user), int(str(theirs["id"]))), 404, "NOT_FOUND")
    api_ok(client.get(f"{API}/users/me", headers=bearer(str(theirs["api_key"]))))


def test_a_revoked_key_cannot_be_revoked_again(client: FlaskClient, user: Account) -> None:
    named = api_ok(create_key(client, auth_of(user), "once"))
    api_ok(revoke_key(client, auth_of(user), int(str(named["id"]))))
    api_error(revoke_key(client, auth_of(user), int(str(named["id"]))), 404, "NOT_FOUND")


def test_no_more_than_max_named_keys(make_app: Callable[..., Flask], make_user: MakeUser) -> None:
    client = make_app(MAX_NAMED_KEYS=2).test_client()
    owner = make_user()
    for name in ("a", "b"):
        api_ok(create_key(client, auth_of(owner), name))
    body = api_error(create_key(client, auth_of(owner), "c"), 400, "BAD_REQUEST")
    assert "most allowed" in str(body["msg"]) and "var_name" not in body


def test_a_duplicate_name_is_refused(client: FlaskClient, user: Account) -> None:
    api_ok(create_key(client, auth_of(user), "ci"))
    body = api_error(create_key(client, auth_of(user), " ci "), 400, "BAD_REQUEST")
    assert body["var_name"] == "name" and "already exists" in str(body["msg"])


@pytest.mark.parametrize("name", ["", "   ", "x" * 51, "\u200b\u200b", "bell\x07"])
def test_a_bad_name_is_refused(client: FlaskClient, user: Account, name: str) -> None:
    body = api_error(create_key(client, auth_of(user), name), 400, "BAD_REQUEST")
    assert body["var_name"] == "name"


def test_a_missing_name_is_refused(client: FlaskClient, user: Account) -> None:
    response = client.post(keys_of(), data={}, auth=auth_of(user))
    assert api_error(response, 400, "REQUEST_VARIABLE_MISSING")["var_name"] == "name"


@pytest.mark.parametrize("days", ["0", "-1", "36501", "1.5", "soon", "", "9" * 5000])
def test_a_bad_lifetime_is_refused(client: FlaskClient, user: Account, days: str) -> None:
    response = create_key(client, auth_of(user), "ci", expires_in_days=days)
    assert api_error(response, 400, "BAD_REQUEST")["var_name"] == "expires_in_days"


@pytest.mark.parametrize("days", [True, 2.5, [30], {"days": 30}])
def test_a_lifetime_must_be_a_json_integer(
    client: FlaskClient, user: Account, days: object
) -> None:
    response = client.post(
        keys_of(), json={"name": "ci", "expires_in_days": days}, auth=auth_of(user)
    )
    assert api_error(response, 400, "BAD_REQUEST")["var_name"] == "expires_in_days"


def test_a_lifetime_sets_the_expiry(client: FlaskClient, user: Account) -> None:
    response = client.post(
        keys_of(), json={"name": "ci", "expires_in_days": 30}, auth=auth_of(user)
    )
    body = api_ok(response)
    assert str(body["expires_at"]) > str(body["created_at"]) and str(body["expires_at"]).endswith(
        "Z"
    )


def test_the_lifetime_cap_refuses_keys_that_never_expire(
    make_app: Callable[..., Flask], make_user: MakeUser
) -> None:
    client = make_app(MAX_KEY_LIFETIME_DAYS=90).test_client()
    owner = make_user()
    never = api_error(create_key(client, auth_of(owner), "ci"), 400, "BAD_REQUEST")
    longer = create_key(client, auth_of(owner), "ci", expires_in_days=91)
    assert (
        never["var_name"] == api_error(longer, 400, "BAD_REQUEST")["var_name"] == "expires_in_days"
    )
    api_ok(create_key(client, auth_of(owner), "ci", expires_in_days=90))


def test_an_owner_manages_a_bots_keys(client: FlaskClient, user: Account) -> None:
    bot = api_ok(api_create_bot(client, user, "Deploy", "deploy"))
    holder = f"/bots/{bot['user_id']}"
    named = api_ok(create_key(client, auth_of(user), "ci", holder=holder))
    me = api_ok(client.get(f"{API}/users/me", headers=bearer(str(named["api_key"]))))
    assert me["user_id"] == bot["user_id"] and me["is_bot"] is True
    assert str(named["api_key"]).startswith("kfb_")
    assert [k["kind"] for k in list_keys(client, auth_of(user), holder)] == ["primary", "named"]
    api_ok(revoke_key(client, auth_of(user), int(str(named["id"])), holder))
    api_ok(api_me(client, str(bot["email"]), str(bot["api_key"])))


def test_another_owners_bot_is_the_usual_404(
    client: FlaskClient, user: Account, make_user: MakeUser
) -> None:
    bot = api_ok(api_create_bot(client, user, "Deploy", "deploy"))
    stranger = auth_of(make_user())
    holder = f"/bots/{bot['user_id']}"
    for response in (
        client.get(keys_of(holder), auth=stranger),
        create_key(client, stranger, "mine", holder=holder),
        revoke_key(client, stranger, 1, holder),
        client.get(keys_of(f"/bots/{user.id}"), auth=auth_of(user)),  # a human, not a bot
    ):
        assert api_error(response, 404, "NOT_FOUND")["msg"] == "No such bot"


def test_a_bot_cannot_manage_keys(client: FlaskClient, user: Account) -> None:
    bot = api_ok(api_create_bot(client, user, "Deploy", "deploy"))
    auth = (str(bot["email"]), str(bot["api_key"]))
    api_error(client.get(keys_of(), auth=auth), 403, "FORBIDDEN")
    api_error(create_key(client, auth, "more"), 403, "FORBIDDEN")
    api_error(client.get(keys_of(f"/bots/{bot['user_id']}"), auth=auth), 403, "FORBIDDEN")
