"""`make bench`: key authentication under gunicorn, against a bare Flask route and against the
minimal key check, side by side in one run.

Seeds --keys users with keys (default 1,000,000) into a fresh SQLite database (or into the
database KEYFOB_DATABASE_URL names: its schema is dropped and rebuilt first), serves the app
under gunicorn (2 workers x 4 gthreads) and drives it with wrk from a separate process,
presenting a pool of distinct valid keys in turn. Beside it, served the same way: the
ceiling (bench/ceiling.py, one JSON route with no auth and no database), the minimal design
(bench/minimal.py: HMAC, one SELECT on a per-thread connection) and Keyfob with its verified
keys turned off (every key looked up); and the forward-auth check a proxy asks (a valid key,
a key without the route's scope, a malformed key), each asked about sending a message. Each
round measures every scenario once; the report takes the median round, and the spread across
rounds.

The pool's keys were last used over the past minute, evenly (bench/seed.py), so every round
includes the once-a-minute `last_used_at` writes of steady use. The key-guessing limit is
raised so the malformed-key run measures rejection, not 429s.
"""

import argparse
import os
import secrets
import shutil
import statistics
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from cryptography.fernet import Fernet

from app import create_app
from bench import seed
from bench.drive import gunicorn, wrk

KEYFOB = "app:create_app()"
TARGETS = {"sqlite": 0.85, "postgresql": 0.6}
NO_AUTH_TARGET = 0.95  # server_settings and a malformed key, to the ceiling
CHECK_TARGET = 0.95  # the check with a valid key, to the minimal key check (SQLite)
CHECK_CPU_TARGET = 1.05  # its CPU per request, database's included, to the minimal's (PostgreSQL)
CEILING, MINIMAL = "ceiling: bare Flask route", "minimal key check (HMAC + SELECT)"
SERVER_SETTINGS, MALFORMED = "server_settings (no auth)", "malformed key"
CHECK_VALID, CHECK_SCOPE, CHECK_MALFORMED = (
    "check: valid key",
    "check: refused scope",
    "check: malformed key",
)
# What the proxy asks the check about: a message sent to the platform (nginx's headers).
SEND_A_MESSAGE = {"X-Original-Method": "POST", "X-Original-URI": "/api/v1/messages"}
Runs = dict[str, list[dict[str, float]]]


