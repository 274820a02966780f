"""The Host header decides nothing that matters: only trusted hosts, on trusted ports, are served.

Each KEYFOB_TRUSTED_HOSTS entry names a host as a Host header does: `keys.example.com` (on the
scheme's default port: a Host without a port), `keys.example.com:8443`, `::1` or `[::1]:5000`;
a leading dot (`.example.com`) trusts the name and its subdomains. SITE_URL's host and port
are added. A request whose Host (or X-Forwarded-Host behind KEYFOB_PROXY_FIX) is not one of
them, **port included**, gets 400 before any view runs. So the URLs built from the request
when SITE_URL is unset (the emailed "This wasn't me" and password-reset links, the rc file's
site and realm_url, werkzeug's slash redirects) only ever name a host and port that the
configuration named: a Host of `localhost:1` is refused, not copied into someone's email.
With SITE_URL set, those URLs and every absolute redirect name SITE_URL.
"""

import ipaddress
from collections.abc import Mapping
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, current_app, request
from flask import Request as FlaskRequest
from werkzeug.exceptions import SecurityError
from werkzeug.sansio.utils import host_is_trusted
from werkzeug.wrappers import Response
from werkzeug.wsgi import get_host


def init_app(app: Flask) -> None:
    """Set the effective TRUSTED_HOSTS (before the API app copies the config) and guard."""
    app.config["TRUSTED_HOSTS"] = trusted_hosts(app.config)
    guard(app)


def guard(app: Flask) -> None:
    """Enforce the app's TRUSTED_HOSTS (ports and IPv6 too) and send redirects to SITE_URL."""
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
    whose host and port have already been checked against TRUSTED_HOSTS; no trailing slash."""
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
    """The configured hosts plus SITE_URL's, each as a Host header names it; a list that
    trusts nothing, or an entry that is not a host, is a start error."""
    hosts = [_normalise(host) for host in config["TRUSTED_HOSTS"]]
    site = site_host(config)
    if site and site not in hosts:
        hosts.append(site)
    if not hosts:  # an empty list would trust nothing: every request a 400
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


def site_host(config: Mapping[str, Any]) -> str | None:
    """SITE_URL's host as a Host header names it: with its port unless the scheme's default."""
    hostname = site_hostname(config)
    if hostname is None:
        return None
    parts = urlsplit(config["SITE_URL"])
    try:
        port = parts.port
    except ValueError:
        raise ValueError(f"KEYFOB_SITE_URL has no valid port: {config['SITE_URL']!r}") from None
    default = 443 if parts.scheme == "https" else 80
    return _join(hostname, None if port in (None, default) else str(port))


def _normalise(entry: object) -> str:
    """One TRUSTED_HOSTS entry in the form a request's Host is compared in."""
    if not isinstance(entry, str) or not entry.strip() or "/" in entry:
        raise ValueError(f"KEYFOB_TRUSTED_HOSTS: {entry!r} is not a host name (no scheme, no path)")
    try:
        name, port = _split(entry.strip().lower())
        if ":" not in name:  # a name, not an IPv6 address: its ASCII form, as in a Host
            suffix = "." if name.startswith(".") else ""
            name = suffix + name.removeprefix(".").encode("idna").decode("ascii")
    except (ValueError, UnicodeError):
        raise ValueError(
            f"KEYFOB_TRUSTED_HOSTS: {entry!r} is not a host name or host:port"
        ) from None
    host = _join(name, port)
    if not host_is_trusted(host.removeprefix(".")):  # werkzeug's rules for a Host header
        raise ValueError(f"KEYFOB_TRUSTED_HOSTS: {entry!r} is not a host name or host:port")
    return host


def _split(host: str) -> tuple[str, str | None]:
    """(name, port or None) of a lower-case ``host`` or ``host:port``; an IPv6 address
    (bare, or in brackets with or without a port) comes back compressed, without brackets.
    ValueError for anything else."""
    if address := _ipv6(host):
        return address.compressed, None
    if host.startswith("["):
        inside, bracket, rest = host[1:].partition("]")
        address = _ipv6(inside)
        if not bracket or address is None or (rest and not rest.startswith(":")):
            raise ValueError("not an IPv6 host")
        return address.compressed, _port(rest[1:]) if rest else None
    name, colon, port = host.partition(":")
    if not name:
        raise ValueError("no host name")
    return name, _port(port) if colon else None


