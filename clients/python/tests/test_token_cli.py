"""`keyfob token`: the rc file's key exchanged for a short-lived token, printed alone so that a
CI step can capture it; a refusal is one plain line."""

from pathlib import Path

import httpx
import pytest

from keyfob_client import keyformat
from tests.helpers.rc import toml_rc, write_rc
from tests.helpers.script import run_keyfob
from tests.helpers.users import Account

pytestmark = pytest.mark.usefixtures("no_zulip_settings")


def me(live_server: str, token: str) -> dict[str, object]:
    answer = httpx.get(
        f"{live_server}/api/v1/users/me", headers={"Authorization": f"Bearer {token}"}
    )
    assert answer.status_code == 200, answer.text
    key: dict[str, object] = answer.json()["key"]
    return key


def test_token_prints_a_working_token_alone(
    live_server: str, user: Account, tmp_path: Path
) -> None:
    path = write_rc(tmp_path / "rc", toml_rc(user.email, user.key, live_server))
    result = run_keyfob("token", "--config", str(path), "--ttl", "15m", "--scope", "profile:read")
    assert result.returncode == 0, result.stderr
    token = result.stdout.removesuffix("\n")
    assert keyformat.is_token(token) and keyformat.is_well_formed(token)
    key = me(live_server, token)
    assert (key["kind"], key["scopes"]) == ("token", ["profile:read"])


def test_token_takes_several_scopes(live_server: str, user: Account, tmp_path: Path) -> None:
    path = write_rc(tmp_path / "rc", toml_rc(user.email, user.key, live_server))
    arguments = ("--scope", "profile:read", "--scope", "messages:write,users:read")
    result = run_keyfob("token", "--config", str(path), *arguments)
    assert result.returncode == 0, result.stderr
    scopes = me(live_server, result.stdout.strip())["scopes"]
    assert scopes == ["messages:write", "profile:read", "users:read"]


def test_a_lifetime_past_the_servers_cap_is_one_line(
    live_server: str, user: Account, tmp_path: Path
) -> None:
    path = write_rc(tmp_path / "rc", toml_rc(user.email, user.key, live_server))
    result = run_keyfob("token", "--config", str(path), "--ttl", "2h")
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.startswith("keyfob: error: BAD_REQUEST: ")
    assert "ttl_seconds" in result.stderr and result.stderr.count("\n") == 1