def main() -> int:
    options = _arguments()
    if shutil.which("wrk") is None:
        print("make bench needs wrk (Debian: apt-get install wrk)", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="keyfob-bench-") as workdir:
        _configure(Path(workdir))
        app = create_app()
        backend = app.extensions["keyfob.engine"].dialect.name
        seed.reset(app)
        tokens = seed.users_with_keys(app, 0, options.keys_small)
        seed.spread_last_uses(app, options.pool)
        pool = Path(workdir, "tokens")
        pool.write_text("\n".join(tokens[: options.pool]) + "\n")
        malformed = Path(workdir, "malformed")
        malformed.write_text(seed.basic("user1@bench.invalid", seed.broken_key()) + "\n")
        small, big = (f"users/me @ {count:,} keys" for count in (options.keys_small, options.keys))
        uncached = f"users/me @ {options.keys:,}, verified keys off"
        narrowed = f"users/me @ {options.keys:,}, scoped, network-limited"
        narrowed_pool = Path(workdir, "narrowed")
        with (
            gunicorn(KEYFOB) as keyfob,
            gunicorn(KEYFOB, {"KEYFOB_VERIFIED_KEY_CACHE_SIZE": "0"}) as lookup_every_key,
            gunicorn("bench.minimal:app") as minimal,
            gunicorn("bench.ceiling:app") as ceiling,
        ):

            def drive(
                url: str,
                path: str = "/api/v1/users/me",
                tokens: Path | None = pool,
                errors: bool = False,
                headers: dict[str, str] | None = None,
            ) -> Callable[[], dict[str, float]]:
                return lambda: wrk(
                    url, path, tokens, seconds=options.duration,
                    connections=options.connections, expect_errors=errors, headers=headers,
                )  # fmt: skip

            def check(tokens: Path, errors: bool = False) -> Callable[[], dict[str, float]]:
                """The forward-auth check, asked about sending a message."""
                path = "/api/v1/forward_auth"
                return drive(keyfob, path, tokens, errors, SEND_A_MESSAGE)

            runs = _rounds(options, {small: drive(keyfob)})
            rest = seed.users_with_keys(app, options.keys_small, options.keys - options.keys_small)
            seed.spread_last_uses(app, options.pool)
            # Another pool of as many keys, each a script's: scoped and network-limited.
            first, count = options.keys_small + 1, min(options.pool, len(rest))
            seed.restrict(app, first, count, scopes="profile:read", networks="127.0.0.0/8")
            seed.spread_last_uses(app, count, first)
            narrowed_pool.write_text("\n".join(rest[:count]) + "\n")
            runs.update(
                _rounds(
                    options,
                    {
                        big: drive(keyfob),
                        narrowed: drive(keyfob, tokens=narrowed_pool),
                        uncached: drive(lookup_every_key),
                        MINIMAL: drive(minimal),
                        SERVER_SETTINGS: drive(keyfob, "/api/v1/server_settings", None),
                        MALFORMED: drive(keyfob, tokens=malformed, errors=True),
                        CHECK_VALID: check(pool),
                        CHECK_SCOPE: check(narrowed_pool, errors=True),  # profile:read only
                        CHECK_MALFORMED: check(malformed, errors=True),
                        CEILING: drive(ceiling, "/api/v1/server_settings", None),
                    },
                )
            )
        _report(runs, options, backend, small, big, narrowed)
    return 0


