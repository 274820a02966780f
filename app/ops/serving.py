"""Serving under gunicorn (gunicorn.conf.py, `make serve`): its sizes from the environment, and
the rule that refuses a production start that could not work on several machines.

The KEYFOB_SERVE_* variables belong to the server, not the app (app/core/config.py skips them).
"""

import os
import sys
from collections.abc import Mapping

from app.core import config

DEFAULT_BIND = "127.0.0.1:8000"
# gunicorn's own default: only a proxy on this machine may say the request came over HTTPS.
DEFAULT_FORWARDED_ALLOW_IPS = "127.0.0.1,::1"


def _cpus() -> int:
    """CPUs this process may run on (a container's share, not the host's count)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _whole(variable: str, default: int, environ: Mapping[str, str]) -> int:
    raw = environ.get(variable, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or int(raw) < 1:
        raise SystemExit(f"{variable} must be a whole number of at least 1, not {raw!r}")
    return int(raw)


def workers(environ: Mapping[str, str] = os.environ) -> int:
    """One process per CPU: argon2 password hashing is CPU-bound, and a process per CPU lets
    it use them all (threads of one process share one interpreter lock). More than the CPUs
    served the check less than half as fast on 2 CPUs (`make bench-workers`)."""
    return _whole("KEYFOB_SERVE_WORKERS", _cpus(), environ)


def threads(environ: Mapping[str, str] = os.environ) -> int:
    """Threads per process: API calls wait on the database, so a few keep a process busy;
    more only contend for its interpreter lock. `make bench-workers` measured the gateway
    check on 2 CPUs (docs/admin/deploying.md): with a worker per CPU, 4 threads served as
    many checks as 8 on SQLite (4,531 and 4,561 a second) and half as many again on
    PostgreSQL (3,196 against 2,071); 1 or 2 served fewer on SQLite. Each thread keeps one
    database connection for the key lookup, beside the process's pool."""
    return _whole("KEYFOB_SERVE_THREADS", THREADS, environ)


THREADS = 4


def bind(environ: Mapping[str, str] = os.environ) -> str:
    return environ.get("KEYFOB_SERVE_BIND", "").strip() or DEFAULT_BIND


def forwarded_allow_ips(environ: Mapping[str, str] = os.environ) -> str:
    return environ.get("KEYFOB_SERVE_FORWARDED_ALLOW_IPS", "").strip() or (
        DEFAULT_FORWARDED_ALLOW_IPS
    )


def refusal(settings: Mapping[str, object], worker_count: int) -> str | None:
    """Why a production server must not start with these settings as given, or None.

    ``settings`` are those supplied (app.config.supplied), before any secret is generated:
    a generated instance/secrets.toml is this machine's alone, so a key minted by one node
    would not verify on another, and a session signed by one would be refused by the next.
    """
    missing = [name for name in config.SECRET_NAMES if not settings[name]]
    if missing:
        names = ", ".join(config.ENV_PREFIX + name for name in missing)
        return (
            f"Keyfob will not serve without {names}: every node must share the same "
            "secrets, so give them in the environment or instance/config.toml "
            "(docs/admin/deploying.md)"
        )
    storage = str(settings["RATELIMIT_STORAGE_URI"])
    if worker_count > 1 and storage.startswith("memory://"):
        return (
            f"Keyfob will not serve {worker_count} workers with KEYFOB_RATELIMIT_STORAGE_URI="
            "memory://: each would count password and key guesses on its own; use redis://… "
            "(or KEYFOB_SERVE_WORKERS=1)"
        )
    return None


def check(worker_count: int) -> None:
    """Stop with a one-line message when ``refusal`` says so (gunicorn's on_starting)."""
    problem = refusal(config.supplied(config.instance_folder(), None), worker_count)
    if problem is not None:
        print(problem, file=sys.stderr)
        raise SystemExit(1)


if __name__ == "__main__":
    # `make serve` runs this before migrating, so a refused start changes nothing.
    check(workers())
