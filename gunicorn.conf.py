"""gunicorn's settings for Keyfob in production: `make serve`, or `gunicorn -c gunicorn.conf.py`.

Sizes and addresses come from KEYFOB_SERVE_* variables (docs/admin/deploying.md); the app's own
settings from KEYFOB_* as always. Serve it behind a buffering reverse proxy: a gthread worker
gives a thread to each connection, so clients trickling bytes can hold every thread.
"""

import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

# Metrics from every worker add up (prometheus-client's multiprocess mode) only if each
# process finds this folder set before it first imports prometheus_client, which the import
# of the app below does: so it is set here, first. One private folder per server.
_OWN_METRICS_FOLDER = "PROMETHEUS_MULTIPROC_DIR" not in os.environ
if _OWN_METRICS_FOLDER:
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="keyfob-metrics-")

from app.ops import serving  # noqa: E402 (after the folder is set)

wsgi_app = "app:create_app()"
bind = [serving.bind()]
worker_class = "gthread"
# A worker per CPU and 4 threads each, unless KEYFOB_SERVE_WORKERS / _THREADS say: on 2 CPUs
# that served the gateway check fastest on both databases (SQLite 4,531 checks/s; PostgreSQL
# 3,196, where 8 threads gave 2,071 and 4 workers 1,148 to 1,374). `make bench-workers`
# measures it; the table is in docs/admin/deploying.md.
workers = serving.workers()
threads = serving.threads()
# Each worker builds its own app: a database pool must not be shared across a fork.
preload_app = False

# A worker silent this long is killed and replaced; requests are short (one hash at most).
timeout = 30
# On SIGTERM, requests in flight get this long to finish before workers are stopped.
graceful_timeout = 30
# Idle keep-alive connections from the proxy are held this long.
keepalive = 5

# Only these addresses may set X-Forwarded-Proto for gunicorn; the app's own view of
# forwarded headers is KEYFOB_PROXY_FIX.
forwarded_allow_ips = serving.forwarded_allow_ips()

accesslog = "-"
# The path alone (%(U)s), never the request line (%(r)s, with its query string), the Basic
# user (%(u)s), the referrer (%(f)s, another URL with a query) or any request header: a key
# must never reach a log, even one a client put where it does not belong.
access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms "%(a)s"'
errorlog = "-"
# gunicorn's control socket has one path per user by default, so two servers on one machine
# would take it from each other; nothing here uses it.
control_socket_disable = True


def on_starting(server: Any) -> None:
    """Refuse, before binding, a start that could not work on several machines; and start
    the metrics from zero (a folder an operator named may hold a previous run's files)."""
    serving.check(int(server.cfg.workers))
    folder = Path(os.environ["PROMETHEUS_MULTIPROC_DIR"])
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)


def on_exit(server: Any) -> None:
    """Remove the metrics folder this server made for itself (never one an operator named)."""
    if _OWN_METRICS_FOLDER:
        shutil.rmtree(os.environ["PROMETHEUS_MULTIPROC_DIR"], ignore_errors=True)
