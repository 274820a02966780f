"""zulip-js, Zulip's official JavaScript client, installed from the npm registry and run on
the machine's Node.js, for the tests that hand it a downloaded zuliprc."""

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

FOLDER = Path(__file__).resolve().parent.parent / "zulip_js"
INSTALL_SECONDS = 300
CALL_SECONDS = 60


def install_zulip_js() -> Path:
    """The folder with zulip-js installed as its lock file pins it; skips (or, when
    KEYFOB_TEST_REQUIRE_NODE=1, as in CI, fails) when Node.js or npm is missing."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if not (node and npm):
        message = "no Node.js and npm (apt-get install nodejs npm)"
        if os.environ.get("KEYFOB_TEST_REQUIRE_NODE") == "1":
            pytest.fail(message)
        pytest.skip(message)
    if not (FOLDER / "node_modules" / "zulip-js" / "package.json").is_file():
        subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=FOLDER,
            check=True,
            timeout=INSTALL_SECONDS,
        )
    return FOLDER


def profile_through_zulip_js(folder: Path, zuliprc: Path) -> dict[str, Any]:
    """GET /users/me as zulip-js answers it after ``zulipInit({ zuliprc })``."""
    node = shutil.which("node")
    assert node
    finished = subprocess.run(
        [node, "get_profile.cjs", str(zuliprc)],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=CALL_SECONDS,
    )
    assert finished.returncode == 0, finished.stderr
    answer: dict[str, Any] = json.loads(finished.stdout)
    return answer
