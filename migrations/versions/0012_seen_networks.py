"""The networks each person's keys were used or shown from (app/notifications/seen_addresses.py)

Filled from what is known already (each key's last use, each address a key was shown to),
so that the first use after the upgrade from a usual place sends no notice.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06
"""

import ipaddress
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import app.core.models

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    table = op.create_table(
        "seen_networks",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("network", sa.String(length=43), nullable=False),
        sa.Column("first_seen_at", app.core.models.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_seen_networks_user_id_users")
        ),
        sa.PrimaryKeyConstraint("user_id", "network", name=op.f("pk_seen_networks")),
    )
    known = op.get_bind().execute(
        sa.text(
            "SELECT COALESCE(u.bot_owner_id, u.id), k.last_used_ip FROM api_keys k"
            " JOIN users u ON u.id = k.user_id WHERE k.last_used_ip IS NOT NULL"
            " UNION SELECT user_id, address FROM seen_addresses"
        )
    )
    now = datetime.now(UTC)
    rows = {(person, network) for person, address in known if (network := _network(address))}
    if rows:
        op.bulk_insert(
            table,
            [{"user_id": p, "network": n, "first_seen_at": now} for p, n in sorted(rows)],
        )


def downgrade() -> None:
    op.drop_table("seen_networks")


def _network(address: str) -> str | None:
    """As app/notifications/seen_addresses.network_of, frozen here as of this revision."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    prefix = 24 if ip.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))
