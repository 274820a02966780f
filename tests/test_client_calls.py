"""The script client at work: calling the API, its command line, and rotating a key in place."""

import os
import stat
import subprocess
import sys
import tempfile
import tomllib
from collections.abc import Callable
from pathlib import Path

import pytest

from app import client as keyfob_client
from app import keyformat
from app.client import ApiError, Client, ConfigError, load_rc
from tests.helpers.rc import ini_rc, toml_rc, write_rc
from tests.helpers.users import Account

# The client reads ZULIP_* and ~/.zuliprc: each test starts without either.
pytestmark = pytest.mark.usefixtures("no_zulip_settings")
ROOT = Path(__file__).parent.parent


# Calling the API


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


# The command line


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return run_cli_with({}, *args)


def run_cli_with(extra: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("ZULIP_")} | extra
    return subprocess.run(
        [sys.executable, "-m", "app.client", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_whoami_prints_who_the_key_belongs_to(
    live_server: str, user: Account, tmp_path: Path
) -> None:
    path = write_rc(tmp_path / "rc", toml_rc(user.email, user.key, live_server))
    result = run_cli("whoami", "--config", str(path))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"Ada Lovelace <{user.email}> (user {user.id})"
    assert user.key not in result.stdout + result.stderr


def test_whoami_fails_in_one_line(live_server: str, user: Account, tmp_path: Path) -> None:
    wrong = keyformat.generate(keyformat.USER_PREFIX)
    path = write_rc(tmp_path / "rc", toml_rc(user.email, wrong, live_server))
    result = run_cli("whoami", "--config", str(path))
    assert result.returncode == 1
    assert result.stderr.strip() == "error: INVALID_API_KEY: Invalid API key"
    assert wrong not in result.stderr
    missing = run_cli("whoami", "--config", str(tmp_path / "absent"))
    assert missing.returncode == 1 and len(missing.stderr.strip().splitlines()) == 1


def test_the_client_needs_neither_flask_nor_sqlalchemy() -> None:
    check = (
        "import sys, app.client; "
        "assert not {'flask', 'sqlalchemy'} & set(sys.modules), sorted(sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", check],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_a_file_that_is_not_utf8_is_a_one_line_error(tmp_path: Path) -> None:
    path = tmp_path / "rc"
    path.write_bytes(b"[api]\nemail = \xff\xfe\n")
    path.chmod(0o600)
    result = run_cli("whoami", "--config", str(path))
    assert result.returncode == 1
    assert result.stderr.strip().endswith("not UTF-8 text")


# Rotating a key in place


@pytest.mark.parametrize("render", [toml_rc, ini_rc])
def test_rotate_rewrites_the_file_in_place(
    live_server: str, user: Account, tmp_path: Path, render: object
) -> None:
    assert callable(render)
    path = write_rc(tmp_path / "rcdir" / "rc", render(user.email, user.key, live_server), 0o640)
    result = run_cli("rotate", "--config", str(path))
    assert result.returncode == 0, result.stderr
    with pytest.warns(UserWarning, match="readable by other users"):  # mode 0640 is kept
        rotated = load_rc(path)
    assert rotated.key != user.key and rotated.email == user.email
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert rotated.key not in result.stdout and f"…{rotated.key[-4:]}" in result.stdout
    assert [p.name for p in path.parent.iterdir()] == ["rc"]  # no temporary file left
    with Client(rotated) as api:
        assert api.get_profile()["user_id"] == user.id
    with (
        Client(load_rc(email=user.email, key=user.key, site=live_server)) as old,
        pytest.raises(ApiError),
    ):
        old.get_profile()
    if render is toml_rc:
        assert tomllib.loads(path.read_text())["api"]["key"] == rotated.key


def test_rotate_keeps_the_old_key_when_the_file_cannot_be_written(
    live_server: str, user: Account, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_rc(tmp_path / "rc", toml_rc(user.email, user.key, live_server))
    before = path.read_text()

    def no_space(*_args: object, **_kwargs: object) -> tuple[int, str]:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(tempfile, "mkstemp", no_space)
    config = load_rc(path)
    with Client(config) as api, pytest.raises(OSError):
        keyfob_client.rotate(config, api)
    assert path.read_text() == before
    with Client(config) as api:
        assert api.get_profile()["user_id"] == user.id


def test_rotate_needs_a_file(live_server: str, user: Account) -> None:
    config = load_rc(email=user.email, key=user.key, site=live_server)
    with Client(config) as api, pytest.raises(ConfigError, match="needs an rc file"):
        keyfob_client.rotate(config, api)


def test_rotate_rewrites_the_files_own_key_whatever_the_environment_says(
    live_server: str, make_user: Callable[..., Account], user: Account, tmp_path: Path
) -> None:
    other = make_user("other@example.com")
    path = write_rc(tmp_path / "rc", toml_rc(user.email, user.key, live_server))
    result = run_cli_with(
        {"ZULIP_API_KEY": other.key, "ZULIP_EMAIL": other.email}, "rotate", "--config", str(path)
    )
    assert result.returncode == 0, result.stderr
    assert load_rc(path).email == user.email
    with Client(load_rc(email=other.email, key=other.key, site=live_server)) as untouched:
        assert untouched.get_profile()["user_id"] == other.id
