"""The zuliprc file: a TOML [api] table with email, key and site, served as a download."""

import tomli_w
from flask import current_app, request
from werkzeug.wrappers import Response

from app.headers import no_store

FILENAME = "zuliprc"


def site_url() -> str:
    """SITE_URL when configured, else the URL this request came in on (ProxyFix-aware),
    whose host app/hosts.py has already checked against TRUSTED_HOSTS."""
    configured: str = current_app.config["SITE_URL"]
    return (configured or request.host_url).rstrip("/")


def render(email: str, key: str, site: str) -> str:
    return tomli_w.dumps({"api": {"email": email, "key": key, "site": site}})


def download(email: str, key: str) -> Response:
    """The rc file as an attachment named zuliprc, never cached."""
    response = Response(render(email, key, site_url()), mimetype="application/toml")
    response.headers["Content-Disposition"] = f'attachment; filename="{FILENAME}"'
    return no_store(response)
