"""Per-key usage (app/keys/call_counts.py): calls counted a day at a time, by outcome,
client network, route, scope and token, added to in batches by every process; and when a
key's owner was last told it is stale, and when that notice said it would expire
(app/keys/staleness.py)

No key check reads either, so the authentication epoch's triggers do not watch them. The
column is added with a plain ALTER TABLE on SQLite too: a batch copy would drop the
api_keys triggers.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.core.models

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "key_usage",
        sa.Column("key_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("facet", sa.String(length=8), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("calls", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("key_id", "day", "facet", "name", name=op.f("pk_key_usage")),
    )
    op.create_index("ix_key_usage_day", "key_usage", ["day"])
    for column in ("stale_notice_at", "stale_expires_at"):
        op.add_column("api_keys", sa.Column(column, app.core.models.UTCDateTime(), nullable=True))


def downgrade() -> None:
    op.drop_column("api_keys", "stale_expires_at")
    op.drop_column("api_keys", "stale_notice_at")
    op.drop_index("ix_key_usage_day", table_name="key_usage")
    op.drop_table("key_usage")
