"""Only a primary key manages keys and bots. A named key is one integration's, and a replaced
key is on its way out: neither may take the primary or mint keys, or revoking it would no
longer contain its leak. Both still call everything else."""

import pytest
from flask.testing import FlaskClient

from tests.helpers.api import API, api_create_bot, api_error, api_me, api_ok
from tests.helpers.api_keys import create_key, list_keys, regenerate, revoke_key
from tests.helpers.users import Account

REFUSED = "PRIMARY_KEY_REQUIRED"


@pytest.fixture
def named(client: FlaskClient, user: Account) -> tuple[str, str]:
    """The user's email and a named key of theirs."""
    key = str(api_ok(create_key(client, (user.email, user.key), "CI"))["api_key"])
    return user.email, key


def test_a_named_key_calls_the_api_as_its_holder(
    client: FlaskClient, user: Account, named: tuple[str, str]
) -> None:
    assert api_ok(api_me(client, *named))["user_id"] == user.id
    assert len(list_keys(client, named)) == 2


def test_a_named_key_cannot_take_the_primary(
    client: FlaskClient, user: Account, named: tuple[str, str]
) -> None:
    api_error(regenerate(client, named), 403, REFUSED)
    api_ok(api_me(client, user.email, user.key))  # the primary is untouched


def test_a_named_key_cannot_mint_or_revoke_keys(
    client: FlaskClient, user: Account, named: tuple[str, str]
) -> None:
    api_error(create_key(client, named, "more"), 403, REFUSED)
    _primary, own = list_keys(client, named)
    api_error(revoke_key(client, named, own["id"]), 403, REFUSED)
    assert len(list_keys(client, (user.email, user.key))) == 2


def test_a_named_key_cannot_manage_bots(
    client: FlaskClient, user: Account, named: tuple[str, str]
) -> None:
    bot = api_ok(api_create_bot(client, user, "Weather Bot", "weather"))
    api_error(
        client.post(f"{API}/bots", data={"full_name": "X", "short_name": "x"}, auth=named),
        403,
        REFUSED,
    )
    api_error(regenerate(client, named, f"/bots/{bot['user_id']}"), 403, REFUSED)
    api_error(client.delete(f"{API}/bots/{bot['user_id']}", auth=named), 403, REFUSED)


def test_a_bots_named_key_cannot_take_the_bots_primary(client: FlaskClient, user: Account) -> None:
    bot = api_ok(api_create_bot(client, user, "Weather Bot", "weather"))
    bot_primary = (str(bot["email"]), str(bot["api_key"]))
    holder = f"/bots/{bot['user_id']}"
    key = str(api_ok(create_key(client, (user.email, user.key), "CI", holder))["api_key"])
    api_error(regenerate(client, (str(bot["email"]), key)), 403, REFUSED)
    api_ok(api_me(client, *bot_primary))


def test_a_replaced_key_cannot_roll_again(client: FlaskClient, user: Account) -> None:
    api_ok(regenerate(client, (user.email, user.key), grace_seconds=3600))
    api_error(regenerate(client, (user.email, user.key), grace_seconds=3600), 403, REFUSED)


def test_a_replaced_key_repeats_the_rotation_that_replaced_it(
    client: FlaskClient, user: Account
) -> None:
    first = api_ok(regenerate(client, (user.email, user.key), "/users/me", "r1", grace_seconds=60))
    again = api_ok(regenerate(client, (user.email, user.key), "/users/me", "r1", grace_seconds=60))
    assert again["api_key"] == first["api_key"]
    api_error(
        regenerate(client, (user.email, user.key), "/users/me", "r2", grace_seconds=60),
        403,
        REFUSED,
    )


def test_stopping_now_also_ends_an_earlier_overlap(client: FlaskClient, user: Account) -> None:
    second = str(api_ok(regenerate(client, (user.email, user.key), grace_seconds=3600))["api_key"])
    third = str(api_ok(regenerate(client, (user.email, second)))["api_key"])
    api_error(api_me(client, user.email, user.key), 401, "INVALID_API_KEY")
    api_error(api_me(client, user.email, second), 401, "INVALID_API_KEY")
    api_ok(api_me(client, user.email, third))
