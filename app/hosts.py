"""The Host header decides nothing that matters: only trusted hosts are served.

Flask's TRUSTED_HOSTS is KEYFOB_TRUSTED_HOSTS plus SITE_URL's host; a request naming any
other host (in Host, or in X-Forwarded-Host behind KEYFOB_PROXY_FIX) gets 400 before any
view runs. So the URLs built from the request (the rc file's site and realm_url when
SITE_URL is unset, werkzeug's slash redirects) only ever name a trusted host, and with
SITE_URL set every absolute redirect names SITE_URL.
"""

import ipaddress
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, current_app, request
from flask import Request as FlaskRequest
from werkzeug.sansio.utils import host_is_trusted
from werkzeug.wrappers import Response
from werkzeug.wsgi import get_host


def init_app(app: Flask) -> None:
    """Set the effective TRUSTED_HOSTS (before the API app copies the config) and guard."""
    app.config["TRUSTED_HOSTS"] = trusted_hosts(app.config)
    guard(app)


def guard(app: Flask) -> None:
    """Enforce the app's TRUSTED_HOSTS (IPv6 entries too) and send redirects to SITE_URL."""
    app.request_class = Request
    if app.config["SITE_URL"]:  # without it, the trusted Host is the right one to name
        app.after_request(_absolute_redirects_name_the_site)


# The site URL each (scheme, Host header) pair names, worked out once: a request's host URL
# takes werkzeug a dozen steps (host, port, IDNA), and only trusted hosts get this far.
# Bounded: ports make more pairs than trusted hosts, and past this many nothing is kept.
_SITES_SEEN: dict[tuple[str, str], str] = {}
MAX_SITES_REMEMBERED = 64


def site_url() -> str:
    """SITE_URL when configured, else the URL this request came in on (ProxyFix-aware),
    whose host has already been checked against TRUSTED_HOSTS; no trailing slash."""
    configured: str = current_app.config["SITE_URL"]
    if configured:
        return configured.rstrip("/")
    environ = request.environ
    seen = (environ.get("wsgi.url_scheme", ""), environ.get("HTTP_HOST", ""))
    site = _SITES_SEEN.get(seen)
    if site is None:
        site = request.host_url.rstrip("/")
        if seen[1] and len(_SITES_SEEN) < MAX_SITES_REMEMBERED:
            _SITES_SEEN[seen] = site
    return site


def trusted_hosts(config: Mapping[str, Any]) -> list[str]:
    """The configured hosts plus SITE_URL's; a list that trusts nothing is a start error."""
    hosts = [_normalise(host) for host in config["TRUSTED_HOSTS"]]
    site = site_hostname(config)
    if site and site not in hosts:
        hosts.append(site)
    if not hosts:  # Flask and werkzeug would take an empty list as "trust every host"
        raise ValueError("KEYFOB_TRUSTED_HOSTS is empty and KEYFOB_SITE_URL is not set")
    return hosts


def site_hostname(config: Mapping[str, Any]) -> str | None:
    """SITE_URL's host name (lower-case, IPv6 without brackets), or None when unset."""
    site_url: str = config["SITE_URL"]
    if not site_url:
        return None
    parts = urlsplit(site_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"KEYFOB_SITE_URL must be an http(s) URL, not {site_url!r}")
    return parts.hostname


def _normalise(host: str) -> str:
    if not isinstance(host, str) or not host.strip() or "/" in host:
        raise ValueError(f"KEYFOB_TRUSTED_HOSTS: {host!r} is not a host name (no scheme, no path)")
    host = host.strip().lower()
    bare = host.removeprefix("[").removesuffix("]")
    return bare if _ipv6(bare) else host


def _ipv6(text: str) -> ipaddress.IPv6Address | None:
    try:
        return ipaddress.IPv6Address(text)
    except ValueError:
        return None


class Request(FlaskRequest):
    """Flask's request, able to trust IPv6 hosts.

    werkzeug 3.1 cannot match an IPv6 literal against TRUSTED_HOSTS: it compares the
    Host's "[::1]" with each entry's text before its first colon. So a well-formed Host
    that is an IPv6 address some entry names is let through here (with no list, which
    werkzeug reads as "trust any host"); every other Host meets the list.
    """

    _trusted: list[str] | None = None

    @property
    def trusted_hosts(self) -> list[str] | None:
        if self._trusted and _names_trusted_ipv6(self.environ, self._trusted):
            return None
        return self._trusted

    @trusted_hosts.setter
    def trusted_hosts(self, hosts: list[str] | None) -> None:
        self._trusted = hosts


def _names_trusted_ipv6(environ: dict[str, Any], trusted: list[str]) -> bool:
    host = environ.get("HTTP_HOST") or get_host(environ)
    if not isinstance(host, str) or not host.startswith("["):
        return False  # the usual case, decided without parsing anything
    # werkzeug's own syntax and port checks first: without a list it would turn a malformed
    # host into "" instead of refusing it.
    if not host_is_trusted(host):
        return False
    address = _ipv6(host[1:].partition("]")[0])
    return address is not None and any(_ipv6(entry) == address for entry in trusted)


def _absolute_redirects_name_the_site(response: Response) -> Response:
    """Point an absolute redirect to this app (werkzeug's slash redirects) at SITE_URL."""
    location = response.headers.get("Location")
    if location and location.startswith(root := request.url_root):
        site: str = current_app.config["SITE_URL"]
        response.headers["Location"] = site.rstrip("/") + "/" + location[len(root) :]
    return response
