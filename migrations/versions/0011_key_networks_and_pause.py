"""Allowed networks and pausing, on any key (app/keys/networks.py, app/keys/restrictions.py)

NULL keeps every key as it was: usable from anywhere, not paused. The authentication
epoch's trigger on api_keys watches both columns, so a change reaches every process's
verified keys on the next request (migration 0007).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.core.models

revision: str = "0011"
down_revision: str | None = "0010"
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
)
AFTER = (*BEFORE, "allowed_networks", "paused_at")
BUMP = "UPDATE auth_epoch SET value = value + 1 WHERE id = 1"


def upgrade() -> None:
    # Plain ALTER TABLEs on SQLite too: a batch copy of the table would drop its triggers.
    op.add_column("api_keys", sa.Column("allowed_networks", sa.Text(), nullable=True))
    op.add_column("api_keys", sa.Column("paused_at", app.core.models.UTCDateTime(), nullable=True))
    watch_api_keys(AFTER)


def downgrade() -> None:
    watch_api_keys(BEFORE)  # first: neither database drops a column a trigger names
    op.drop_column("api_keys", "paused_at")
    op.drop_column("api_keys", "allowed_networks")


def watch_api_keys(columns: Sequence[str]) -> None:
    """The api_keys trigger of migration 0007, over ``columns``."""
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
