"""Prometheus metrics: what the app counts, and how.

The metric objects live at module level, as prometheus-client expects: under gunicorn with
PROMETHEUS_MULTIPROC_DIR set, each worker writes its values to files in that folder, and
GET /metrics (app/ops/views.py) adds them up. Counting is a dictionary lookup and an
increment, so it stays on even when /metrics is off; timing every request is installed only
when metrics are enabled (install_request_metrics).

Label values come from fixed sets only (endpoint names, methods, status codes, outcomes,
formats), never from a path, a key, an email or an address: anything else is "other".
"""

import time
from typing import Any

from flask import Flask, g, request
from prometheus_client import Counter, Histogram
from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction
from werkzeug.wrappers import Response

REQUESTS = Counter(
    "keyfob_http_requests",
    "HTTP requests answered, by app, Flask endpoint, method and status",
    ["app", "endpoint", "method", "status"],
)
LATENCY = Histogram(
    "keyfob_http_request_duration_seconds",
    "Time to answer an HTTP request, by app and Flask endpoint",
    ["app", "endpoint"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
AUTH_OUTCOMES = (
    "ok",
    "invalid",
    "malformed",
    "deactivated",
    "expired",
    "paused",
    "network",  # the right key from a network it does not allow
    "decoy",  # a decoy key (app/keys/decoys.py), answered as an invalid one
    "over_budget",  # the right key past its requests a minute (app/keys/budgets.py)
    "rate_limited",
    "unavailable",  # the database could not be reached: the key was never checked
)
_AUTHENTICATIONS = Counter(
    "keyfob_api_authentications",
    "API key authentications, by outcome",
    ["outcome"],
)
# Children made once: the API's hot path increments one without building a label tuple.
_AUTHENTICATION_CHILDREN = {outcome: _AUTHENTICATIONS.labels(outcome) for outcome in AUTH_OUTCOMES}
_VERIFIED_KEY_LOOKUPS = Counter(
    "keyfob_verified_key_lookups",
    "API keys looked up among those this process verified (app/keys/verified.py), by result",
    ["result"],
)
_VERIFIED_KEY_HIT = _VERIFIED_KEY_LOOKUPS.labels("hit")
_VERIFIED_KEY_MISS = _VERIFIED_KEY_LOOKUPS.labels("miss")
# Calls of a known key, by outcome ("accepted", or why it was refused: app/keys/call_counts.py),
# added when each process writes its counts. Per key only in the app's own tables: a label
# per key would make one series a key.
KEY_CALL_OUTCOMES = (
    "accepted",
    "scope",
    "invalid",
    "expired",
    "paused",
    "network",
    "rate_limited",
    "decoy",
)
_KEY_CALLS = Counter("keyfob_key_calls", "Calls made with a known key, by outcome", ["outcome"])
for _outcome in KEY_CALL_OUTCOMES:
    _KEY_CALLS.labels(_outcome)
REGENERATIONS = Counter("keyfob_key_regenerations", "Primary API keys regenerated")
REVEALS = Counter("keyfob_key_reveals", "API keys shown in the web UI")
RC_FORMATS = ("toml", "ini")
RC_DOWNLOADS = Counter("keyfob_rc_downloads", "zuliprc files downloaded, by format", ["format"])
for _format in RC_FORMATS:
    RC_DOWNLOADS.labels(_format)

_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
_PENDING = "keyfob.metrics.pending"  # audit events of the session's open transaction


def authentication(outcome: str) -> None:
    """Count one API authentication (one of AUTH_OUTCOMES)."""
    _AUTHENTICATION_CHILDREN[outcome].inc()


def key_calls(outcome: str, calls: int) -> None:
    """Add ``calls`` calls of known keys with ``outcome`` (one of KEY_CALL_OUTCOMES)."""
    if outcome in KEY_CALL_OUTCOMES:
        _KEY_CALLS.labels(outcome).inc(calls)


def verified_key_lookup(hit: bool) -> None:
    """Count one lookup among verified keys: served from them (hit) or from the database."""
    (_VERIFIED_KEY_HIT if hit else _VERIFIED_KEY_MISS).inc()


def audited(session: Session, event_type: str, detail: dict[str, Any]) -> None:
    """Note an audit event; it is counted when its transaction commits.

    app/audit.record is the one place every regeneration, reveal and rc download passes
    through, whichever way in (pages, API, CLI), and what it records is what happened: so
    it is counted there, but only once committed, so a rolled-back attempt (a conflict
    retried by db.unit_of_work, a failed flush) is not counted twice or at all.
    """
    counter = _counter_for(event_type, detail)
    if counter is not None:
        session.info.setdefault(_PENDING, []).append(counter)


def _counter_for(event_type: str, detail: dict[str, Any]) -> Any:
    if event_type == "api_key_regenerated":
        return REGENERATIONS
    if event_type == "api_key_revealed":
        return REVEALS
    if event_type == "rc_downloaded":
        rc_format = detail.get("format")
        return RC_DOWNLOADS.labels(rc_format if rc_format in RC_FORMATS else "other")
    return None


@event.listens_for(Session, "after_commit")
def _count_committed(session: Session) -> None:
    for counter in session.info.pop(_PENDING, []):
        counter.inc()


@event.listens_for(Session, "after_transaction_end")
def _forget_rolled_back(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # the outermost transaction: a savepoint keeps the rest
        session.info.pop(_PENDING, None)


def install_request_metrics(app: Flask, name: str) -> None:
    """Count and time every request of ``app`` (``name`` is its "app" label)."""

    @app.before_request
    def _start() -> None:
        g.keyfob_started = time.perf_counter()

    @app.after_request
    def _observe(response: Response) -> Response:
        started: float | None = g.get("keyfob_started")
        rule = request.url_rule
        endpoint = rule.endpoint if rule is not None else "unmatched"
        method = request.method if request.method in _METHODS else "other"
        REQUESTS.labels(name, endpoint, method, str(response.status_code)).inc()
        if started is not None:
            LATENCY.labels(name, endpoint).observe(time.perf_counter() - started)
        return response
