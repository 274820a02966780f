"""`make bench`: key authentication under gunicorn, against a minimal Flask app.

Seeds --keys users with keys (default 100,000) into a fresh SQLite database (or into the
database KEYFOB_DATABASE_URL names: Keyfob's tables there are emptied first), serves the
app under gunicorn (2 workers, gthread) and drives it with wrk from a separate process,
presenting a pool of distinct valid keys in turn. The ceiling is bench/ceiling.py, one
JSON route with no auth and no database, served the same way in the same run.

Seeded keys count as used a moment ago (steady use), so the runs measure the read path
and not the once-a-minute `last_used_at` write of a key's first use. The key-guessing
limit is raised so the malformed-key run measures rejection, not 429s.
"""

import argparse
import base64
import json
import os
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet
from sqlalchemy import insert, text, update

from app import create_app, db
from app.keystore import keystore
from app.models import ApiKey, Base, User
from keyfob_client import keyformat

HERE = Path(__file__).parent
TARGETS = {"sqlite": 0.85, "postgresql": 0.6}
BATCH = 5000


def main() -> int:
    options = _arguments()
    if shutil.which("wrk") is None:
        print("make bench needs wrk (Debian: apt-get install wrk)", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="keyfob-bench-") as workdir:
        _configure(Path(workdir))
        app = create_app()
        backend = app.extensions["keyfob.engine"].dialect.name
        _reset(app)
        tokens = _seed(app, 0, options.keys_small)
        pool = Path(workdir, "tokens")
        pool.write_text("\n".join(tokens[: options.pool]) + "\n")
        malformed = Path(workdir, "malformed")
        malformed.write_text(_basic("user1@bench.invalid", _broken_key()) + "\n")
        small = f"users/me @ {options.keys_small:,} keys"
        big = f"users/me @ {options.keys:,} keys"
        with _gunicorn("app:create_app()") as app_url, _gunicorn("bench.ceiling:app") as ceiling:
            # Each round measures every scenario once, so drift on a shared machine hits
            # them all alike; the report takes the median round.
            rounds = _rounds(options, {small: lambda: _wrk(app_url, options, pool)})
            _seed(app, options.keys_small, options.keys - options.keys_small)
            _mark_recently_used(app)
            rounds.update(
                _rounds(
                    options,
                    {
                        big: lambda: _wrk(app_url, options, pool),
                        "server_settings (no auth)": lambda: _wrk(
                            app_url, options, None, "/api/v1/server_settings"
                        ),
                        "malformed key": lambda: _wrk(
                            app_url, options, malformed, expect_errors=True
                        ),
                        "ceiling: minimal Flask": lambda: _wrk(
                            ceiling, options, None, "/api/v1/server_settings"
                        ),
                    },
                )
            )
        _report({name: _median(runs) for name, runs in rounds.items()}, options, backend)
    return 0


def _rounds(
    options: argparse.Namespace, scenarios: dict[str, Callable[[], dict[str, float]]]
) -> dict[str, list[dict[str, float]]]:
    runs: dict[str, list[dict[str, float]]] = {name: [] for name in scenarios}
    for _ in range(options.rounds):
        for name, measure in scenarios.items():
            runs[name].append(measure())
    return runs


