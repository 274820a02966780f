"""zulip-run-bot (zulip_bots 0.9) starts a bot from the bot's downloaded INI zuliprc: its
config loading and profile check get past authentication. It then waits for messages at
Zulip's event queue, which belongs to the host platform (404 here), so the test stops it."""

import os
import selectors
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.helpers.live import new_bot_download
from tests.helpers.rc import ini_rc, write_rc
from tests.helpers.users import Account

pytestmark = pytest.mark.usefixtures("no_zulip_settings")

STARTED = "Running Helloworld Bot"
SECONDS = 60


def run_bot_until_started(config: Path) -> tuple[int | None, str]:
    """Run ``zulip-run-bot helloworld`` until it says it is running or exits (bounded in
    time); stop it, and return its exit code (None if it was still running) and output."""
    command = shutil.which("zulip-run-bot", path=str(Path(sys.executable).parent))
    assert command, "zulip_bots is not installed"
    bot = subprocess.Popen(
        [command, "helloworld", "--config-file", str(config)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert bot.stdout
    output, deadline = "", time.monotonic() + SECONDS
    with selectors.DefaultSelector() as waiting:
        waiting.register(bot.stdout, selectors.EVENT_READ)
        while STARTED not in output and time.monotonic() < deadline:
            if not waiting.select(timeout=1):
                continue
            line = bot.stdout.readline()
            if not line:  # the bot exited
                break
            output += line
    try:  # after its output ends, an exiting bot has a moment to exit
        code: int | None = bot.wait(timeout=0 if STARTED in output else 10)
    except subprocess.TimeoutExpired:
        code = None
        bot.send_signal(signal.SIGKILL)
        bot.wait(timeout=10)
    bot.stdout.close()
    return code, output


def test_a_bots_ini_download_starts_the_bot(
    live_server: str, user: Account, tmp_path: Path
) -> None:
    _, download = new_bot_download(live_server, user.email, "greeter", "ini")
    config = tmp_path / "zuliprc"
    config.write_bytes(download)
    code, output = run_bot_until_started(config)
    assert (code, STARTED in output) == (None, True), output


def test_a_wrong_key_stops_the_bot_at_its_profile_check(
    live_server: str, user: Account, tmp_path: Path, a_key: str
) -> None:
    config = write_rc(tmp_path / "zuliprc", ini_rc(user.email, a_key, live_server))
    code, output = run_bot_until_started(config)
    assert code == 1
    assert "Invalid API key" in output
    assert STARTED not in output
