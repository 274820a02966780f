"""`make soak`: 60 s of mixed traffic against `make serve` on PostgreSQL and Redis.

About 90% `users/me`, 5% regenerations, 5% pages (the account page, and now and then a
password confirmation and a key reveal), from several client processes, each a handful of
people with their own keys and browser sessions. It reports requests, errors (any status
other than the expected 200, 302 and 303), p50 and p99: a benchmark, not a test.

The database is KEYFOB_DATABASE_URL (PostgreSQL; default a `keyfob_soak` database on
127.0.0.1, created if missing, its schema rebuilt), the rate-limit store Redis on 127.0.0.1.
"""

import argparse
import multiprocessing
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import psycopg
from cryptography.fernet import Fernet
from sqlalchemy.engine import make_url

from tests.helpers.gunicorn import free_port, trusting_the_bind, wait_ready

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE = "postgresql+psycopg://postgres@127.0.0.1:5432/keyfob_soak"
PASSWORD = "soak-password-1234"
EXPECTED = {200, 302, 303}
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def main() -> int:
    options = _arguments()
    database = os.environ.get("KEYFOB_DATABASE_URL", DEFAULT_DATABASE)
    if not database.startswith("postgresql"):
        print("make soak runs on PostgreSQL: set KEYFOB_DATABASE_URL", file=sys.stderr)
        return 2
    _fresh_database(database)
    port = free_port()
    environment = _environment(database, port)
    with tempfile.TemporaryDirectory(prefix="keyfob-soak-") as workdir:
        log = Path(workdir, "serve.log")
        server = _serve(environment, log)
        try:
            url = f"http://127.0.0.1:{port}"
            wait_ready(server, url, log, path="/healthz", seconds=60)
            results = _drive(url, options)
        finally:
            server.terminate()
            server.wait(timeout=30)
        tracebacks = log.read_text(errors="replace").count("Traceback")
    _report(results, options, tracebacks)
    return 0


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="make soak", description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--processes", type=int, default=4, help="client processes")
    parser.add_argument("--people", type=int, default=4, help="people (threads) per process")
    return parser.parse_args()


def _fresh_database(url: str) -> None:
    parts = make_url(url)
    server = parts.set(drivername="postgresql", database="postgres").render_as_string(False)
    with psycopg.connect(server, autocommit=True) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (parts.database,)
        ).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{parts.database}"')  # our own fixed name
    target = parts.set(drivername="postgresql").render_as_string(False)
    with psycopg.connect(target, autocommit=True) as connection:
        connection.execute("DROP SCHEMA public CASCADE")
        connection.execute("CREATE SCHEMA public")


def _environment(database: str, port: int) -> dict[str, str]:
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("KEYFOB_")}
    return {
        **inherited,
        "KEYFOB_DATABASE_URL": database,
        "KEYFOB_SERVE_BIND": f"127.0.0.1:{port}",
        **trusting_the_bind(f"127.0.0.1:{port}"),  # the Host its clients send names the port
        "KEYFOB_RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379",
        "KEYFOB_RATELIMIT_KEY_PREFIX": f"soak-{port}",
        "KEYFOB_SECRET_KEY": os.urandom(24).hex(),
        "KEYFOB_KEY_PEPPER": os.urandom(24).hex(),
        "KEYFOB_KEY_ENCRYPTION_KEYS": Fernet.generate_key().decode("ascii"),
        # Every soak person registers from this one address.
        "KEYFOB_REGISTRATION_LIMIT_PER_IP": "100000 per hour",
        "KEYFOB_PASSWORD_LIMIT_PER_IP": "100000 per 30 minutes",
        "KEYFOB_INSTANCE_PATH": tempfile.mkdtemp(prefix="keyfob-soak-instance-"),
    }


def _serve(environment: dict[str, str], log: Path) -> "subprocess.Popen[bytes]":
    with log.open("wb") as output:
        return subprocess.Popen(
            ["make", "--no-print-directory", "serve"],
            cwd=ROOT,
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
        )