def _rounds(
    options: argparse.Namespace, scenarios: dict[str, Callable[[], dict[str, float]]]
) -> Runs:
    runs: Runs = {name: [] for name in scenarios}
    for _ in range(options.rounds):
        for name, measure in scenarios.items():
            runs[name].append(measure())
    return runs


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--keys", type=int, default=1_000_000, help="keys (default 1,000,000)")
    parser.add_argument("--pool", type=int, default=1000, help="distinct keys presented")
    parser.add_argument("--duration", type=int, default=5, help="seconds per measurement")
    # Five: this machine is a shared VM whose throughput now and then drops by half for a few
    # seconds; the median of five shrugs off two such rounds.
    parser.add_argument("--rounds", type=int, default=5, help="measurements per scenario")
    parser.add_argument("--connections", type=int, default=16)
    options = parser.parse_args()
    if options.keys < 2:
        parser.error("--keys must be at least 2")
    options.keys_small = min(1000, options.keys // 2)
    options.pool = min(options.pool, options.keys_small)
    return options


def _configure(workdir: Path) -> None:
    """Settings shared by the seeding process and every gunicorn worker."""
    os.environ.update(
        {
            "KEYFOB_INSTANCE_PATH": str(workdir / "instance"),
            "KEYFOB_SECRET_KEY": secrets.token_urlsafe(32),
            "KEYFOB_KEY_PEPPER": secrets.token_urlsafe(32),
            "KEYFOB_KEY_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
            # The malformed-key run measures rejection, not the guess limiter's 429.
            "KEYFOB_KEY_GUESS_LIMIT_PER_IP": "100000000 per minute",
        }
    )


def _report(
    runs: Runs, options: argparse.Namespace, backend: str, small: str, big: str, narrowed: str
) -> None:
    median = {
        name: {f: statistics.median(r[f] for r in rows) for f in rows[0]}
        for name, rows in runs.items()
    }
    print(
        f"\nKeyfob bench on {backend}: gunicorn 2 workers x 4 gthreads, wrk -t2 "
        f"-c{options.connections}, {options.duration} s each, median of {options.rounds} "
        f"interleaved rounds, {options.pool:,} distinct keys\n"
    )
    print(
        f"{'scenario':42} {'req/s':>8} {'best':>8} {'spread':>7} {'x ceil':>7}"
        f" {'p50 ms':>7} {'p99 ms':>7} {'cpu ms':>7} {'of db':>7}"
    )
    ceiling = median[CEILING]["rps"]
    for name, row in median.items():
        best = max(run["rps"] for run in runs[name])
        print(
            f"{name:42} {row['rps']:8.0f} {best:8.0f} {_spread(runs[name]):7.1%}"
            f" {row['rps'] / ceiling:7.3f} {row['p50_ms']:7.2f} {row['p99_ms']:7.2f}"
            f" {row['cpu_ms']:7.3f} {row['db_cpu_ms']:7.3f}"
        )
    print("\nEach round, req/s:")
    for name, rows in runs.items():
        print(f"  {name:40} " + " ".join(f"{row['rps']:6.0f}" for row in rows))
    growth = median[big]["p50_ms"] / median[small]["p50_ms"] - 1
    print()
    _verdict("users/me ÷ ceiling", median[big]["rps"] / ceiling, TARGETS.get(backend, 0.6))
    _verdict("server_settings ÷ ceiling", median[SERVER_SETTINGS]["rps"] / ceiling, NO_AUTH_TARGET)
    _verdict("malformed key ÷ ceiling", median[MALFORMED]["rps"] / ceiling, NO_AUTH_TARGET)
    _verdict("narrowed key ÷ primary key", median[narrowed]["rps"] / median[big]["rps"], 0.97)
    for name in (CHECK_VALID, CHECK_SCOPE, CHECK_MALFORMED):
        print(f"{name + ' ÷ users/me':34} {median[name]['rps'] / median[big]['rps']:7.3f}")
    _check_targets(median, backend)
    met = abs(growth) <= 0.10
    print(f"{'p50 ' + big.split('@ ')[1] + ' vs ' + small.split('@ ')[1]:34} {growth:+7.1%}"
          f"  (target within ±10%: {'met' if met else 'MISSED'})")  # fmt: skip
    ours, theirs = _spread(runs[big]), _spread(runs[MINIMAL])
    verdict = ("met" if ours <= theirs else "MISSED") if backend == "postgresql" else "n/a"
    print(f"{'users/me spread vs minimal':34} {ours:7.1%} vs {theirs:.1%}"
          f"  (PostgreSQL target no wider: {verdict})")  # fmt: skip


def _check_targets(median: dict[str, dict[str, float]], backend: str) -> None:
    """Issue 27's targets for the forward-auth check, against the minimal key check: on
    SQLite its throughput; on PostgreSQL, whose rounds gunicorn's uneven split of
    connections makes bimodal, the server's CPU per request, the database's included."""
    valid, minimal = median[CHECK_VALID], median[MINIMAL]
    if backend == "postgresql":
        ratio = valid["cpu_ms"] / minimal["cpu_ms"] if minimal["cpu_ms"] else float("inf")
        print(
            f"{'check CPU ÷ minimal CPU':34} {ratio:7.3f}  (target <= {CHECK_CPU_TARGET}:"
            f" {'met' if ratio <= CHECK_CPU_TARGET else 'MISSED'})"
        )
    else:
        _verdict("check: valid key ÷ minimal", valid["rps"] / minimal["rps"], CHECK_TARGET)
    for name in (CHECK_SCOPE, CHECK_MALFORMED):  # refusing is no slower than allowing
        _verdict(f"{name.split(': ')[1]} ÷ valid key", median[name]["rps"] / valid["rps"], 1.0)


def _spread(rows: list[dict[str, float]]) -> float:
    """(max - min) / median of the rounds' requests a second."""
    rates = [row["rps"] for row in rows]
    middle = statistics.median(rates)
    return (max(rates) - min(rates)) / middle if middle else float("inf")


def _verdict(label: str, ratio: float, target: float) -> None:
    print(
        f"{label:34} {ratio:7.3f}  (target >= {target}: {'met' if ratio >= target else 'MISSED'})"
    )


if __name__ == "__main__":
    sys.exit(main())
