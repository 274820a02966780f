"""gunicorn.conf.py run for real: a server in its own process group, always stopped in time."""

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Protocol

import httpx
from cryptography.fernet import Fernet

from app.core.config import PROJECT_ROOT

CONF = PROJECT_ROOT / "gunicorn.conf.py"
START_SECONDS = 30


def shared_secrets() -> dict[str, str]:
    """The three secrets as every node of one deployment gets them: in the environment."""
    return {
        "KEYFOB_SECRET_KEY": "test-" + os.urandom(24).hex(),
        "KEYFOB_KEY_PEPPER": "test-" + os.urandom(24).hex(),
        "KEYFOB_KEY_ENCRYPTION_KEYS": Fernet.generate_key().decode("ascii"),
    }


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def environment(instance: Path, settings: Mapping[str, str]) -> dict[str, str]:
    """The shell's environment without its Keyfob settings, plus ``settings``; password
    hashing made cheap, as in the rest of the suite. A server bound to a loopback port
    trusts that port (unless ``settings`` name the trusted hosts themselves)."""
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("KEYFOB_")}
    return {
        **inherited,
        "KEYFOB_INSTANCE_PATH": str(instance),
        "KEYFOB_ARGON2_TIME_COST": "1",
        "KEYFOB_ARGON2_MEMORY_COST_KIB": "1024",
        **trusting_the_bind(settings.get("KEYFOB_SERVE_BIND")),
        **settings,
    }


def trusting_the_bind(bind: str | None) -> dict[str, str]:
    """KEYFOB_TRUSTED_HOSTS for a server on ``bind`` (127.0.0.1:port): the defaults, plus the
    loopback names on that port, as a deployment would name its own (app/core/hosts.py)."""
    if bind is None:
        return {}
    port = bind.rpartition(":")[2]
    hosts = ["localhost", "127.0.0.1", "::1", f"127.0.0.1:{port}", f"localhost:{port}"]
    return {"KEYFOB_TRUSTED_HOSTS": ",".join(hosts)}


def gunicorn_command() -> list[str]:
    return [sys.executable, "-m", "gunicorn", "-c", str(CONF)]


def run_to_exit(command: list[str], env: Mapping[str, str], timeout: float = 60) -> tuple[int, str]:
    """Run a server command that is expected to stop by itself: its exit status and output.
    One that is still running after ``timeout`` seconds is stopped, and the test fails."""
    process = subprocess.Popen(
        command,
        env=dict(env),
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        output, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        stop(process)
        raise AssertionError(f"{command[-1]} kept running for {timeout} s") from None
    return process.returncode, output


@contextmanager
def running(command: list[str], env: Mapping[str, str], port: int, log: Path) -> Iterator[str]:
    """A server started with ``command`` on ``port`` (its output in ``log``), ready to answer;
    stopped afterwards whatever happens."""
    with log.open("wb") as output:
        process = subprocess.Popen(
            command,
            env=dict(env),
            cwd=PROJECT_ROOT,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        url = f"http://127.0.0.1:{port}"
        wait_ready(process, url, log)
        yield url
    finally:
        stop(process)


class Polled(Protocol):
    """What wait_ready asks of a server's process: whether it has stopped (None: not yet)."""

    def poll(self) -> int | None: ...


def wait_ready(
    process: Polled,
    url: str,
    log: Path,
    *,
    path: str = "/api/v1/server_settings",
    seconds: float = START_SECONDS,
) -> None:
    """Return once ``url + path`` answers 200; fail, with the end of ``log``, if the process
    stops first or ``seconds`` pass (the tests and the benchmarks wait the same way)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"{url} stopped: {log.read_text()[-2000:]}")
        try:
            if httpx.get(url + path, timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"{url} did not answer in {seconds} s")


def stop(process: subprocess.Popen[bytes] | subprocess.Popen[str]) -> None:
    """SIGTERM to the whole group (make, gunicorn and its workers), SIGKILL if that is slow."""
    for sent in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(process.pid, sent)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=15)
            return
        except subprocess.TimeoutExpired:
            continue
