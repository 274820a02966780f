"""The zulip package finds a downloaded INI zuliprc every way Zulip's docs name: the
ZULIP_CONFIG variable and ~/.zuliprc (config_file= is in test_zulip_compat.py), and a bot's
download authenticates as the bot."""

from pathlib import Path

import pytest
import zulip

from tests.helpers.live import new_bot_download, own_download
from tests.helpers.users import Account

pytestmark = pytest.mark.usefixtures("no_zulip_settings")  # an empty HOME, no ZULIP_*


def test_zulip_config_names_the_downloaded_file(
    live_server: str, user: Account, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rc = tmp_path / "downloaded-zuliprc"
    rc.write_bytes(own_download(live_server, user.email, "ini"))
    monkeypatch.setenv("ZULIP_CONFIG", str(rc))
    profile = zulip.Client().get_profile()
    assert (profile["result"], profile["user_id"]) == ("success", user.id)


def test_a_zuliprc_in_the_home_folder_is_found(live_server: str, user: Account) -> None:
    home = Path.home()  # the fixture's empty HOME
    home.mkdir(parents=True, exist_ok=True)
    (home / ".zuliprc").write_bytes(own_download(live_server, user.email, "ini"))
    profile = zulip.Client().get_profile()
    assert (profile["result"], profile["user_id"]) == ("success", user.id)


def test_a_bots_ini_download_authenticates_as_the_bot(
    live_server: str, user: Account, tmp_path: Path
) -> None:
    bot_id, download = new_bot_download(live_server, user.email, "deploy", "ini")
    rc = tmp_path / "zuliprc"
    rc.write_bytes(download)
    profile = zulip.Client(config_file=str(rc)).get_profile()
    assert profile["result"] == "success"
    assert (profile["user_id"], profile["is_bot"], profile["bot_owner_id"]) == (
        bot_id,
        True,
        user.id,
    )
