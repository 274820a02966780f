"""Keep successful health and readiness probes out of the access logs.

A load balancer probes every few seconds on every node: logged at INFO, its lines would bury
the requests that matter. Only a 200 to /healthz or /readyz is dropped; a failing probe, and
every other request, is logged as before. The filter sits on the loggers of werkzeug's
development server and of gunicorn's access log, whose records carry the request line (or,
for gunicorn, its atoms: ``U`` the path, ``s`` the status).
"""

import logging
import re
from collections.abc import Mapping

QUIET_PATHS = frozenset({"/healthz", "/readyz"})
ACCESS_LOGGERS = ("werkzeug", "gunicorn.access")
_REQUEST_LINE = re.compile(r'"(?:GET|HEAD) (?:/healthz|/readyz)(?:\?\S*)? HTTP/[\d.]+" 200\b')
_COLOUR = re.compile(r"\x1b\[[\d;]*m")  # werkzeug colours request lines on a terminal


class QuietProbes(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, Mapping):  # gunicorn's access atoms
            path, status = record.args.get("U"), str(record.args.get("s"))
            return not (path in QUIET_PATHS and status == "200")
        return _REQUEST_LINE.search(_COLOUR.sub("", record.getMessage())) is None


def install() -> None:
    """Add the filter once to each access logger (create_app may run many times)."""
    for name in ACCESS_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(existing, QuietProbes) for existing in logger.filters):
            logger.addFilter(QuietProbes())
