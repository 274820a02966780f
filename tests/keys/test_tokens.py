"""Short-lived tokens: a key exchanged for a token in Keyfob's format with its own prefix,
shown once, that works wherever a key does, holds at most its key's scopes, and cannot mint
tokens or manage keys."""

from flask.testing import FlaskClient

from app.bots import types
from app.keys import scopes
from keyfob_client import keyformat
from tests.helpers.admin_api import new_bot
from tests.helpers.api import API, api_error, api_ok
from tests.helpers.api_keys import bearer, create_key, list_keys, regenerate, scoped_key
from tests.helpers.openapi import assert_matches
from tests.helpers.tokens import me, mint, minted, tokens_listed
from tests.helpers.users import Account


def test_a_key_mints_a_token_in_the_key_format_with_its_own_prefix(
    client: FlaskClient, user: Account
) -> None:
    answer = mint(client, (user.email, user.key))
    assert_matches("/tokens", "post", answer)
    token = answer.get_json()["token"]
    assert token.startswith("kft_") and keyformat.is_well_formed(token)
    assert answer.get_json()["token_hint"] == token[-4:]


def test_a_new_token_is_never_cached(client: FlaskClient, user: Account) -> None:
    answer = mint(client, (user.email, user.key))
    assert "no-store" in answer.headers["Cache-Control"]


def test_a_token_authenticates_in_each_way_a_key_does(client: FlaskClient, user: Account) -> None:
    token = minted(client, (user.email, user.key))["token"]
    for answer in (
        me(client, user.email, token),
        client.get(f"{API}/users/me", headers=bearer(token)),
        client.get(f"{API}/users/me", headers={"X-API-Key": token}),
    ):
        assert api_ok(answer)["user_id"] == user.id


def test_users_me_says_the_call_came_from_a_token_and_which_key_minted_it(
    client: FlaskClient, user: Account
) -> None:
    made = minted(client, (user.email, user.key))
    key = me(client, user.email, made["token"]).get_json()["key"]
    assert key["kind"] == "token" and key["token_id"] == made["id"]
    assert key["id"] == made["key_id"] == list_keys(client, (user.email, user.key))[0]["id"]
    assert key["expires_at"] == made["expires_at"]


def test_a_token_holds_the_scopes_asked_and_no_others(client: FlaskClient, user: Account) -> None:
    token = minted(client, (user.email, user.key), scopes=[scopes.PROFILE_READ])["token"]
    api_ok(me(client, user.email, token))
    answer = client.get(f"{API}/users", auth=(user.email, token))
    api_error(answer, 403, "MISSING_SCOPE")


def test_by_default_a_token_holds_every_scope_of_its_key_a_token_may(
    client: FlaskClient, user: Account
) -> None:
    made = minted(client, (user.email, user.key))
    expected = set(scopes.vocabulary(client.application.config)) - {
        scopes.KEYS_WRITE,
        scopes.BOTS_WRITE,
        scopes.ORGANIZATION_ADMIN,
        scopes.TOKENS_WRITE,
    }
    assert set(made["scopes"]) == expected


def test_a_token_cannot_hold_a_scope_its_key_lacks(client: FlaskClient, user: Account) -> None:
    narrow = scoped_key(client, (user.email, user.key), scopes.PROFILE_READ, scopes.TOKENS_WRITE)
    answer = mint(client, (user.email, narrow), scopes=[scopes.USERS_READ])
    assert api_error(answer, 400, "BAD_REQUEST")["var_name"] == "scopes"


def test_a_token_minted_by_a_narrow_key_holds_only_the_keys_scopes(
    client: FlaskClient, user: Account
) -> None:
    narrow = scoped_key(client, (user.email, user.key), scopes.PROFILE_READ, scopes.TOKENS_WRITE)
    assert minted(client, (user.email, narrow))["scopes"] == [scopes.PROFILE_READ]


def test_a_token_cannot_be_given_a_power_no_token_has(client: FlaskClient, user: Account) -> None:
    for power in (scopes.KEYS_WRITE, scopes.TOKENS_WRITE, "no:such"):
        answer = mint(client, (user.email, user.key), scopes=[power])
        assert api_error(answer, 400, "BAD_REQUEST")["var_name"] == "scopes", power


def test_a_token_cannot_mint_tokens(client: FlaskClient, user: Account) -> None:
    token = minted(client, (user.email, user.key))["token"]
    api_error(mint(client, (user.email, token)), 403, "MISSING_SCOPE")


def test_a_token_cannot_manage_keys(client: FlaskClient, user: Account) -> None:
    token = minted(client, (user.email, user.key))["token"]
    api_error(create_key(client, (user.email, token), "more"), 403, "PRIMARY_KEY_REQUIRED")
    api_error(regenerate(client, (user.email, token)), 403, "PRIMARY_KEY_REQUIRED")
    assert api_ok(me(client, user.email, user.key))  # the key itself is untouched


def test_a_named_key_without_the_tokens_scope_mints_nothing(
    client: FlaskClient, user: Account
) -> None:
    narrow = scoped_key(client, (user.email, user.key), scopes.PROFILE_READ)
    answer = api_error(mint(client, (user.email, narrow)), 403, "MISSING_SCOPE")
    assert answer["accepted_scopes"] == [scopes.TOKENS_WRITE]


def test_a_named_key_mints_with_its_default_scopes(client: FlaskClient, user: Account) -> None:
    named = api_ok(create_key(client, (user.email, user.key), "CI"))
    made = minted(client, (user.email, str(named["api_key"])))
    assert made["key_id"] == named["id"]
    assert (
        tokens_listed(client, (user.email, user.key), int(str(named["id"])))[0]["id"] == made["id"]
    )


def test_a_replaced_key_cannot_mint(client: FlaskClient, user: Account) -> None:
    api_ok(regenerate(client, (user.email, user.key), grace_seconds=600))
    api_error(mint(client, (user.email, user.key)), 403, "KEY_CANNOT_MINT")


def test_an_incoming_webhook_bots_key_cannot_mint(client: FlaskClient, user: Account) -> None:
    hook = new_bot(client, user, "hook", bot_type=types.INCOMING_WEBHOOK)
    api_error(mint(client, (hook.email, hook.key)), 403, "INCOMING_WEBHOOK_BOT")


def test_a_generic_bots_key_mints_a_token_that_acts_as_the_bot(
    client: FlaskClient, user: Account
) -> None:
    bot = new_bot(client, user, "deploy")
    token = minted(client, (bot.email, bot.key))["token"]
    assert api_ok(me(client, bot.email, token))["user_id"] == bot.id
