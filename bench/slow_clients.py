"""`make bench-slow`: slow clients against bare gunicorn, then against nginx in front of it.

Starts gunicorn with gunicorn.conf.py (the workers and threads it picks for this machine) on
SQLite in a temporary instance folder and Redis on 127.0.0.1 (several workers need a shared
rate-limit store). N slow clients each send a POST's headers with a Content-Length of 1000
and then one body byte every 3 s; meanwhile one legitimate client asks GET
/api/v1/server_settings, one request after another, each with a 5 s timeout, for 20 s. The
same again with nginx on loopback in front, its configuration derived from docs/nginx.conf
(without TLS; every buffering and timeout directive as in the sample). Everything started is
stopped at the end. A benchmark, not a test; loopback only.
"""

import argparse
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from app.ops import serving
from tests.helpers.gunicorn import (
    environment,
    free_port,
    gunicorn_command,
    running,
    shared_secrets,
    stop,
    wait_ready,
)

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "docs" / "nginx.conf"
LEGIT_PATH = "/api/v1/server_settings"
SLOW_PATH = "/api/v1/fetch_api_key"  # a POST whose body the app reads (form fields)
CONTENT_LENGTH = 1000
# The directives that decide whether nginx absorbs a slow client: the bench's config must
# carry each exactly as the sample states it.
BUFFERING = (
    "client_max_body_size",
    "client_body_timeout",
    "client_header_timeout",
    "proxy_request_buffering",
    "proxy_buffering",
    "proxy_http_version",
    "proxy_read_timeout",
    "keepalive",
)
NO_NGINX = "nginx is not installed (apt-get install nginx): the run behind nginx is skipped"


@dataclass(frozen=True)
class Options:
    slow_clients: int
    seconds: float
    interval: float
    timeout: float


@dataclass(frozen=True)
class Outcome:
    setup: str
    answered: int
    timed_out: int
    failed: int
    latencies: list[float]
    slow_held: int  # slow clients whose connection was still open at the end
    slow_clients: int


def main() -> int:
    options = _arguments()
    print(
        f"Keyfob slow clients: gunicorn.conf.py with {serving.workers()} workers x "
        f"{serving.threads()} threads ({os.cpu_count()} CPUs); {options.slow_clients} slow "
        f"clients each sending a {CONTENT_LENGTH}-byte body one byte every "
        f"{options.interval:g} s; GET {LEGIT_PATH} one after another, {options.timeout:g} s "
        f"timeout each, for {options.seconds:g} s\n",
        flush=True,
    )
    outcomes: list[Outcome] = []
    with tempfile.TemporaryDirectory(prefix="keyfob-slow-") as workdir:
        folder = Path(workdir)
        with _gunicorn(folder) as (backend, port):
            outcomes.append(_measure("gunicorn alone", backend, options))
            nginx = shutil.which("nginx")
            if nginx is None:
                print(NO_NGINX, file=sys.stderr)
            else:
                with _nginx(nginx, folder, port) as front:
                    outcomes.append(_measure("nginx in front", front, options))
    _report(outcomes)
    return 0


def _arguments() -> Options:
    parser = argparse.ArgumentParser(prog="make bench-slow", description=__doc__.split("\n")[0])
    parser.add_argument("--slow-clients", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=20.0, help="legitimate traffic")
    parser.add_argument("--interval", type=float, default=3.0, help="between two body bytes")
    parser.add_argument("--timeout", type=float, default=5.0, help="per legitimate request")
    parsed = parser.parse_args()
    if not 1 <= parsed.slow_clients <= 200 or not 1 <= parsed.seconds <= 600:
        parser.error("--slow-clients must be 1 to 200, --seconds 1 to 600")
    return Options(parsed.slow_clients, parsed.seconds, parsed.interval, parsed.timeout)


