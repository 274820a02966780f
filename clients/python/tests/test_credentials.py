"""The script client finding its credentials: rc files, the environment, arguments."""

import re
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from keyfob_client import ConfigError, RcConfig, keyformat, load_rc
from tests.helpers.rc import ini_rc, toml_rc, write_rc
from tests.helpers.users import Account
from tests.helpers.web import KEY_ZULIPRC_INI, reauthed_client

# The client reads ZULIP_* and ~/.zuliprc: each test starts without either.
pytestmark = pytest.mark.usefixtures("no_zulip_settings")


def test_a_downloaded_zuliprc_loads(reauthed: FlaskClient, user: Account, tmp_path: Path) -> None:
    downloaded = reauthed.get("/settings/account/api-key/zuliprc").get_data(as_text=True)
    config = load_rc(write_rc(tmp_path / "zuliprc", downloaded))
    assert (config.email, config.key, config.site) == (user.email, user.key, "http://localhost")


def test_a_downloaded_ini_zuliprc_with_a_percent_loads_as_the_zulip_package_reads_it(
    make_app: object, user: Account, tmp_path: Path
) -> None:
    assert callable(make_app)
    site = "https://chat.example.com/%7Eteam"
    downloaded = reauthed_client(make_app(SITE_URL=site), user.email).get(KEY_ZULIPRC_INI)
    config = load_rc(write_rc(tmp_path / "zuliprc", downloaded.get_data(as_text=True)))
    assert (config.email, config.key, config.site) == (user.email, user.key, site)


def test_a_lone_percent_in_an_ini_zuliprc_is_named(tmp_path: Path, a_key: str) -> None:
    path = write_rc(tmp_path / "zuliprc", ini_rc("a@example.com", a_key, "https://x/%7E"))
    with pytest.raises(ConfigError, match=re.escape(f"{path}: a '%' must be written '%%'")):
        load_rc(path)


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
        ('[api]\nemail = "a@b.c"\nkey = "KEY"\nsite = "httpbin.example"\n', "a URL (https://"),
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


def test_a_file_others_can_read_gets_one_plain_line_on_stderr(
    tmp_path: Path, a_key: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_rc(tmp_path / "rc", toml_rc("a@b.c", a_key, "https://s.example"), mode=0o644)
    load_rc(path)
    assert capsys.readouterr().err == (
        f"keyfob: warning: {path} can be read or changed by other users; run: chmod 600 {path}\n"
    )


def test_a_private_file_loads_silently(
    tmp_path: Path, a_key: str, capsys: pytest.CaptureFixture[str]
) -> None:
    load_rc(write_rc(tmp_path / "rc", toml_rc("a@b.c", a_key, "https://s.example"), mode=0o600))
    assert capsys.readouterr() == ("", "")


def test_the_config_never_prints_its_key(a_key: str) -> None:
    config = RcConfig("a@b.c", a_key, "https://s.example")
    assert a_key not in repr(config) and a_key not in str(config)
