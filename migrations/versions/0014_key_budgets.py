"""A request budget per key (app/keys/budgets.py): requests a minute; NULL, as every key has
now, is no budget. The authentication epoch's trigger on api_keys watches the column, as it
watches every column a key check reads, so a change holds on the next request everywhere.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
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
    "decoy",
)
AFTER = (*BEFORE, "rate_limit_per_minute")
BUMP = "UPDATE auth_epoch SET value = value + 1 WHERE id = 1"


def upgrade() -> None:
    # A plain ALTER TABLE on SQLite too: a batch copy of the table would drop its triggers.
    op.add_column("api_keys", sa.Column("rate_limit_per_minute", sa.Integer(), nullable=True))
    watch_api_keys(AFTER)


def downgrade() -> None:
    watch_api_keys(BEFORE)  # first: neither database drops a column a trigger names
    op.drop_column("api_keys", "rate_limit_per_minute")


def watch_api_keys(columns: Sequence[str]) -> None:
    """The api_keys trigger of migration 0007, over ``columns`` (as migration 0013 sets it)."""
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
