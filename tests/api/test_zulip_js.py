"""zulip-js 2.1, the official JavaScript client, loads either downloaded zuliprc through
``zulipInit({ zuliprc })`` and reads the profile from a live server."""

from pathlib import Path

import pytest

from tests.helpers.live import new_bot_download, own_download
from tests.helpers.rc import toml_rc, write_rc
from tests.helpers.users import Account
from tests.helpers.zulip_js import profile_through_zulip_js


@pytest.mark.parametrize("rc_format", ["toml", "ini"])
def test_zulip_js_loads_the_users_download(
    live_server: str, user: Account, zulip_js: Path, tmp_path: Path, rc_format: str
) -> None:
    rc = tmp_path / "zuliprc"
    rc.write_bytes(own_download(live_server, user.email, rc_format))
    profile = profile_through_zulip_js(zulip_js, rc)
    assert (profile["result"], profile["user_id"], profile["email"]) == (
        "success",
        user.id,
        user.email,
    )


def test_zulip_js_loads_a_bots_download_as_the_bot(
    live_server: str, user: Account, zulip_js: Path, tmp_path: Path
) -> None:
    bot_id, download = new_bot_download(live_server, user.email, "notify", "toml")
    rc = tmp_path / "zuliprc"
    rc.write_bytes(download)
    profile = profile_through_zulip_js(zulip_js, rc)
    assert (profile["user_id"], profile["is_bot"], profile["bot_owner_id"]) == (
        bot_id,
        True,
        user.id,
    )


def test_zulip_js_sees_a_wrong_key_refused(
    live_server: str, user: Account, zulip_js: Path, tmp_path: Path, a_key: str
) -> None:
    rc = write_rc(tmp_path / "zuliprc", toml_rc(user.email, a_key, live_server))
    profile = profile_through_zulip_js(zulip_js, rc)
    assert (profile["result"], profile["code"]) == ("error", "INVALID_API_KEY")