def _median(runs: list[dict[str, float]]) -> dict[str, float]:
    return {field: statistics.median(run[field] for run in runs) for field in runs[0]}


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--keys", type=int, default=100_000, help="keys to seed (default 100,000)")
    parser.add_argument("--pool", type=int, default=1000, help="distinct keys presented")
    parser.add_argument("--duration", type=int, default=5, help="seconds per measurement")
    parser.add_argument("--rounds", type=int, default=3, help="measurements per scenario")
    parser.add_argument("--connections", type=int, default=16)
    options = parser.parse_args()
    if options.keys < 2:
        parser.error("--keys must be at least 2")
    options.keys_small = min(1000, options.keys // 2)
    options.pool = min(options.pool, options.keys_small)
    return options


def _configure(workdir: Path) -> None:
    """Settings shared by the seeding process and the gunicorn workers."""
    os.environ.update(
        {
            "KEYFOB_INSTANCE_PATH": str(workdir / "instance"),
            "KEYFOB_SECRET_KEY": secrets.token_urlsafe(32),
            "KEYFOB_KEY_PEPPER": secrets.token_urlsafe(32),
            "KEYFOB_KEY_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
            # The malformed-key run measures the rejection path, not the guess limiter's 429.
            "KEYFOB_KEY_GUESS_LIMIT_PER_IP": "100000000 per minute",
        }
    )


def _reset(app: object) -> None:
    engine = app.extensions["keyfob.engine"]  # type: ignore[attr-defined]
    with engine.begin() as connection:
        Base.metadata.drop_all(connection)
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
    db.upgrade(engine)


def _seed(app: object, start: int, count: int) -> list[str]:
    """Insert ``count`` users with keys; return Basic tokens for them."""
    tokens: list[str] = []
    now = datetime.now(UTC)
    with app.app_context():  # type: ignore[attr-defined]
        engine = db.engine()
        for offset in range(start, start + count, BATCH):
            ids = range(offset + 1, min(offset + BATCH, start + count) + 1)
            minted = {i: keyformat.generate(keyformat.USER_PREFIX) for i in ids}
            with engine.begin() as connection:
                connection.execute(
                    insert(User),
                    [
                        {
                            "id": i,
                            "email": f"user{i}@bench.invalid",
                            "full_name": f"User {i}",
                            "is_bot": False,
                            "is_active": True,
                            "created_at": now,
                        }
                        for i in ids
                    ],
                )
                connection.execute(
                    insert(ApiKey),
                    [
                        {"user_id": i, "created_at": now, "last_used_at": now}
                        | keystore().stored_form(minted[i])
                        for i in ids
                    ],
                )
            tokens.extend(_basic(f"user{i}@bench.invalid", minted[i]) for i in ids)
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            connection.execute(text("SELECT setval('users_id_seq', (SELECT max(id) FROM users))"))
            connection.execute(text("ANALYZE"))
    return tokens


def _mark_recently_used(app: Any) -> None:
    """Keys count as used a moment ago, as in steady use: `last_used_at` is written once a
    minute per key, so both phases measure the read path rather than a burst of first uses."""
    with app.app_context(), db.engine().begin() as connection:
        connection.execute(update(ApiKey).values(last_used_at=datetime.now(UTC)))


def _basic(email: str, key: str) -> str:
    return base64.b64encode(f"{email}:{key}".encode()).decode()


def _broken_key() -> str:
    key = keyformat.generate(keyformat.USER_PREFIX)
    return key[:-1] + ("A" if key[-1] != "A" else "B")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def _gunicorn(target: str) -> Iterator[str]:
    port = _free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--config",
            "python:bench.gunicorn_defaults",
            "--workers",
            "2",
            "--worker-class",
            "gthread",
            "--threads",
            "4",
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            target,
        ],
        cwd=HERE.parent,
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
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=30)


def _wrk(
    url: str,
    options: argparse.Namespace,
    tokens: Path | None,
    path: str = "/api/v1/users/me",
    expect_errors: bool = False,
) -> dict[str, float]:
    script = ["-s", str(HERE / "wrk.lua")]
    command = ["wrk", "-t2", f"-c{options.connections}", *script]
    extra = ["--", str(tokens)] if tokens else []
    subprocess.run([*command, "-d1s", url + path, *extra], capture_output=True, check=True)
    run = subprocess.run(
        [*command, f"-d{options.duration}s", url + path, *extra],
        capture_output=True,
        text=True,
        check=True,
    )
    line = next(row for row in run.stdout.splitlines() if row.startswith("RESULT "))
    result = json.loads(line.removeprefix("RESULT "))
    if result["errors"] or (result["non2xx"] and not expect_errors):
        raise RuntimeError(f"{url + path}: {result['non2xx']} non-2xx, {result['errors']} errors")
    return {
        "rps": result["requests"] / (result["duration_us"] / 1e6),
        "p50_ms": result["p50_us"] / 1000,
        "p99_ms": result["p99_us"] / 1000,
    }


def _report(
    results: dict[str, dict[str, float]], options: argparse.Namespace, backend: str
) -> None:
    print(
        f"\nKeyfob bench on {backend}: gunicorn 2 workers (gthread), wrk -t2 "
        f"-c{options.connections}, {options.duration}s each, median of {options.rounds} rounds, "
        f"{options.pool} distinct keys\n"
    )
    print(f"{'scenario':32} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8}")
    for name, row in results.items():
        print(f"{name:32} {row['rps']:9.0f} {row['p50_ms']:8.2f} {row['p99_ms']:8.2f}")
    big = results[f"users/me @ {options.keys:,} keys"]
    small = results[f"users/me @ {options.keys_small:,} keys"]
    ratio = big["rps"] / results["ceiling: minimal Flask"]["rps"]
    unauth = results["server_settings (no auth)"]["rps"]
    growth = big["p50_ms"] / small["p50_ms"] - 1
    target = TARGETS.get(backend, 0.6)
    print(
        f"\nusers/me / ceiling:        {ratio:.3f}  (target >= {target}: "
        f"{'met' if ratio >= target else 'MISSED'})"
    )
    print(f"users/me / server_settings: {big['rps'] / unauth:.3f}")
    print(
        f"p50 at {options.keys:,} keys vs {options.keys_small:,}: {growth:+.1%}  "
        f"(target within 10%: {'met' if abs(growth) <= 0.10 else 'MISSED'})"
    )


if __name__ == "__main__":
    sys.exit(main())
