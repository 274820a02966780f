"""`python -m bench.in_process`: one WSGI call's cost in this process, no server and no test
client, for the ceiling, the minimal key check, Keyfob's server_settings and users/me, and the
forward-auth check with a valid key, a key without the route's scope and a malformed key: µs
a call, best of three runs of --calls calls, SQLite, each answer's status checked. What a
server adds (sockets, threads) is `make bench`'s to measure; this is where the machine's
swings do not reach."""

import argparse
import io
import os
import secrets
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from typing import Any

from cryptography.fernet import Fernet

Wsgi = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
HOST = "127.0.0.1:8000"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--calls", type=int, default=5000)
    calls = parser.parse_args().calls
    with tempfile.TemporaryDirectory(prefix="keyfob-in-process-") as workdir:
        os.environ.update(
            {
                "KEYFOB_INSTANCE_PATH": workdir,
                "KEYFOB_DATABASE_URL": f"sqlite:///{workdir}/bench.sqlite3",
                "KEYFOB_SECRET_KEY": secrets.token_urlsafe(32),
                "KEYFOB_KEY_PEPPER": secrets.token_urlsafe(32),
                "KEYFOB_KEY_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
                "KEYFOB_KEY_GUESS_LIMIT_PER_IP": "100000000 per minute",
                "KEYFOB_TRUSTED_HOSTS": HOST,
            }
        )
        from app import create_app
        from bench import ceiling, minimal, seed

        app = create_app()
        seed.reset(app)
        token, scoped = seed.users_with_keys(app, 0, 2)
        seed.restrict(app, 2, 1, scopes="profile:read", networks="127.0.0.0/8")
        malformed = seed.basic("user1@bench.invalid", seed.broken_key())
        send = {"HTTP_X_ORIGINAL_METHOD": "POST", "HTTP_X_ORIGINAL_URI": "/api/v1/messages"}
        for label, wsgi, path, key, extra, status in (
            ("ceiling: bare Flask route", ceiling.app, "/api/v1/server_settings", token, {}, 200),
            ("minimal key check", minimal.app, "/api/v1/users/me", token, {}, 200),
            ("server_settings", app, "/api/v1/server_settings", token, {}, 200),
            ("users/me", app, "/api/v1/users/me", token, {}, 200),
            ("check: valid key", app, "/api/v1/forward_auth", token, send, 200),
            ("check: refused scope", app, "/api/v1/forward_auth", scoped, send, 403),
            ("check: malformed key", app, "/api/v1/forward_auth", malformed, send, 401),
        ):
            environ = {"HTTP_AUTHORIZATION": f"Basic {key}", **extra}
            best = min(_run(wsgi, path, environ, calls, status) for _ in range(3))
            print(f"{label:28} {best:7.1f} µs")
        # What the app keeps to write later goes now, while its database is still there.
        for batched in ("keyfob.pending_uses", "keyfob.call_counts"):
            app.extensions[batched].write()
    return 0


def _run(wsgi: Wsgi, path: str, extra: dict[str, str], calls: int, status: int) -> float:
    """µs a call; every answer must have the expected status, or what is timed is another
    path (a refusal) than the one named."""
    answered: list[str] = []

    def call() -> None:
        environ = {
            "REQUEST_METHOD": "GET",
            "PATH_INFO": path,
            "QUERY_STRING": "",
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "8000",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "HTTP_HOST": HOST,
            "REMOTE_ADDR": "127.0.0.1",
            "HTTP_USER_AGENT": "bench",
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(b""),
            **extra,
        }
        answer = wsgi(environ, lambda line, headers, exc_info=None: answered.append(line))
        b"".join(answer)
        getattr(answer, "close", lambda: None)()

    for _ in range(min(300, calls)):
        call()
    started = time.perf_counter()
    for _ in range(calls):
        call()
    took = (time.perf_counter() - started) / calls * 1e6
    wrong = {line for line in answered if not line.startswith(f"{status} ")}
    if wrong:
        raise SystemExit(f"{path} answered {sorted(wrong)}, not {status}")
    return took


if __name__ == "__main__":
    sys.exit(main())
