"""zulip-terminal 0.7's first run, as its login prompt talks to a server: it reads two fields
of server_settings to label the prompt, trades the email and password at fetch_api_key (and
asks again on any status but 200), and writes the key into a zuliprc that the zulip package
then loads. zulip-terminal does not install on Python 3.11+, so this follows its requests."""

from pathlib import Path

import httpx
import pytest
import zulip

from tests.helpers.users import PASSWORD, Account

pytestmark = pytest.mark.usefixtures("no_zulip_settings")


def test_the_login_prompt_asks_for_an_email(live_server: str) -> None:
    settings = httpx.get(f"{live_server}/api/v1/server_settings").json()
    assert settings["require_email_format_usernames"] is True
    assert settings["email_auth_enabled"] is True


def test_a_wrong_password_makes_the_prompt_ask_again(live_server: str, user: Account) -> None:
    answer = httpx.post(
        f"{live_server}/api/v1/fetch_api_key",
        data={"username": user.email, "password": PASSWORD + "x"},
    )
    assert answer.status_code != 200


def test_the_zuliprc_it_writes_after_login_works(
    live_server: str, user: Account, tmp_path: Path
) -> None:
    answer = httpx.post(
        f"{live_server}/api/v1/fetch_api_key",
        data={"username": user.email, "password": PASSWORD},
    )
    assert answer.status_code == 200
    written = tmp_path / "zuliprc"  # in zulip-terminal's own words, with no final newline
    written.write_text(
        f"[api]\nemail={user.email}\nkey={answer.json()['api_key']}\nsite={live_server}"
    )
    profile = zulip.Client(config_file=str(written)).get_profile()
    assert (profile["result"], profile["user_id"]) == ("success", user.id)
