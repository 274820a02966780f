"""`keyfob rotate` survives a crash at its one dangerous moment: killed between the server's
answer and the rename, it leaves a file whose key still works (the overlap), and running it
again finishes the same rotation (the Idempotency-Key it kept beside the file) instead of
rolling the key a second time."""

from dataclasses import replace
from pathlib import Path

import pytest
from flask import Flask

from keyfob_client import ApiError, Client, load_rc_file
from keyfob_client.rotate import CRASH_HOOK
from tests.helpers.admin import audit_types
from tests.helpers.rc import toml_rc, write_rc
from tests.helpers.script import run_keyfob
from tests.helpers.users import Account

pytestmark = pytest.mark.usefixtures("no_zulip_settings")


def works(path: Path, key: str | None = None) -> bool:
    """Whether the file's key (or ``key`` with the file's email and site) authenticates."""
    config = load_rc_file(path)
    try:
        with Client(config if key is None else replace(config, key=key)) as api:
            api.get_profile()
    except ApiError:
        return False
    return True


@pytest.fixture
def crashed(live_server: str, user: Account, tmp_path: Path) -> Path:
    """An rc file whose rotation was killed right after the server answered."""
    path = write_rc(tmp_path / "rcdir" / "rc", toml_rc(user.email, user.key, live_server))
    result = run_keyfob("rotate", "--config", str(path), env={CRASH_HOOK: "1"})
    assert result.returncode == 70, result.stderr
    return path


def test_after_the_crash_the_file_still_holds_a_working_key(crashed: Path, user: Account) -> None:
    assert load_rc_file(crashed).key == user.key
    assert works(crashed)


def test_running_again_finishes_the_same_rotation(app: Flask, crashed: Path, user: Account) -> None:
    result = run_keyfob("rotate", "--config", str(crashed))
    assert result.returncode == 0, result.stderr
    assert "Finished the interrupted rotation" in result.stdout
    assert load_rc_file(crashed).key != user.key and works(crashed)
    assert audit_types(app).count("api_key_regenerated") == 1
    assert [p.name for p in crashed.parent.iterdir()] == ["rc"]  # nothing else left behind


def test_the_old_key_keeps_working_for_the_overlap(
    live_server: str, user: Account, tmp_path: Path
) -> None:
    path = write_rc(tmp_path / "rc", toml_rc(user.email, user.key, live_server))
    result = run_keyfob("rotate", "--config", str(path), "--grace", "1h")
    assert result.returncode == 0, result.stderr
    assert "the old key works until" in result.stdout
    assert works(path) and works(path, user.key)


def test_without_an_overlap_the_old_key_dies_at_once(
    live_server: str, user: Account, tmp_path: Path
) -> None:
    path = write_rc(tmp_path / "rc", toml_rc(user.email, user.key, live_server))
    result = run_keyfob("rotate", "--config", str(path), "--grace", "0")
    assert result.returncode == 0, result.stderr
    assert "the old key no longer works" in result.stdout
    assert works(path) and not works(path, user.key)
