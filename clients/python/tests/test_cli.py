"""`keyfob whoami`, and how every keyfob command reports a problem: one plain line on stderr."""

from pathlib import Path

import pytest

from keyfob_client import keyformat
from tests.helpers.rc import toml_rc, write_rc
from tests.helpers.script import run_keyfob
from tests.helpers.users import Account

# The client reads ZULIP_* and ~/.zuliprc: each test starts without either.
pytestmark = pytest.mark.usefixtures("no_zulip_settings")


def test_whoami_prints_who_the_key_belongs_to(
    live_server: str, user: Account, tmp_path: Path
) -> None:
    path = write_rc(tmp_path / "rc", toml_rc(user.email, user.key, live_server))
    result = run_keyfob("whoami", "--config", str(path))
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"Ada Lovelace <{user.email}> (user {user.id})\n"
    assert result.stderr == ""


def test_whoami_finds_the_file_through_zulip_config(
    live_server: str, user: Account, tmp_path: Path
) -> None:
    path = write_rc(tmp_path / "rc", toml_rc(user.email, user.key, live_server))
    result = run_keyfob("whoami", env={"ZULIP_CONFIG": str(path)})
    assert result.stdout == f"Ada Lovelace <{user.email}> (user {user.id})\n", result.stderr


def test_a_refused_key_is_one_line_without_the_key(
    live_server: str, user: Account, tmp_path: Path
) -> None:
    wrong = keyformat.generate(keyformat.USER_PREFIX)
    path = write_rc(tmp_path / "rc", toml_rc(user.email, wrong, live_server))
    result = run_keyfob("whoami", "--config", str(path))
    assert result.returncode == 1
    assert result.stderr == "keyfob: error: INVALID_API_KEY: Invalid API key\n"
    assert wrong not in result.stdout + result.stderr


def test_a_missing_file_is_one_line(tmp_path: Path) -> None:
    result = run_keyfob("whoami", "--config", str(tmp_path / "absent"))
    assert result.returncode == 1
    assert result.stderr == f"keyfob: error: {tmp_path / 'absent'}: no such file\n"


def test_a_file_that_is_not_utf8_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "rc"
    path.write_bytes(b"[api]\nemail = \xff\xfe\n")
    path.chmod(0o600)
    result = run_keyfob("whoami", "--config", str(path))
    assert result.returncode == 1
    assert result.stderr == f"keyfob: error: {path}: not UTF-8 text\n"


def test_a_file_others_can_read_costs_one_plain_line_and_still_works(
    live_server: str, user: Account, tmp_path: Path
) -> None:
    path = write_rc(tmp_path / "rc", toml_rc(user.email, user.key, live_server), mode=0o644)
    result = run_keyfob("whoami", "--config", str(path))
    assert result.stdout == f"Ada Lovelace <{user.email}> (user {user.id})\n"
    # No "UserWarning", no line of the client's source: what to do, and nothing else.
    assert result.stderr.splitlines() == [
        f"keyfob: warning: {path} can be read or changed by other users; run: chmod 600 {path}"
    ]