@contextmanager
def _gunicorn(folder: Path) -> Iterator[tuple[str, int]]:
    """gunicorn.conf.py on SQLite and the local Redis, ready to answer; stopped afterwards."""
    port = free_port()
    settings = {
        **shared_secrets(),
        "KEYFOB_SERVE_BIND": f"127.0.0.1:{port}",
        "KEYFOB_DATABASE_URL": f"sqlite:///{folder / 'keyfob.sqlite3'}",
        "KEYFOB_RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379",
        "KEYFOB_RATELIMIT_KEY_PREFIX": f"bench-slow-{port}",
    }
    env = environment(folder / "instance", settings)
    with running(gunicorn_command(), env, port, folder / "gunicorn.log") as url:
        yield url, port


# -- nginx -----------------------------------------------------------------------------------


def nginx_site(sample: str, listen_port: int, upstream_port: int, access_log: Path) -> str:
    """docs/nginx.conf's Keyfob part for plain HTTP on loopback: the HTTPS redirect and the
    TLS lines dropped, the addresses and the log paths replaced; everything else as written."""
    site = re.sub(r"server \{\s*listen 80;.*?\n\}\n", "", sample, count=1, flags=re.DOTALL)
    tls = r"^\s*(ssl_\w+|http2|add_header Strict-Transport-Security)\b.*\n"
    site = re.sub(tls, "", site, flags=re.MULTILINE)
    site = site.replace("listen 443 ssl;", f"listen 127.0.0.1:{listen_port};")
    site = site.replace("server 127.0.0.1:8000;", f"server 127.0.0.1:{upstream_port};")
    site = re.sub(r"access_log \S+ keyfob;", f"access_log {access_log} keyfob;", site)
    error_log = access_log.parent / "keyfob.error.log"
    site = re.sub(r"error_log \S+ crit;", f"error_log {error_log} crit;", site)
    for name in BUFFERING:
        if _directives(site, name) != _directives(sample, name) or not _directives(site, name):
            raise SystemExit(f"the bench's nginx config lost or changed {name} from {SAMPLE}")
    return site


def _directives(config: str, name: str) -> list[str]:
    return re.findall(rf"^\s*{name}\s+([^;]*);", config, flags=re.MULTILINE)


def _nginx_config(folder: Path, site: str) -> str:
    return (
        f"daemon off;\nworker_processes 1;\npid {folder / 'nginx.pid'};\n"
        f"error_log {folder / 'error.log'} warn;\n"
        "events { worker_connections 1024; }\n"
        "http {\n"
        f"    client_body_temp_path {folder / 'body'};\n"
        f"    proxy_temp_path {folder / 'proxy'};\n"
        f"    fastcgi_temp_path {folder / 'fastcgi'};\n"
        f"    uwsgi_temp_path {folder / 'uwsgi'};\n"
        f"    scgi_temp_path {folder / 'scgi'};\n"
        f"{site}\n}}\n"
    )


