"""`keyfob rotate` and keyfob_client.rotate: a new key, written back into the rc file in place."""

import stat
import tomllib
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from keyfob_client import Client, ConfigError, load_rc, load_rc_file, rotate
from tests.helpers.rc import ini_rc, toml_rc, write_rc
from tests.helpers.script import run_keyfob
from tests.helpers.users import Account

# The client reads ZULIP_* and ~/.zuliprc: each test starts without either.
pytestmark = pytest.mark.usefixtures("no_zulip_settings")


@pytest.mark.parametrize("render", [toml_rc, ini_rc])
def test_rotate_rewrites_the_file_in_place(
    live_server: str, user: Account, tmp_path: Path, render: Callable[[str, str, str], str]
) -> None:
    path = write_rc(tmp_path / "rcdir" / "rc", render(user.email, user.key, live_server))
    result = run_keyfob("rotate", "--config", str(path))
    assert result.returncode == 0, result.stderr
    rotated = load_rc_file(path)
    assert rotated.key != user.key and rotated.email == user.email
    assert rotated.key not in result.stdout and f"…{rotated.key[-4:]}" in result.stdout
    assert [p.name for p in path.parent.iterdir()] == ["rc"]  # no temporary file left
    with Client(rotated) as api:
        assert api.get_profile()["user_id"] == user.id
    if render is toml_rc:
        assert tomllib.loads(path.read_text())["api"]["key"] == rotated.key


def test_rotate_keeps_the_files_mode(live_server: str, user: Account, tmp_path: Path) -> None:
    path = write_rc(tmp_path / "rc", toml_rc(user.email, user.key, live_server), 0o640)
    result = run_keyfob("rotate", "--config", str(path))
    assert result.returncode == 0, result.stderr
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert "chmod 600" in result.stderr  # and says, once more, that it should not be


def test_rotate_keeps_the_old_key_when_nothing_can_be_written(
    live_server: str, user: Account, tmp_path: Path
) -> None:
    path = write_rc(tmp_path / "rcdir" / "rc", toml_rc(user.email, user.key, live_server))
    before = path.read_text()
    disk_full = ("prlimit", "--fsize=0")  # not one byte more can be written
    result = run_keyfob("rotate", "--config", str(path), launcher=disk_full)
    assert result.returncode == 1 and "keyfob: error:" in result.stderr
    assert path.read_text() == before
    assert [p.name for p in path.parent.iterdir()] == ["rc"]
    with Client(load_rc(path)) as api:
        assert api.get_profile()["user_id"] == user.id


def test_rotate_needs_a_file(live_server: str, user: Account) -> None:
    config = load_rc(email=user.email, key=user.key, site=live_server)
    with Client(config) as api, pytest.raises(ConfigError, match="needs an rc file"):
        rotate(config, api)


def test_rotate_rewrites_the_files_own_key_whatever_the_environment_says(
    live_server: str, make_user: Callable[..., Account], user: Account, tmp_path: Path
) -> None:
    other = make_user("other@example.com")
    path = write_rc(tmp_path / "rc", toml_rc(user.email, user.key, live_server))
    environment = {"ZULIP_API_KEY": other.key, "ZULIP_EMAIL": other.email}
    result = run_keyfob("rotate", "--config", str(path), env=environment)
    assert result.returncode == 0, result.stderr
    assert load_rc_file(path).email == user.email
    with Client(load_rc(email=other.email, key=other.key, site=live_server)) as untouched:
        assert untouched.get_profile()["user_id"] == other.id


def test_rotate_refuses_a_named_keys_file_and_says_what_to_do(
    live_server: str, user: Account, tmp_path: Path
) -> None:
    made = httpx.post(
        f"{live_server}/api/v1/users/me/keys", data={"name": "CI"}, auth=(user.email, user.key)
    ).json()
    path = write_rc(tmp_path / "rcdir" / "rc", toml_rc(user.email, made["api_key"], live_server))
    before = path.read_text()
    result = run_keyfob("rotate", "--config", str(path))
    assert result.returncode == 1
    assert "holds a named key, which cannot rotate itself" in result.stderr
    assert path.read_text() == before
    assert [p.name for p in path.parent.iterdir()] == ["rc"]
