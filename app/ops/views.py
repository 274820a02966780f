"""GET /healthz, /readyz and /metrics: for load balancers and Prometheus, not for people.

They form an app of their own, mounted at the root in front of the pages (see mount), so a
probe runs none of the pages' hooks: no session, no login manager, no CSRF, no limiter, no
database. Nor the TRUSTED_HOSTS check: load balancers probe a backend by its address, and
nothing here builds a URL from the Host header. Every answer is ``no-store``.
"""

import hashlib
import hmac
import os
from collections.abc import Iterable
from typing import Any

from flask import Blueprint, Flask, current_app, jsonify, request
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector
from werkzeug.exceptions import NotFound
from werkzeug.wrappers import Response

from app.core import headers
from app.ops.readiness import OK, Readiness

PATHS = frozenset({"/healthz", "/readyz", "/metrics"})
MIN_TOKEN_LENGTH = 16
bp = Blueprint("ops", __name__)


def create_ops_app(web: Flask) -> Flask:
    """The probes' app, reading the web app's settings once."""
    config = web.config
    check_metrics_settings(config)
    ops = Flask(__name__, instance_path=web.instance_path)
    ops.config.update(
        METRICS_ENABLED=config["METRICS_ENABLED"], METRICS_TOKEN=config["METRICS_TOKEN"]
    )
    limiter = web.extensions["keyfob.limiter"]
    ops.extensions["keyfob.readiness"] = Readiness(
        config["DATABASE_URL"],
        str(config["RATELIMIT_STORAGE_URI"]),
        lambda: bool(limiter.storage.check()),
        float(config["READINESS_TIMEOUT_SECONDS"]),
    )
    ops.after_request(headers.no_store)
    ops.register_blueprint(bp)
    return ops


def check_metrics_settings(config: Any) -> None:
    """Metrics on without a token would publish them to anyone: stop at start instead."""
    if config["METRICS_ENABLED"] and len(config["METRICS_TOKEN"]) < MIN_TOKEN_LENGTH:
        raise ValueError(
            "KEYFOB_METRICS_ENABLED is true but KEYFOB_METRICS_TOKEN is not set (or shorter"
            f" than {MIN_TOKEN_LENGTH} characters): set a random token, which Prometheus"
            " sends as a bearer token"
        )


def mount(web_wsgi: Any, ops: Flask) -> Any:
    """Send exactly the probe paths to the ops app, everything else on."""

    def dispatch(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        target = ops.wsgi_app if environ.get("PATH_INFO", "") in PATHS else web_wsgi
        body: Iterable[bytes] = target(environ, start_response)
        return body

    return dispatch


@bp.get("/healthz")
def healthz() -> Response:
    """The process answers: nothing else is consulted, so a slow database never restarts it."""
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz() -> tuple[Response, int]:
    """Whether to send this process traffic: its database and rate-limit store answer."""
    readiness: Readiness = current_app.extensions["keyfob.readiness"]
    checks = readiness.check()
    if all(state == OK for state in checks.values()):
        return jsonify(status="ready", checks=checks), 200
    return jsonify(status="unavailable", checks=checks), 503


@bp.get("/metrics")
def metrics() -> Response:
    """Prometheus text, for a bearer of METRICS_TOKEN only; 404 while metrics are off."""
    if not current_app.config["METRICS_ENABLED"]:
        raise NotFound()
    if not _bearer_matches(current_app.config["METRICS_TOKEN"]):
        return Response(
            "Unauthorized\n",
            status=401,
            mimetype="text/plain",
            headers={"WWW-Authenticate": 'Bearer realm="metrics"'},
        )
    return Response(generate_latest(_registry()), mimetype=CONTENT_TYPE_LATEST)


def _bearer_matches(token: str) -> bool:
    scheme, _sep, presented = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        return False
    # Digests of equal length, compared in constant time: neither the token's characters
    # nor its length can be learned from response times.
    return hmac.compare_digest(_digest(presented.strip()), _digest(token))


def _digest(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()


def _registry() -> CollectorRegistry:
    """Under gunicorn (PROMETHEUS_MULTIPROC_DIR set) every worker's files, added up; else
    this process's own registry."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return registry
    return REGISTRY
