"""The client package on its own: its wheel, installed in a fresh venv with nothing else, runs
`keyfob whoami` against a live server, and the server's dependencies are not there.

Slow (a build and two pip installs, about half a minute) and needs PyPI for httpx and tomli-w.
"""

import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.helpers.live import own_download
from tests.helpers.rc import write_rc
from tests.helpers.script import run_keyfob
from tests.helpers.users import Account

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("no_zulip_settings")]

CLIENT_SOURCE = Path(__file__).resolve().parents[1]
PIP_TIMEOUT = 300


@dataclass(frozen=True)
class ClientOnlyVenv:
    python: Path
    keyfob: Path

    def run_python(self, code: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(self.python), "-c", code], capture_output=True, text=True, timeout=60, check=False
        )


def run_checked(*command: str | Path) -> None:
    result = subprocess.run(
        [str(part) for part in command],
        capture_output=True,
        text=True,
        timeout=PIP_TIMEOUT,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.fixture(scope="module")
def client_only_venv(tmp_path_factory: pytest.TempPathFactory) -> ClientOnlyVenv:
    """A fresh venv holding the keyfob-client wheel and what pip installs for it."""
    root = tmp_path_factory.mktemp("client-only")
    # A copy, so the build leaves nothing (build/, egg-info) in the working tree.
    source = root / "source"
    shutil.copytree(CLIENT_SOURCE, source, ignore=shutil.ignore_patterns("build", "*.egg-info"))
    run_checked(sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", source, "-w", root)
    (wheel,) = root.glob("keyfob_client-*.whl")
    run_checked(sys.executable, "-m", "venv", root / "venv")
    python = root / "venv" / "bin" / "python"
    run_checked(python, "-m", "pip", "install", "-q", "--disable-pip-version-check", wheel)
    return ClientOnlyVenv(python, python.with_name("keyfob"))


def test_keyfob_whoami_works_from_the_wheel_alone(
    client_only_venv: ClientOnlyVenv, live_server: str, user: Account, tmp_path: Path
) -> None:
    rc = write_rc(tmp_path / "zuliprc", own_download(live_server, user.email, "toml").decode())
    result = run_keyfob("whoami", env={"ZULIP_CONFIG": str(rc)}, command=client_only_venv.keyfob)
    assert result.stdout == f"Ada Lovelace <{user.email}> (user {user.id})\n", result.stderr


@pytest.mark.parametrize("module", ["flask", "sqlalchemy", "psycopg"])
def test_the_servers_dependencies_are_not_installed(
    client_only_venv: ClientOnlyVenv, module: str
) -> None:
    result = client_only_venv.run_python(f"import {module}")
    assert result.returncode == 1
    assert f"ModuleNotFoundError: No module named '{module}'" in result.stderr


def test_zulip_client_without_the_extra_says_how_to_get_it(
    client_only_venv: ClientOnlyVenv,
) -> None:
    result = client_only_venv.run_python("import keyfob_client; keyfob_client.zulip_client()")
    assert result.returncode == 1
    assert result.stderr.splitlines()[-1] == (
        "keyfob_client.rcfile.ConfigError: "
        "zulip_client needs the zulip package: pip install 'keyfob-client[zulip]'"
    )
