"""The unmodified `zulip` package (python-zulip-api 0.9) works against Keyfob."""

import tomllib
from pathlib import Path

import zulip
from flask.testing import FlaskClient

from tests.helpers.live import own_download
from tests.helpers.users import Account


def test_the_official_client_initializes_and_reads_the_profile(
    live_server: str, user: Account
) -> None:
    client = zulip.Client(email=user.email, api_key=user.key, site=live_server)
    assert str(client.zulip_version).startswith("keyfob-")
    profile = client.get_profile()
    assert profile["result"] == "success"
    assert (profile["user_id"], profile["email"]) == (user.id, user.email)


def test_the_readme_recipe_hands_a_downloaded_zuliprc_to_the_official_client(
    live_server: str, reauthed: FlaskClient, user: Account, tmp_path: Path
) -> None:
    rc = tmp_path / "zuliprc"
    rc.write_bytes(reauthed.get("/settings/account/api-key/zuliprc").get_data())
    # The three lines the README shows, with the site pointed at the test server:
    with rc.open("rb") as handle:
        api = tomllib.load(handle)["api"]
    client = zulip.Client(email=api["email"], api_key=api["key"], site=live_server)
    assert client.get_profile()["email"] == user.email


def test_the_ini_download_is_a_config_file_for_the_official_client(
    live_server: str, user: Account, tmp_path: Path
) -> None:
    rc = tmp_path / "zuliprc"
    rc.write_bytes(own_download(live_server, user.email, "ini"))
    client = zulip.Client(config_file=str(rc))  # what every Zulip doc and bot tutorial says
    profile = client.get_profile()
    assert (profile["result"], profile["user_id"], profile["email"]) == (
        "success",
        user.id,
        user.email,
    )


def test_the_official_client_sees_a_wrong_key_refused(live_server: str, user: Account) -> None:
    wrong = user.key[:-1] + ("0" if user.key[-1] != "0" else "1")  # never the key itself
    client = zulip.Client(email=user.email, api_key=wrong, site=live_server)
    profile = client.get_profile()
    assert profile["result"] == "error"
    assert profile["code"] == "INVALID_API_KEY"
