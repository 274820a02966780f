"""What a script's user runs: the `keyfob` command the client package installs."""

import os
import subprocess
import sys
from pathlib import Path

# Installed beside this interpreter by `pip install ./clients/python` (the Makefile does it).
KEYFOB = Path(sys.executable).with_name("keyfob")


def run_keyfob(
    *args: str,
    env: dict[str, str] | None = None,
    command: Path = KEYFOB,
    launcher: tuple[str, ...] = (),
) -> subprocess.CompletedProcess[str]:
    """``keyfob ARGS`` with no ZULIP_* variables but those in ``env``, started through
    ``launcher`` (such as prlimit) if given; never raises on failure."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("ZULIP_")}
    return subprocess.run(
        [*launcher, str(command), *args],
        env=environment | (env or {}),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
