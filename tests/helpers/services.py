"""Real services a test starts, stops and starts again, to see what Keyfob does when they
go away: a private Redis, and a private PostgreSQL cluster, on free loopback ports."""

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

START_SECONDS = 10


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _answers(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
    except OSError:
        return False
    return True


class PrivateRedis:
    """A redis-server of the test's own, which keeps nothing on disk."""

    def __init__(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            pytest.skip("no redis-server (apt-get install redis-server)")
        self.binary, self.port = binary, free_port()
        self.url = f"redis://127.0.0.1:{self.port}"
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self._process = subprocess.Popen(
            [
                self.binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + START_SECONDS
        while not _answers(self.port):
            assert time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.05)

    def stop(self) -> None:
        if self._process is not None:
            self._process.terminate()
            self._process.wait(timeout=START_SECONDS)
            self._process = None


@contextmanager
def private_redis() -> Iterator[PrivateRedis]:
    redis = PrivateRedis()
    redis.start()
    try:
        yield redis
    finally:
        redis.stop()


POSTGRES_BIN = Path("/usr/lib/postgresql")


class PrivatePostgres:
    """A PostgreSQL cluster of the test's own (initdb as the postgres user, a free loopback
    port, a socket folder of its own), which the test can stop and start again."""

    def __init__(self) -> None:
        tools = sorted(POSTGRES_BIN.glob("*/bin/pg_ctl"))
        if not tools or shutil.which("runuser") is None:
            pytest.skip("no PostgreSQL server binaries (apt-get install postgresql)")
        self._bin = tools[-1].parent
        self.port = free_port()
        # Under /tmp, not pytest's tmp_path: the postgres user must be able to reach it.
        self.folder = Path(tempfile.mkdtemp(prefix="keyfob-pg-"))
        self._data = self.folder / "data"
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres")
        self._as_postgres(self._bin / "initdb", "-D", self._data, "-A", "trust", "-U", "postgres")
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def start(self) -> None:
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.folder}"
        self._as_postgres(self._bin / "pg_ctl", "-D", self._data, "-o", options, "-w", "start")

    def stop(self) -> None:
        self._as_postgres(self._bin / "pg_ctl", "-D", self._data, "-m", "fast", "-w", "stop")

    def _as_postgres(self, *command: object) -> None:
        as_root = os.geteuid() == 0
        prefix = ["runuser", "-u", "postgres", "--"] if as_root else []
        subprocess.run(
            [*prefix, *map(str, command)],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=60,
        )


@contextmanager
def private_postgres() -> Iterator[PrivatePostgres]:
    server = PrivatePostgres()
    try:
        server.start()
        yield server
    finally:
        with contextlib.suppress(subprocess.CalledProcessError):
            server.stop()
        shutil.rmtree(server.folder, ignore_errors=True)


def redis_answers(port: int = 6379) -> bool:
    """Whether the machine's own Redis answers on loopback."""
    return _answers(port)
