"""keyfob_client.zulip_client(): an official zulip.Client from an rc file in either format."""

from pathlib import Path

import pytest

from keyfob_client import zulip_client
from tests.helpers.rc import ini_rc, toml_rc, write_rc
from tests.helpers.users import Account

# The client reads ZULIP_* and ~/.zuliprc: each test starts without either.
pytestmark = pytest.mark.usefixtures("no_zulip_settings")


def test_a_toml_rc_file_gives_a_working_official_client(
    live_server: str, user: Account, tmp_path: Path
) -> None:
    path = write_rc(tmp_path / "zuliprc", toml_rc(user.email, user.key, live_server))
    profile = zulip_client(path).get_profile()
    assert (profile["result"], profile["user_id"], profile["email"]) == (
        "success",
        user.id,
        user.email,
    )


def test_without_a_path_it_looks_where_load_rc_looks(
    live_server: str, user: Account, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_rc(tmp_path / "zuliprc", toml_rc(user.email, user.key, live_server))
    monkeypatch.setenv("ZULIP_CONFIG", str(path))
    assert zulip_client().get_profile()["user_id"] == user.id


def test_settings_in_another_zuliprc_do_not_leak_in(
    live_server: str, user: Account, tmp_path: Path
) -> None:
    # zulip.Client reads ~/.zuliprc even when handed every value; here that file is for
    # another server and turns certificate checks off, which must not carry over.
    home_rc = ini_rc("dev@example.com", user.key, "https://dev.example") + "insecure=true\n"
    write_rc(Path.home() / ".zuliprc", home_rc)
    chosen = write_rc(tmp_path / "zuliprc", toml_rc(user.email, user.key, live_server))
    assert zulip_client(chosen).tls_verification is True
