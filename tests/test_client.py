"""The script client: finding credentials, calling the API, and rotating a key in place."""

import os
import re
import stat
import subprocess
import sys
import tempfile
import tomllib
from collections.abc import Callable
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from app import client as keyfob_client
from app import keyformat
from app.client import ApiError, Client, ConfigError, load_rc
from tests.helpers.users import Account

ROOT = Path(__file__).parent.parent


@pytest.fixture(autouse=True)
def _no_zulip_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for variable in ("ZULIP_EMAIL", "ZULIP_API_KEY", "ZULIP_SITE", "ZULIP_CONFIG"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))


def write_rc(path: Path, text: str, mode: int = 0o600) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(mode)
    return path


def toml_rc(email: str, key: str, site: str) -> str:
    return f'[api]\nemail = "{email}"\nkey = "{key}"\nsite = "{site}"\n'


def ini_rc(email: str, key: str, site: str) -> str:
    return f"[api]\nemail={email}\nkey={key}\nsite={site}\n"


@pytest.fixture
def a_key() -> str:
    return keyformat.generate(keyformat.USER_PREFIX)


# Finding credentials


def test_a_downloaded_zuliprc_loads(reauthed: FlaskClient, user: Account, tmp_path: Path) -> None:
    downloaded = reauthed.get("/settings/account/api-key/zuliprc").get_data(as_text=True)
    config = load_rc(write_rc(tmp_path / "zuliprc", downloaded))
    assert (config.email, config.key, config.site) == (user.email, user.key, "http://localhost")


def test_a_classic_ini_zuliprc_loads(tmp_path: Path, a_key: str) -> None:
    path = write_rc(
        tmp_path / "zuliprc", ini_rc("a@example.com", a_key, "https://chat.example.com/")
    )
    config = load_rc(path)
    assert (config.email, config.key, config.site) == (
        "a@example.com",
        a_key,
        "https://chat.example.com",
    )


def test_arguments_beat_the_environment_which_beats_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, a_key: str
) -> None:
    other = keyformat.generate(keyformat.USER_PREFIX)
    path = write_rc(tmp_path / "rc", toml_rc("file@example.com", other, "https://file.example"))
    monkeypatch.setenv("ZULIP_CONFIG", str(path))
    monkeypatch.setenv("ZULIP_EMAIL", "env@example.com")
    config = load_rc(email="arg@example.com")
    assert config.email == "arg@example.com"
    assert config.key == other and config.site == "https://file.example"
    monkeypatch.delenv("ZULIP_CONFIG")
    monkeypatch.setenv("ZULIP_API_KEY", a_key)
    monkeypatch.setenv("ZULIP_SITE", "https://env.example")
    config = load_rc()
    assert (config.email, config.key, config.site, config.path) == (
        "env@example.com",
        a_key,
        "https://env.example",
        None,
    )


def test_the_home_zuliprc_is_the_last_resort(tmp_path: Path, a_key: str) -> None:
    home_rc = write_rc(
        tmp_path / "home" / ".zuliprc", toml_rc("h@example.com", a_key, "https://h.example")
    )
    assert load_rc().path == home_rc


def test_zulip_config_beats_the_home_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, a_key: str
) -> None:
    write_rc(tmp_path / "home" / ".zuliprc", toml_rc("h@example.com", a_key, "https://h.example"))
    chosen = write_rc(tmp_path / "chosen", toml_rc("c@example.com", a_key, "https://c.example"))
    monkeypatch.setenv("ZULIP_CONFIG", str(chosen))
    assert load_rc().email == "c@example.com"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[other]\nx = 1\n", "no [api] table"),
        ('api = "flat"\n', "no [api] table"),
        ('[api]\nemail = "a@b.c"\nsite = "https://s.example"\n', "'key' is missing or empty"),
        ('[api]\nemail = ""\nkey = "KEY"\nsite = "https://s.example"\n', "'email' is missing"),
        ('[api]\nemail = "a@b.c"\nkey = "kfu_short"\nsite = "https://s.example"\n', "malformed"),
        ('[api]\nemail = "a@b.c"\nkey = "KEY"\nsite = "chat.example.com"\n', "https://"),
        ("this is [ not = a config\n[", "neither TOML nor INI"),
    ],
)
def test_bad_rc_files_get_clear_errors(tmp_path: Path, a_key: str, text: str, message: str) -> None:
    path = write_rc(tmp_path / "rc", text.replace("KEY", a_key))
    with pytest.raises(ConfigError, match=re.escape(message)):
        load_rc(path)


def test_a_mistyped_key_is_caught_by_its_checksum(tmp_path: Path, a_key: str) -> None:
    typo = a_key[:10] + ("x" if a_key[10] != "x" else "y") + a_key[11:]
    path = write_rc(tmp_path / "rc", toml_rc("a@b.c", typo, "https://s.example"))
    with pytest.raises(ConfigError, match="checksum"):
        load_rc(path)


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such file"):
        load_rc(tmp_path / "absent")


def test_no_credentials_at_all_says_what_to_set() -> None:
    with pytest.raises(ConfigError, match="ZULIP_EMAIL, ZULIP_API_KEY, ZULIP_SITE"):
        load_rc()


def test_a_file_others_can_read_gets_a_warning(tmp_path: Path, a_key: str) -> None:
    path = write_rc(tmp_path / "rc", toml_rc("a@b.c", a_key, "https://s.example"), mode=0o644)
    with pytest.warns(UserWarning, match="chmod 600"):
        load_rc(path)


def test_the_config_never_prints_its_key(a_key: str) -> None:
    config = keyfob_client.RcConfig("a@b.c", a_key, "https://s.example")
    assert a_key not in repr(config) and a_key not in str(config)


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


def test_a_file_that_is_not_utf8_is_a_one_line_error(tmp_path: Path) -> None:
    path = tmp_path / "rc"
    path.write_bytes(b"[api]\nemail = \xff\xfe\n")
    path.chmod(0o600)
    result = run_cli("whoami", "--config", str(path))
    assert result.returncode == 1
    assert result.stderr.strip().endswith("not UTF-8 text")
