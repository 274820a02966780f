"""Who sent a request: the client's IP address, validated, for audit rows and rate limits.

With KEYFOB_PROXY_FIX, werkzeug's ProxyFix copies the X-Forwarded-For entry into REMOTE_ADDR
as it is, whatever text that is. A value that is not an IP address is never used (it could
overflow the audit column, or give one client a fresh rate-limit identity per request): the
direct peer's address is, as if the header were absent.
"""

import functools
import ipaddress
from typing import Any

from flask import request

UNKNOWN = "unknown"
# An IPv6 client usually owns a whole /64, so per-IP limits count the network, not the host.
IPV6_LIMIT_PREFIX = 64

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def client_ip() -> str:
    """The client's address, normalised (``::ffff:192.0.2.1`` is ``192.0.2.1``), or "unknown"."""
    address = _client_address()
    return str(address) if address is not None else UNKNOWN


def limit_identity() -> str:
    """What per-IP rate limits key on: the IPv4 address, or the IPv6 address's /64 network."""
    address = _client_address()
    if address is None:
        return UNKNOWN
    if address.version == 6:
        return str(ipaddress.ip_network((address, IPV6_LIMIT_PREFIX), strict=False))
    return str(address)


def _client_address() -> Address | None:
    environ = request.environ
    return parse(environ.get("REMOTE_ADDR")) or parse(_direct_peer(environ))


def _direct_peer(environ: dict[str, Any]) -> str | None:
    """The address of whoever opened the connection, before ProxyFix rewrote it."""
    original = environ.get("werkzeug.proxy_fix.orig")
    peer = original.get("REMOTE_ADDR") if isinstance(original, dict) else None
    return peer if isinstance(peer, str) else None


@functools.lru_cache(maxsize=4096)  # the same few clients send most requests
def parse(text: str | None) -> Address | None:
    """An IP address from text, without an IPv6 zone; None for anything else."""
    if not text:
        return None
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address):
        # A zone ("%eth0") is free text and means nothing off the host; a mapped IPv4
        # address is the IPv4 client itself, and must count as the same identity.
        address = ipaddress.IPv6Address(int(address))
        return address.ipv4_mapped or address
    return address
