"""Per-key counts under gunicorn, for real: a worker killed without exiting loses at most
the calls of its last USAGE_WRITE_SECONDS, and one stopped as usual loses none."""

import os
import signal
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.helpers.gunicorn import (
    environment,
    free_port,
    gunicorn_command,
    run_to_exit,
    running,
    shared_secrets,
    wait_ready,
)
from tests.helpers.users import PASSWORD
from tests.helpers.web import csrf_token_in

INTERVAL = 3  # USAGE_WRITE_SECONDS of the server under test: the AFTER calls take less
EMAIL = "counted@example.com"
BEFORE, AFTER = 6, 4  # calls before the last interval, and within it


class Server:
    def __init__(self, tmp_path: Path) -> None:
        self.port = free_port()
        self.pidfile = tmp_path / "gunicorn.pid"
        settings = {
            **shared_secrets(),
            "KEYFOB_SERVE_WORKERS": "1",
            "KEYFOB_SERVE_BIND": f"127.0.0.1:{self.port}",
            "KEYFOB_DATABASE_URL": f"sqlite:///{tmp_path / 'usage.sqlite3'}",
            "KEYFOB_USAGE_WRITE_SECONDS": str(INTERVAL),
        }
        self.env = environment(tmp_path / "instance", settings)
        self.log = tmp_path / "serve.log"
        status, output = run_to_exit([*_flask(), "db", "upgrade"], self.env)
        assert status == 0, output

    @contextmanager
    def serving(self) -> Iterator[str]:
        command = [*gunicorn_command(), "--pid", str(self.pidfile)]
        with running(command, self.env, self.port, self.log) as url:
            yield url

    def kill_workers(self, url: str) -> None:
        """SIGKILL every worker (the master starts a new one), and wait for the new one."""
        master = int(self.pidfile.read_text())
        workers = _children(master)
        assert workers, "no worker to kill"
        for worker in workers:
            os.kill(worker, signal.SIGKILL)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and set(_children(master)) & set(workers):
            time.sleep(0.1)
        wait_ready(_Alive(master), url, self.log)


class _Alive:
    """What wait_ready asks of a process: whether it has stopped (the master, by its pid)."""

    def __init__(self, pid: int) -> None:
        self.pid = pid

    def poll(self) -> int | None:
        return None if Path(f"/proc/{self.pid}").exists() else 1


def _flask() -> list[str]:
    return [str(Path(sys.executable).with_name("flask")), "--app", "app"]


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rpartition(")")[2].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def _register(url: str) -> str:
    """A new person's key, as a script fetches it after registering in a browser."""
    with httpx.Client(base_url=url, timeout=30) as browser:
        token = csrf_token_in(browser.get("/register").text)
        fields = {"email": EMAIL, "full_name": "Counted", "password": PASSWORD}
        browser.post("/register", data={**fields, "confirm": PASSWORD, "csrf_token": token})
    answer = httpx.post(
        f"{url}/api/v1/fetch_api_key", data={"username": EMAIL, "password": PASSWORD}, timeout=30
    )
    return str(answer.json()["api_key"])


def _me(url: str, key: str, times: int) -> None:
    for _ in range(times):
        assert httpx.get(f"{url}/api/v1/users/me", auth=(EMAIL, key), timeout=30).is_success


def _accepted_me_calls(url: str, key: str) -> int:
    listed = httpx.get(f"{url}/api/v1/users/me/keys", auth=(EMAIL, key), timeout=30).json()
    key_id = listed["keys"][0]["id"]
    usage = httpx.get(f"{url}/api/v1/users/me/keys/{key_id}/usage", auth=(EMAIL, key), timeout=30)
    routes = {entry["route"]: entry["calls"] for entry in usage.json()["routes"]}
    return int(routes.get("GET /api/v1/users/me", 0))


def test_a_killed_worker_loses_at_most_its_last_interval(tmp_path: Path) -> None:
    server = Server(tmp_path)
    with server.serving() as url:
        key = _register(url)
        _me(url, key, BEFORE)
        time.sleep(INTERVAL + 1.5)  # the timer has written them
        _me(url, key, AFTER)
        server.kill_workers(url)  # at once: within the interval of those AFTER calls
        counted = _accepted_me_calls(url, key)
    assert BEFORE <= counted <= BEFORE + AFTER
    assert counted < BEFORE + AFTER  # the killed worker's last interval was lost


def test_a_worker_stopped_as_usual_writes_every_count(tmp_path: Path) -> None:
    server = Server(tmp_path)
    with server.serving() as url:
        key = _register(url)
        _me(url, key, BEFORE)
    with server.serving() as url:  # stopped with SIGTERM above, as a deployment stops it
        assert _accepted_me_calls(url, key) == BEFORE
