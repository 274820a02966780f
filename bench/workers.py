"""`make bench-workers`: the forward-auth check under gunicorn's worker configurations
(processes x gthreads), side by side, to choose gunicorn.conf.py's defaults with figures.

Seeds --keys users with keys (SQLite in a temporary folder, or the database
KEYFOB_DATABASE_URL names: its schema is dropped and rebuilt), serves Keyfob in each
configuration in turn and asks the check about sending a message with a pool of valid
keys, as `make bench` does. Every configuration is measured once a round, interleaved; the report
gives each one's median requests a second, p50 and p99, and the server's CPU per request
(the database's included on PostgreSQL)."""

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

from app import create_app
from bench import seed
from bench.drive import gunicorn, wrk
from bench.run import KEYFOB, SEND_A_MESSAGE, _configure

CONFIGURATIONS = ((1, 1), (1, 4), (2, 1), (2, 2), (2, 4), (2, 8), (4, 1), (4, 2), (4, 4))


def main() -> int:
    options = _arguments()
    with tempfile.TemporaryDirectory(prefix="keyfob-bench-workers-") as workdir:
        _configure(Path(workdir))
        app = create_app()
        backend = app.extensions["keyfob.engine"].dialect.name
        seed.reset(app)
        tokens = seed.users_with_keys(app, 0, options.keys)
        seed.spread_last_uses(app, options.pool)
        pool = Path(workdir, "tokens")
        pool.write_text("\n".join(tokens[: options.pool]) + "\n")
        runs: dict[tuple[int, int], list[dict[str, float]]] = {c: [] for c in CONFIGURATIONS}
        # One server at a time: all nine at once would hold more PostgreSQL connections
        # than its default 100 (each thread keeps one, each worker pools more).
        for _ in range(options.rounds):
            for workers, threads in CONFIGURATIONS:
                with gunicorn(KEYFOB, workers=workers, threads=threads) as url:
                    measured = wrk(
                        url, "/api/v1/forward_auth", pool, seconds=options.duration,
                        connections=options.connections, headers=SEND_A_MESSAGE,
                    )  # fmt: skip
                runs[(workers, threads)].append(measured)
    _report(runs, options, backend)
    return 0


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--keys", type=int, default=10_000)
    parser.add_argument("--pool", type=int, default=1000, help="distinct keys presented")
    parser.add_argument("--duration", type=int, default=5, help="seconds per measurement")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=16)
    options = parser.parse_args()
    options.pool = min(options.pool, options.keys)
    return options


def _report(
    runs: dict[tuple[int, int], list[dict[str, float]]], options: argparse.Namespace, backend: str
) -> None:
    print(
        f"\nThe check with a valid key on {backend}, by gunicorn configuration: wrk -t2 "
        f"-c{options.connections}, {options.duration} s each, median of {options.rounds} "
        f"interleaved rounds, {options.keys:,} keys\n"
    )
    print(
        f"{'workers x threads':18} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>7} {'cpu ms':>7}"
        f" {'of db':>7}  rounds"
    )
    for (workers, threads), rows in runs.items():
        median = {field: statistics.median(row[field] for row in rows) for field in rows[0]}
        each = " ".join(f"{row['rps']:6.0f}" for row in rows)
        print(
            f"{workers} x {threads:<14} {median['rps']:8.0f} {median['p50_ms']:7.2f}"
            f" {median['p99_ms']:7.2f} {median['cpu_ms']:7.3f} {median['db_cpu_ms']:7.3f}  {each}"
        )


if __name__ == "__main__":
    sys.exit(main())
