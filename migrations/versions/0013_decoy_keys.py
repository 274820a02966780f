"""Decoy keys (app/keys/decoys.py): a key that never works and tells on whoever uses it

A decoy is set when the key is made and never changes, so the authentication epoch's
trigger need not watch the column: a new key's digest was never verified by any process,
and revoking a decoy is a change of revoked_at, which the trigger watches already.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A plain ALTER TABLE on SQLite too: a batch copy of the table would drop its triggers.
    op.add_column(
        "api_keys", sa.Column("decoy", sa.Boolean(), nullable=False, server_default=sa.false())
    )


def downgrade() -> None:
    op.drop_column("api_keys", "decoy")