def _drive(url: str, options: argparse.Namespace) -> list[tuple[str, int, float]]:
    deadline_in = float(options.seconds)
    jobs = [(url, number, options.people, deadline_in) for number in range(options.processes)]
    with multiprocessing.get_context("spawn").Pool(options.processes) as pool:
        batches = pool.starmap(_client_process, jobs)
    return [sample for batch in batches for sample in batch]


def _client_process(url: str, number: int, people: int, seconds: float) -> list[Any]:
    persons = [_Person(url, f"soak{number}-{index}@example.com") for index in range(people)]
    deadline = time.monotonic() + seconds
    with ThreadPoolExecutor(people) as threads:
        runs = [
            threads.submit(person.run, deadline, number * 100 + i)
            for i, person in enumerate(persons)
        ]
        return [sample for run in runs for sample in run.result()]


class _Person:
    def __init__(self, url: str, email: str) -> None:
        self.url, self.email = url, email
        self.browser = httpx.Client(base_url=url, timeout=30)
        self._post_form("/register", email=email, full_name="Soak", confirm=PASSWORD)
        answer = httpx.post(
            f"{url}/api/v1/fetch_api_key", data={"username": email, "password": PASSWORD}
        )
        self.key = str(answer.json()["api_key"])
        self.api = httpx.Client(base_url=url + "/api/v1", timeout=30)

    def run(self, deadline: float, seed: int) -> list[tuple[str, int, float]]:
        chance, samples = random.Random(seed), []
        while time.monotonic() < deadline:
            roll = chance.random()
            kind = "users/me" if roll < 0.9 else "regenerate" if roll < 0.95 else "page"
            started = time.perf_counter()
            status = self._do(kind, chance)
            samples.append((kind, status, time.perf_counter() - started))
        return samples

    def _do(self, kind: str, chance: random.Random) -> int:
        if kind == "users/me":
            return self.api.get("/users/me", auth=(self.email, self.key)).status_code
        if kind == "regenerate":
            answer = self.api.post("/users/me/api_key/regenerate", auth=(self.email, self.key))
            if answer.status_code == 200:
                self.key = str(answer.json()["api_key"])
            return answer.status_code
        if chance.random() < 0.2:  # now and then: the key, after the password step if asked
            return self._reveal()
        return self.browser.get("/settings/account").status_code

    def _reveal(self) -> int:
        page = self.browser.get("/settings/account/api-key")
        found = CSRF.search(page.text)
        if found is None:  # the password step is still open: the page shows the key
            return page.status_code
        data = {"password": PASSWORD, "csrf_token": found.group(1)}
        return self.browser.post("/settings/account/api-key", data=data).status_code

    def _post_form(self, path: str, **fields: str) -> httpx.Response:
        found = CSRF.search(self.browser.get(path).text)
        token = found.group(1) if found else ""
        return self.browser.post(path, data={"password": PASSWORD, "csrf_token": token, **fields})


def _report(
    samples: list[tuple[str, int, float]], options: argparse.Namespace, tracebacks: int
) -> None:
    statuses = Counter(status for _, status, _ in samples)
    errors = sum(count for status, count in statuses.items() if status not in EXPECTED)
    print(
        f"\nKeyfob soak: make serve on PostgreSQL and Redis, {options.processes} client "
        f"processes x {options.people} people, {options.seconds} s\n"
    )
    print(f"{'traffic':<14}{'requests':>10}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}")
    for kind in ("users/me", "regenerate", "page", "all"):
        times = sorted(t for k, _, t in samples if kind in (k, "all"))
        if not times:
            continue
        p50 = statistics.median(times) * 1000
        p99 = times[min(len(times) - 1, int(len(times) * 0.99))] * 1000
        rate = len(times) / options.seconds
        print(f"{kind:<14}{len(times):>10,}{rate:>9,.0f}{p50:>9.2f}{p99:>9.2f}")
    print(
        f"\nstatuses: {dict(sorted(statuses.items()))}; errors: {errors}; "
        f"tracebacks in the server log: {tracebacks}"
    )


if __name__ == "__main__":
    sys.exit(main())
