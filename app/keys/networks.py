"""Allowed networks: where a key may be used from. Any key, primary or named, may carry a
list of IPv4 and IPv6 networks in CIDR form; from any other address it is refused (403
IP_NOT_ALLOWED: the key is right, the place is not). The address is the one Keyfob already
trusts for the request (app/core/client_ip.py, behind a configured proxy).

A key's networks are stored as one space-separated text of normalized CIDRs; NULL (no list)
lets it be used from anywhere.
"""

import functools
import ipaddress
import re
from collections.abc import Iterable

from app.core.i18n import gettext as _
from app.core.refusals import FieldRefused

MOST_PER_KEY = 20
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
_EVERYWHERE = {ipaddress.ip_network("0.0.0.0/0"), ipaddress.ip_network("::/0")}
_CIDR_CHARACTERS = re.compile(r"[0-9A-Fa-f.:]{2,45}(/[0-9]{1,3})?")


class InvalidNetworks(FieldRefused):
    """A list of networks cannot be kept; ``field`` is ``allowed_networks``."""


def check(entries: Iterable[object]) -> tuple[str, ...]:
    """The networks, each checked and written the one way (``10.0.0.0/24``; an address
    alone is its /32 or /128), duplicates dropped; InvalidNetworks naming the first entry
    at fault. An empty list means no limit."""
    listed = list(entries)
    if len(listed) > MOST_PER_KEY:  # counted before any is parsed: a long list costs nothing
        raise InvalidNetworks(
            "allowed_networks",
            _("List at most %(most)d networks.", most=MOST_PER_KEY),
        )
    found = list(dict.fromkeys(_parsed(entry) for entry in listed))
    if len(found) > 1 and _EVERYWHERE & set(found):
        everywhere = next(str(network) for network in found if network in _EVERYWHERE)
        raise InvalidNetworks(
            "allowed_networks",
            _(
                "%(network)s allows every address of its kind: list it alone, or only "
                "narrower networks.",
                network=everywhere,
            ),
        )
    return tuple(str(network) for network in found)


def _parsed(entry: object) -> Network:
    text = entry.strip() if isinstance(entry, str) else ""
    shown = text[:60] if text else repr(entry)[:60]
    # Digits, hex, dots, colons and one slash only: Python also reads an IPv6 zone
    # ("fe80::1%eth0"), free text that names no network anyone can reach a server from.
    if not _CIDR_CHARACTERS.fullmatch(text):
        raise InvalidNetworks(
            "allowed_networks",
            _("%(entry)s is not a network in CIDR form, like 203.0.113.0/24.", entry=shown),
        )
    try:
        return ipaddress.ip_network(text, strict=True)
    except ValueError:
        pass
    try:
        loose = ipaddress.ip_network(text, strict=False)
    except ValueError:
        raise InvalidNetworks(
            "allowed_networks",
            _("%(entry)s is not a network in CIDR form, like 203.0.113.0/24.", entry=shown),
        ) from None
    raise InvalidNetworks(
        "allowed_networks",
        _(
            "%(entry)s has bits set past its prefix: did you mean %(network)s?",
            entry=shown,
            network=str(loose),
        ),
    )


def stored(networks: tuple[str, ...]) -> str | None:
    """How a key's networks are kept: one space-separated text, or NULL for no limit."""
    return " ".join(networks) or None


def read(text: str | None) -> tuple[Network, ...] | None:
    """A key's networks as kept, parsed once (None: no limit)."""
    if text is None:
        return None
    return tuple(ipaddress.ip_network(part) for part in text.split())


def allows(networks: tuple[Network, ...] | None, address: str | None) -> bool:
    """Whether a key limited to ``networks`` may be used from ``address``. An IPv6 address
    that carries an IPv4 one (``::ffff:203.0.113.7``) is that IPv4 address."""
    if networks is None:
        return True
    ip = _address(address) if address is not None else None
    return ip is not None and any(ip in network for network in networks)


@functools.lru_cache(maxsize=4096)
def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """A client's address, parsed once per process for the addresses seen most (a script
    calls from the same one again and again)."""
    try:
        ip = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


def shown(networks: tuple[Network, ...] | None) -> list[str]:
    """The networks as people and scripts read them (empty: no limit)."""
    return [] if networks is None else list(_written(networks))


@functools.lru_cache(maxsize=1024)
def _written(networks: tuple[Network, ...]) -> tuple[str, ...]:
    return tuple(str(network) for network in networks)
