"""Decoy keys (app/keys/decoys.py): a key that never works and tells on whoever uses it

The column is set when a key is made and never changed by Keyfob; the authentication epoch's
trigger on api_keys watches it all the same, as it watches every column a key check reads,
so that a change made behind Keyfob's back still reaches every process's verified keys on
the next request (migration 0007).

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

BEFORE = (
    "user_id",
    "digest",
    "hint",
    "name",
    "expires_at",
    "superseded_at",
    "revoked_at",
    "scopes",
    "allowed_networks",
    "paused_at",
)
AFTER = (*BEFORE, "decoy")
BUMP = "UPDATE auth_epoch SET value = value + 1 WHERE id = 1"


def upgrade() -> None:
    # A plain ALTER TABLE on SQLite too: a batch copy of the table would drop its triggers.
    op.add_column(
        "api_keys", sa.Column("decoy", sa.Boolean(), nullable=False, server_default=sa.false())
    )
    watch_api_keys(AFTER)


def downgrade() -> None:
    watch_api_keys(BEFORE)  # first: neither database drops a column a trigger names
    op.drop_column("api_keys", "decoy")


def watch_api_keys(columns: Sequence[str]) -> None:
    """The api_keys trigger of migration 0007, over ``columns`` (as migration 0011 sets it)."""
    listed = ", ".join(columns)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER api_keys_auth_epoch ON api_keys")
        op.execute(
            f"CREATE TRIGGER api_keys_auth_epoch AFTER UPDATE OF {listed} OR DELETE"
            " ON api_keys FOR EACH ROW EXECUTE FUNCTION keyfob_bump_auth_epoch()"
        )
    else:
        op.execute("DROP TRIGGER api_keys_auth_epoch_update")
        op.execute(
            f"CREATE TRIGGER api_keys_auth_epoch_update AFTER UPDATE OF {listed}"
            f" ON api_keys BEGIN {BUMP}; END"
        )