def _port(text: str) -> str:
    if not (text.isascii() and text.isdigit() and 1 <= int(text) <= 65535):
        raise ValueError("not a port")
    return str(int(text))


def _join(name: str, port: str | None) -> str:
    host = f"[{name}]" if ":" in name else name
    return f"{host}:{port}" if port else host


def _ipv6(text: str) -> ipaddress.IPv6Address | None:
    try:
        return ipaddress.IPv6Address(text)
    except ValueError:
        return None


@lru_cache(maxsize=16)
def _entries(trusted: tuple[str, ...]) -> tuple[frozenset[str], tuple[tuple[str, str | None], ...]]:
    """The exact hosts, and the (name, port) of each leading-dot entry, of a trusted list."""
    hosts = [_normalise(entry) for entry in trusted]
    suffixes = tuple(_split(host[1:]) for host in hosts if host.startswith("."))
    return frozenset(hosts), suffixes


def host_is_allowed(environ: dict[str, Any], trusted: list[str]) -> bool:
    """Whether the request's host, port included, is one ``trusted`` names: worked out once
    for each host a client names (what werkzeug reads to find it) and remembered, as every
    request asks (clients name the same few hosts; past MAX_HOSTS_REMEMBERED, any more
    are worked out each time, since a Host header is free text)."""
    asked = (
        environ.get("HTTP_HOST"),
        environ.get("wsgi.url_scheme"),
        environ.get("SERVER_NAME"),
        environ.get("SERVER_PORT"),
        tuple(trusted),
    )
    allowed = _ALLOWED_HOSTS.get(asked)
    if allowed is None:
        allowed = _host_is_allowed(environ, trusted)
        if len(_ALLOWED_HOSTS) < MAX_HOSTS_REMEMBERED:
            _ALLOWED_HOSTS[asked] = allowed
    return allowed


_ALLOWED_HOSTS: dict[tuple[Any, ...], bool] = {}
MAX_HOSTS_REMEMBERED = 256


def _host_is_allowed(environ: dict[str, Any], trusted: list[str]) -> bool:
    """werkzeug reads the Host header (else the server's address), drops the scheme's
    default port and turns a malformed host (userinfo, a bad port, stray characters) into
    ""."""
    host = get_host(environ)
    if not host:
        return False
    try:
        name, port = _split(host.lower())
    except ValueError:
        return False
    exact, suffixes = _entries(tuple(trusted))
    if _join(name, port) in exact:
        return True
    return any(
        port == trusted_port and (name == parent or name.endswith("." + parent))
        for parent, trusted_port in suffixes
    )


class Request(FlaskRequest):
    """Flask's request, with the whole trusted-host check done here.

    werkzeug compares only the name before the first colon, so it would trust any port of a
    trusted name (and cannot match an IPv6 literal at all). Flask reads ``trusted_hosts``
    once per request, before any view, to check the Host: a host that is not allowed, port
    included, raises werkzeug's SecurityError there (400); an allowed one answers None, so
    that werkzeug only does its own syntax checks after ours.
    """

    _trusted: list[str] | None = None

    @property
    def trusted_hosts(self) -> list[str] | None:
        if self._trusted is not None and not host_is_allowed(self.environ, self._trusted):
            raise SecurityError("The Host header names a host or port this site does not serve.")
        return None

    @trusted_hosts.setter
    def trusted_hosts(self, hosts: list[str] | None) -> None:
        self._trusted = hosts


def _absolute_redirects_name_the_site(response: Response) -> Response:
    """Point an absolute redirect to this app (werkzeug's slash redirects) at SITE_URL."""
    location = response.headers.get("Location")
    if location and location.startswith(root := request.url_root):
        site: str = current_app.config["SITE_URL"]
        response.headers["Location"] = site.rstrip("/") + "/" + location[len(root) :]
    return response
