"""The IP addresses each person's keys have been shown or downloaded from, so that a key
leaving for an address never seen before is worth an email (app/notifications/notices.py);
and the networks their keys were used or shown from, so that a key used from a new place is
worth one too."""

import ipaddress

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from app.core import clock
from app.core.models import SeenAddress, SeenNetwork


def first_time(session: Session, user_id: int, address: str) -> bool:
    """Record ``address`` for ``user_id`` in the caller's transaction; True if it is new.

    An insert that skips a row already there, so two reveals at once from one new address
    cannot fail on the primary key (one of them may then count it as new: one mail too many,
    never an error)."""
    if session.scalar(
        select(SeenAddress.address).where(
            SeenAddress.user_id == user_id, SeenAddress.address == address
        )
    ):
        return False
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    session.execute(
        insert(SeenAddress)
        .values(user_id=user_id, address=address, first_seen_at=clock.now())
        .on_conflict_do_nothing()
    )
    network = network_of(address)
    if network is not None:  # a key shown there may well be used there: no news
        first_time_network(session, user_id, network)
    return True


def network_of(address: str) -> str | None:
    """The network an address counts as, for "a new place": its IPv4 /24 or IPv6 /48 (an
    IPv6 address that carries an IPv4 one is that address); None for no address."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    prefix = 24 if ip.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))


def knows_network(session: Session, user_id: int, network: str) -> bool:
    """Whether ``network`` is one of ``user_id``'s known networks already."""
    known = select(SeenNetwork.network).where(
        SeenNetwork.user_id == user_id, SeenNetwork.network == network
    )
    return session.scalar(known) is not None


def first_time_network(session: Session, user_id: int, network: str) -> bool:
    """Record ``network`` for ``user_id`` in the caller's transaction; True if it is new
    and the person had others before (an insert that skips a row already there, as
    first_time's). The very first network of a person is where they are: nothing to
    compare it with, so nothing to tell."""
    mine = select(SeenNetwork.network).where(SeenNetwork.user_id == user_id)
    if session.scalar(mine.where(SeenNetwork.network == network)) is not None:
        return False
    had_others = session.scalar(mine.limit(1)) is not None
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    session.execute(
        insert(SeenNetwork)
        .values(user_id=user_id, network=network, first_seen_at=clock.now())
        .on_conflict_do_nothing()
    )
    return had_others
