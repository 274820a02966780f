"""A token never outranks its key: revoking, rolling or pausing the key, or deactivating its
holder, ends every token it minted on the very next request, on every node; the key's
networks and request budget bind its tokens too."""

from collections.abc import Callable
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from tests.helpers.admin_api import new_bot
from tests.helpers.api import API, api_error, api_ok
from tests.helpers.api_keys import change_key, create_key, limited_key, regenerate, revoke_key
from tests.helpers.tokens import me, minted
from tests.helpers.users import Account, MakeUser
from tests.helpers.web import from_ip


def named_key(client: FlaskClient, user: Account, **fields: Any) -> dict[str, object]:
    return api_ok(create_key(client, (user.email, user.key), "CI", **fields))


def working_token(client: FlaskClient, email: str, key: str) -> str:
    """A token of ``key``, used once (so each node that served it has it verified)."""
    token = str(minted(client, (email, key))["token"])
    api_ok(me(client, email, token))
    return token


def test_revoking_the_key_ends_its_tokens(client: FlaskClient, user: Account) -> None:
    key = named_key(client, user)
    token = working_token(client, user.email, str(key["api_key"]))
    api_ok(revoke_key(client, (user.email, user.key), int(str(key["id"]))))
    api_error(me(client, user.email, token), 401, "INVALID_API_KEY")


def test_a_token_whose_key_is_revoked_on_node_a_fails_on_node_b(
    make_app: Callable[..., Flask],
) -> None:
    node_a = make_app()
    ada = MakeUser(node_a)()
    node_b = make_app().test_client()  # the same database, another process's memory
    key = named_key(node_a.test_client(), ada)
    token = working_token(node_b, ada.email, str(key["api_key"]))  # verified on node B
    api_ok(revoke_key(node_a.test_client(), (ada.email, ada.key), int(str(key["id"]))))
    api_error(me(node_b, ada.email, token), 401, "INVALID_API_KEY")


def test_regenerating_the_key_ends_its_tokens(client: FlaskClient, user: Account) -> None:
    token = working_token(client, user.email, user.key)
    new_key = str(api_ok(regenerate(client, (user.email, user.key)))["api_key"])
    api_error(me(client, user.email, token), 401, "INVALID_API_KEY")
    api_ok(me(client, user.email, new_key))


def test_rolling_the_key_ends_its_tokens_though_the_old_key_still_works(
    client: FlaskClient, user: Account
) -> None:
    token = working_token(client, user.email, user.key)
    api_ok(regenerate(client, (user.email, user.key), grace_seconds=600))
    api_error(me(client, user.email, token), 401, "INVALID_API_KEY")
    api_ok(me(client, user.email, user.key))  # in its overlap


def test_pausing_the_key_ends_its_tokens_for_good(client: FlaskClient, user: Account) -> None:
    key = named_key(client, user)
    token = working_token(client, user.email, str(key["api_key"]))
    auth, key_id = (user.email, user.key), int(str(key["id"]))
    api_ok(change_key(client, auth, key_id, paused=True))
    api_error(me(client, user.email, token), 401, "INVALID_API_KEY")
    api_ok(change_key(client, auth, key_id, paused=False))
    api_error(me(client, user.email, token), 401, "INVALID_API_KEY")
    api_ok(me(client, user.email, str(key["api_key"])))  # the key itself is back


def test_deactivating_a_bot_ends_its_tokens(client: FlaskClient, user: Account) -> None:
    bot = new_bot(client, user, "deploy")
    token = working_token(client, bot.email, bot.key)
    api_ok(client.delete(f"{API}/bots/{bot.id}", auth=(user.email, user.key)))
    api_error(me(client, bot.email, token), 401, "USER_DEACTIVATED")


def test_a_token_is_bound_to_its_keys_networks(client: FlaskClient, user: Account) -> None:
    key = limited_key(client, (user.email, user.key), "10.1.0.0/16")
    token = working_token(from_ip(client, "10.1.2.3"), user.email, key["api_key"])
    api_error(me(from_ip(client, "192.0.2.7"), user.email, token), 403, "IP_NOT_ALLOWED")


def test_narrowing_the_keys_networks_binds_its_tokens_at_once(
    client: FlaskClient, user: Account
) -> None:
    key = named_key(client, user)
    token = working_token(from_ip(client, "192.0.2.7"), user.email, str(key["api_key"]))
    change_key(client, (user.email, user.key), int(str(key["id"])), allowed_networks=["10.0.0.0/8"])
    api_error(me(client, user.email, token), 403, "IP_NOT_ALLOWED")


def test_a_token_spends_its_keys_request_budget(client: FlaskClient, user: Account) -> None:
    key = named_key(client, user, rate_limit_per_minute=3)
    token = str(minted(client, (user.email, str(key["api_key"])))["token"])  # the first
    api_ok(me(client, user.email, token))
    api_ok(me(client, user.email, str(key["api_key"])))
    api_error(me(client, user.email, token), 429, "RATE_LIMIT_HIT")
