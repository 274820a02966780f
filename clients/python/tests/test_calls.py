"""The script client calling the API: keyfob_client.Client against a live server."""

import pytest

from keyfob_client import ApiError, Client, load_rc
from tests.helpers.users import Account

# The client reads ZULIP_* and ~/.zuliprc: each test starts without either.
pytestmark = pytest.mark.usefixtures("no_zulip_settings")


def test_the_client_calls_the_api(live_server: str, user: Account) -> None:
    config = load_rc(email=user.email, key=user.key, site=live_server)
    with Client(config) as api:
        assert api.get_profile()["email"] == user.email
        bot = api.create_bot("Cron", "cron")
        assert bot["email"] == "cron-bot@localhost"  # an IP-address host is no email domain
        assert [b["user_id"] for b in api.list_bots()] == [bot["user_id"]]
        new_bot_key = api.regenerate_bot_key(bot["user_id"])
        assert new_bot_key.startswith("kfb_") and new_bot_key != bot["api_key"]
        new_key = api.regenerate_api_key()
        assert api.get_profile()["user_id"] == user.id  # it switched to the new key
    with (
        Client(load_rc(email=user.email, key=user.key, site=live_server)) as stale,
        pytest.raises(ApiError) as refused,
    ):
        stale.get_profile()
    assert (refused.value.status, refused.value.code) == (401, "INVALID_API_KEY")
    assert new_key != user.key


def test_api_errors_carry_code_and_message(live_server: str, user: Account) -> None:
    with (
        Client(load_rc(email=user.email, key=user.key, site=live_server)) as api,
        pytest.raises(ApiError) as refused,
    ):
        api.create_bot("Bad", "Not Valid")
    assert refused.value.code == "BAD_REQUEST"
    assert "short_name" in refused.value.msg


def test_an_unreachable_server_is_an_api_error(a_key: str) -> None:
    with (
        Client(load_rc(email="a@b.c", key=a_key, site="http://127.0.0.1:9")) as api,
        pytest.raises(ApiError) as refused,
    ):
        api.get_profile()
    assert refused.value.code == "CONNECTION_ERROR"
