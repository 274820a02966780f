"""A key's tokens are listed under it (never their text) and revoked one at a time by the
person whose key, or whose bot's key, minted them; every minting and revocation is audited."""

from collections.abc import Callable

from flask import Flask
from flask.testing import FlaskClient

from app.core.models import AuditEvent
from tests.conftest import Clock
from tests.helpers.admin import audit_events
from tests.helpers.admin_api import new_bot
from tests.helpers.api import api_error, api_ok
from tests.helpers.api_keys import create_key, keys_of, scoped_key
from tests.helpers.openapi import assert_matches
from tests.helpers.tokens import me, minted, revoke_token, tokens_listed
from tests.helpers.users import Account, MakeUser


def primary_id(client: FlaskClient, user: Account) -> int:
    return int(api_ok(me(client, user.email, user.key))["key"]["id"])  # type: ignore[index]


def test_a_token_is_listed_under_its_key_without_its_text(
    client: FlaskClient, user: Account
) -> None:
    made = minted(client, (user.email, user.key), ttl_seconds=600, scopes=["messages:write"])
    response = client.get(keys_of(), auth=(user.email, user.key))
    assert_matches("/users/me/keys", "get", response)
    assert made["token"] not in response.get_data(as_text=True)
    (listed,) = tokens_listed(client, (user.email, user.key), primary_id(client, user))
    assert listed["id"] == made["id"] and listed["token_hint"] == made["token"][-4:]
    assert (listed["scopes"], listed["expires_at"]) == (["messages:write"], made["expires_at"])


def test_a_tokens_use_is_listed(client: FlaskClient, user: Account) -> None:
    made = minted(client, (user.email, user.key))
    api_ok(me(client, user.email, made["token"]))
    (listed,) = tokens_listed(client, (user.email, user.key), primary_id(client, user))
    assert listed["last_used_at"] is not None and listed["last_used_ip"] == "127.0.0.1"


def test_a_tokens_use_is_not_its_keys_use(client: FlaskClient, user: Account) -> None:
    named = api_ok(create_key(client, (user.email, user.key), "CI"))
    api_ok(me(client, user.email, minted(client, (user.email, user.key))["token"]))
    keys = client.get(keys_of(), auth=(user.email, user.key)).get_json()["keys"]
    assert [k["last_used_at"] for k in keys if k["id"] == named["id"]] == [None]


def test_an_expired_token_leaves_the_list(client: FlaskClient, user: Account, clock: Clock) -> None:
    minted(client, (user.email, user.key), ttl_seconds=60)
    clock.advance(seconds=60)
    assert tokens_listed(client, (user.email, user.key), primary_id(client, user)) == []


def test_a_revoked_token_fails_at_once_and_leaves_the_list(
    client: FlaskClient, user: Account
) -> None:
    made = minted(client, (user.email, user.key))
    api_ok(me(client, user.email, made["token"]))
    api_ok(revoke_token(client, (user.email, user.key), made["id"]))
    api_error(me(client, user.email, made["token"]), 401, "INVALID_API_KEY")
    assert tokens_listed(client, (user.email, user.key), primary_id(client, user)) == []
    api_error(revoke_token(client, (user.email, user.key), made["id"]), 404, "NOT_FOUND")


def test_nobody_else_can_revoke_a_token(client: FlaskClient, make_user: MakeUser) -> None:
    ada, bob = make_user("ada@example.com"), make_user("bob@example.com")
    made = minted(client, (ada.email, ada.key))
    api_error(revoke_token(client, (bob.email, bob.key), made["id"]), 404, "NOT_FOUND")
    api_ok(me(client, ada.email, made["token"]))


def test_only_the_primary_key_revokes_tokens(client: FlaskClient, user: Account) -> None:
    made = minted(client, (user.email, user.key))
    writer = scoped_key(client, (user.email, user.key), "keys:read")
    for who in (writer, made["token"]):
        answer = revoke_token(client, (user.email, who), made["id"])
        assert answer.status_code == 403, who
    api_ok(me(client, user.email, made["token"]))


def test_a_bots_tokens_are_listed_and_revoked_by_its_owner(
    client: FlaskClient, make_user: MakeUser
) -> None:
    ada, bob = make_user("ada@example.com"), make_user("bob@example.com")
    bot = new_bot(client, ada, "deploy")
    made = minted(client, (bot.email, bot.key))
    holder = f"/bots/{bot.id}"
    bot_key = api_ok(me(client, bot.email, bot.key))["key"]["id"]  # type: ignore[index]
    assert [t["id"] for t in tokens_listed(client, (ada.email, ada.key), bot_key, holder)] == [
        made["id"]
    ]
    api_error(revoke_token(client, (bob.email, bob.key), made["id"], holder), 404, "NOT_FOUND")
    api_ok(revoke_token(client, (ada.email, ada.key), made["id"], holder))
    api_error(me(client, bot.email, made["token"]), 401, "INVALID_API_KEY")


def test_minting_and_revoking_are_audited_without_the_token(
    app: Flask, client: FlaskClient, user: Account
) -> None:
    made = minted(client, (user.email, user.key), scopes=["messages:write"])
    api_ok(revoke_token(client, (user.email, user.key), made["id"]))
    events = audit_events(app, AuditEvent.event_type.like("api_token_%"))
    assert [e.event_type for e in events] == ["api_token_minted", "api_token_revoked"]
    assert events[0].detail["token_hint"] == made["token"][-4:]
    assert events[0].detail["scopes"] == ["messages:write"]
    assert all(made["token"] not in str(e.detail) for e in events)


def test_a_key_holds_at_most_the_configured_number_of_live_tokens(
    make_app: Callable[..., Flask],
) -> None:
    app = make_app(MAX_TOKENS_PER_KEY=2)
    ada = MakeUser(app)()
    client = app.test_client()
    first = minted(client, (ada.email, ada.key))
    minted(client, (ada.email, ada.key))
    api_error(client.post("/api/v1/tokens", auth=(ada.email, ada.key)), 409, "TOO_MANY_TOKENS")
    api_ok(revoke_token(client, (ada.email, ada.key), first["id"]))
    minted(client, (ada.email, ada.key))
