"""`keyfob convert`: an rc file in the other format, checked as it is read, written privately."""

import configparser
import stat
import tomllib
from pathlib import Path

import pytest

from tests.helpers.rc import ini_rc, ini_values, toml_rc, write_rc
from tests.helpers.script import run_keyfob

# The client reads ZULIP_* and ~/.zuliprc: each test starts without either.
pytestmark = pytest.mark.usefixtures("no_zulip_settings")

SITE = "https://chat.example.com/%7Eteam"  # a '%' that INI must double


def test_toml_converts_to_ini_the_zulip_package_reads(tmp_path: Path, a_key: str) -> None:
    source = write_rc(tmp_path / "zuliprc", toml_rc("ada@example.com", a_key, SITE))
    result = run_keyfob("convert", str(source), "--to", "ini")
    assert result.returncode == 0, result.stderr
    assert ini_values(result.stdout) == {"email": "ada@example.com", "key": a_key, "site": SITE}


def test_ini_converts_to_toml(tmp_path: Path, a_key: str) -> None:
    source = write_rc(tmp_path / "zuliprc", ini_rc("ada@example.com", a_key, "chat.example.com"))
    result = run_keyfob("convert", str(source), "--to", "toml")
    assert result.returncode == 0, result.stderr
    assert tomllib.loads(result.stdout)["api"] == {
        "email": "ada@example.com",
        "key": a_key,
        "site": "https://chat.example.com",  # as both clients read it
    }


def test_output_goes_to_a_new_file_only_its_owner_can_read(tmp_path: Path, a_key: str) -> None:
    source = write_rc(tmp_path / "zuliprc", toml_rc("ada@example.com", a_key, SITE))
    target = tmp_path / "zuliprc.ini"
    result = run_keyfob("convert", str(source), "--to", "ini", "-o", str(target))
    assert result.returncode == 0, result.stderr
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert ini_values(target.read_text())["key"] == a_key
    assert a_key not in result.stdout + result.stderr


def test_an_existing_file_is_never_replaced(tmp_path: Path, a_key: str) -> None:
    source = write_rc(tmp_path / "zuliprc", toml_rc("ada@example.com", a_key, SITE))
    target = write_rc(tmp_path / "zuliprc.ini", "the only copy of something\n")
    result = run_keyfob("convert", str(source), "--to", "ini", "-o", str(target))
    assert result.returncode == 1
    assert result.stderr == (
        f"keyfob: error: {target} already exists; remove it or choose another name\n"
    )
    assert target.read_text() == "the only copy of something\n"


def test_a_value_ini_cannot_hold_is_one_line_and_no_file(tmp_path: Path, a_key: str) -> None:
    source = write_rc(tmp_path / "zuliprc", toml_rc("ada@example.com", a_key, SITE + "\\nx"))
    target = tmp_path / "zuliprc.ini"
    result = run_keyfob("convert", str(source), "--to", "ini", "-o", str(target))
    assert result.returncode == 1
    assert result.stderr == (
        "keyfob: error: the zuliprc's site holds a line break or surrounding whitespace\n"
    )
    assert not target.exists()


def test_a_file_that_cannot_be_written_whole_is_not_left_behind(tmp_path: Path, a_key: str) -> None:
    source = write_rc(tmp_path / "zuliprc", toml_rc("ada@example.com", a_key, SITE))
    target = tmp_path / "zuliprc.ini"
    full_after_16_bytes = ("prlimit", "--fsize=16")  # a disk that fills up mid-write
    result = run_keyfob(
        "convert", str(source), "--to", "ini", "-o", str(target), launcher=full_after_16_bytes
    )
    assert result.returncode == 1
    assert result.stderr == f"keyfob: error: {target}: File too large; nothing was written\n"
    assert not target.exists()


def test_a_malformed_key_is_refused_before_anything_is_written(tmp_path: Path, a_key: str) -> None:
    typo = a_key[:-1] + ("0" if a_key[-1] != "0" else "1")
    source = write_rc(tmp_path / "zuliprc", toml_rc("ada@example.com", typo, SITE))
    result = run_keyfob("convert", str(source), "--to", "toml")
    assert (result.returncode, result.stdout) == (1, "")
    assert "the key is malformed" in result.stderr and typo not in result.stderr


def test_a_lone_percent_in_ini_is_refused_as_the_zulip_package_would(
    tmp_path: Path, a_key: str
) -> None:
    source = write_rc(tmp_path / "zuliprc", ini_rc("ada@example.com", a_key, SITE))
    with pytest.raises(configparser.InterpolationError):
        ini_values(source.read_text())  # what the zulip package would make of it
    result = run_keyfob("convert", str(source), "--to", "toml")
    assert result.returncode == 1
    assert result.stderr == f"keyfob: error: {source}: a '%' must be written '%%'\n"