@contextmanager
def _nginx(nginx: str, workdir: Path, upstream_port: int) -> Iterator[str]:
    """nginx on a loopback port in front of ``upstream_port``, ready; stopped afterwards."""
    folder = workdir / "nginx"
    folder.mkdir()
    # nginx's workers drop root for an unprivileged user, who must reach the temp folders.
    for path in (workdir, folder):
        path.chmod(0o755)
    port = free_port()
    site = nginx_site(SAMPLE.read_text(), port, upstream_port, folder / "access.log")
    config = folder / "nginx.conf"
    config.write_text(_nginx_config(folder, site))
    command = [nginx, "-p", str(folder), "-c", str(config)]
    checked = subprocess.run([*command, "-t"], capture_output=True, text=True, timeout=30)
    if checked.returncode != 0:
        raise SystemExit(f"nginx refused the derived config:\n{checked.stderr}")
    log = folder / "nginx.out"
    with log.open("wb") as output:
        process = subprocess.Popen(
            command, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        url = f"http://127.0.0.1:{port}"
        wait_ready(process, url, log, path=LEGIT_PATH)
        yield url
    finally:
        stop(process)


# -- the measurement -------------------------------------------------------------------------


def _measure(setup: str, url: str, options: Options) -> Outcome:
    seconds = f"{options.seconds:g} s"
    print(
        f"{setup}: {options.slow_clients} slow clients, then {seconds} of legitimate requests",
        flush=True,
    )
    port = int(url.rsplit(":", 1)[1])
    done = threading.Event()
    held: list[int] = []
    trickler = threading.Thread(
        target=lambda: held.append(_trickle(port, options, done)), daemon=True
    )
    trickler.start()
    try:
        time.sleep(min(1.0, options.interval))  # the slow clients connect and send headers
        answered, timed_out, failed, latencies = _legitimate(url, options)
    finally:
        done.set()
        trickler.join(timeout=options.interval + 10)
    return Outcome(
        setup, answered, timed_out, failed, latencies, held[0] if held else 0, options.slow_clients
    )


def _trickle(port: int, options: Options, done: threading.Event) -> int:
    """Open the slow clients, send each one body byte every ``options.interval`` seconds until
    ``done`` (or the body is complete, or the time is up); return how many were still open."""
    head = (
        f"POST {SLOW_PATH} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\n"
        f"Content-Length: {CONTENT_LENGTH}\r\n\r\n"
    ).encode("ascii")
    sockets: list[socket.socket] = []
    try:
        for _ in range(options.slow_clients):
            client = socket.create_connection(("127.0.0.1", port), timeout=5)
            client.sendall(head)
            sockets.append(client)
        open_ = list(sockets)
        limit = time.monotonic() + options.seconds + 2 * options.timeout + 30
        for _ in range(CONTENT_LENGTH - 1):  # never the last byte: the body stays incomplete
            if done.wait(options.interval) or time.monotonic() > limit or not open_:
                break
            open_ = [client for client in open_ if _send_byte(client)]
        return sum(1 for client in open_ if _still_open(client))
    finally:
        for client in sockets:
            client.close()


def _send_byte(client: socket.socket) -> bool:
    try:
        client.sendall(b"x")
        return True
    except OSError:  # the server (or proxy) gave up on this client
        return False


def _still_open(client: socket.socket) -> bool:
    """No answer and no close from the other end yet."""
    client.setblocking(False)
    try:
        client.recv(1)  # an answer, or b"" for a close: either way no longer held
    except BlockingIOError:
        return True
    except OSError:
        return False
    return False


def _legitimate(url: str, options: Options) -> tuple[int, int, int, list[float]]:
    """Requests one after another until ``options.seconds`` are up: answered (200), timed out,
    failed otherwise, and the answered ones' latencies."""
    answered = timed_out = failed = 0
    latencies: list[float] = []
    deadline = time.monotonic() + options.seconds
    for _ in range(1_000_000):
        if time.monotonic() >= deadline:
            break
        started = time.perf_counter()
        try:
            response = httpx.get(url + LEGIT_PATH, timeout=options.timeout)
        except httpx.TimeoutException:
            timed_out += 1
            continue
        except httpx.TransportError:
            failed += 1
            time.sleep(0.1)
            continue
        if response.status_code == 200:
            answered += 1
            latencies.append(time.perf_counter() - started)
        else:
            failed += 1
    return answered, timed_out, failed, latencies


def _report(outcomes: list[Outcome]) -> None:
    print(
        f"\n{'setup':<16}{'answered':>10}{'timed out':>11}{'failed':>8}{'p50 ms':>9}"
        f"{'max ms':>9}{'slow held':>11}"
    )
    for row in outcomes:
        p50 = f"{statistics.median(row.latencies) * 1000:.1f}" if row.latencies else "-"
        worst = f"{max(row.latencies) * 1000:.1f}" if row.latencies else "-"
        print(
            f"{row.setup:<16}{row.answered:>10}{row.timed_out:>11}{row.failed:>8}{p50:>9}"
            f"{worst:>9}{f'{row.slow_held}/{row.slow_clients}':>11}"
        )
    print(
        "\nslow held: slow clients whose connection was still open, unanswered, at the end "
        "(held by gunicorn's threads, or by nginx)"
    )


if __name__ == "__main__":
    sys.exit(main())
