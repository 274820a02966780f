"""Serving under gunicorn and driving with wrk, for `make bench`."""

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from bench import cpu

HERE = Path(__file__).parent
SERVERS: dict[str, int] = {}  # a served URL: its gunicorn's pid, for its CPU time


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def gunicorn(
    target: str, settings: Mapping[str, str] | None = None, *, workers: int = 2, threads: int = 4
) -> Iterator[str]:
    """``target`` served by gunicorn (2 workers x 4 gthreads unless told) on a free port;
    its URL."""
    port = _free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--config",
            "python:bench.gunicorn_defaults",
            "--workers",
            str(workers),
            "--worker-class",
            "gthread",
            "--threads",
            str(threads),
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            target,
        ],
        cwd=HERE.parent,
        # wrk's Host names the port, which the app serves only when told (app/core/hosts.py).
        env={**os.environ, "KEYFOB_TRUSTED_HOSTS": f"127.0.0.1:{port}", **(settings or {})},
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        else:
            raise RuntimeError(f"gunicorn did not start for {target}")
        url = f"http://127.0.0.1:{port}"
        SERVERS[url] = server.pid
        yield url
    finally:
        SERVERS.pop(f"http://127.0.0.1:{port}", None)
        server.terminate()
        server.wait(timeout=30)


def wrk(
    url: str,
    path: str,
    tokens: Path | None,
    *,
    seconds: int,
    connections: int,
    expect_errors: bool = False,
    headers: Mapping[str, str] | None = None,
) -> dict[str, float]:
    """One wrk run (after a one-second warm-up): requests a second, p50 and p99 in ms, and
    the server's CPU per request in ms (gunicorn's processes, and PostgreSQL's when the
    database is PostgreSQL; the database's share also alone). ``headers``: sent with every
    request, beside the credentials."""
    command = ["wrk", "-t2", f"-c{connections}", "-s", str(HERE / "wrk.lua")]
    command += [
        flag for name, value in (headers or {}).items() for flag in ("-H", f"{name}: {value}")
    ]
    extra = ["--", str(tokens)] if tokens else []
    subprocess.run([*command, "-d1s", url + path, *extra], capture_output=True, check=True)
    cpu_before, db_before = _server_cpu(url), _database_cpu()
    run = subprocess.run(
        [*command, f"-d{seconds}s", url + path, *extra],
        capture_output=True,
        text=True,
        check=True,
    )
    db_seconds = _database_cpu() - db_before
    cpu_seconds = _server_cpu(url) - cpu_before + db_seconds
    line = next(row for row in run.stdout.splitlines() if row.startswith("RESULT "))
    result = json.loads(line.removeprefix("RESULT "))
    if result["errors"] or (result["non2xx"] and not expect_errors):
        raise RuntimeError(f"{url + path}: {result['non2xx']} non-2xx, {result['errors']} errors")
    return {
        "rps": result["requests"] / (result["duration_us"] / 1e6),
        "p50_ms": result["p50_us"] / 1000,
        "p99_ms": result["p99_us"] / 1000,
        "cpu_ms": cpu_seconds * 1000 / max(1, result["requests"]),
        "db_cpu_ms": db_seconds * 1000 / max(1, result["requests"]),
    }


def _server_cpu(url: str) -> float:
    """CPU seconds so far of the server at ``url``."""
    return cpu.tree_seconds(SERVERS[url]) if url in SERVERS else 0.0


def _database_cpu() -> float:
    """CPU seconds so far of the database server (PostgreSQL's; SQLite's is the app's)."""
    if os.environ.get("KEYFOB_DATABASE_URL", "").startswith("postgresql"):
        return cpu.named_seconds("postgres")
    return 0.0
