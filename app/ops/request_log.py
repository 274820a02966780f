"""Keep successful health and readiness probes out of the access logs, and query strings
out of the development server's (gunicorn's format already leaves them out).

A load balancer probes every few seconds on every node: logged at INFO, its lines would bury
the requests that matter. Only a 200 to /healthz or /readyz is dropped; a failing probe, and
every other request, is logged. The filter sits on the loggers of werkzeug's
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
_QUERY = re.compile(r"\?[^\s\x1b]*")


class QuietProbes(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, Mapping):  # gunicorn's access atoms
            path, status = record.args.get("U"), str(record.args.get("s"))
            return not (path in QUIET_PATHS and status == "200")
        return _REQUEST_LINE.search(_COLOUR.sub("", record.getMessage())) is None


class NoQueryStrings(logging.Filter):
    """Cut the query string from werkzeug's request lines: a password-reset link carries
    its token there, and no log may hold it (gunicorn.conf.py logs the path alone)."""

    def filter(self, record: logging.LogRecord) -> bool:
        request_line = str(record.msg).endswith('"%s" %s %s')  # werkzeug's log_request
        if request_line and isinstance(record.args, tuple) and isinstance(record.args[0], str):
            record.args = (_QUERY.sub("", record.args[0]), *record.args[1:])
        return True


def install() -> None:
    """Add the filter once to each access logger (create_app may run many times)."""
    for name in ACCESS_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(existing, QuietProbes) for existing in logger.filters):
            logger.addFilter(QuietProbes())
    werkzeug = logging.getLogger("werkzeug")
    if not any(isinstance(existing, NoQueryStrings) for existing in werkzeug.filters):
        werkzeug.addFilter(NoQueryStrings())
