"""Scopes on keys: what a named key may do (app/keys/scopes.py)

A NULL keeps every key made before as it was: a primary key may do everything its holder
may, and a named key everything a named key may. The authentication epoch's trigger on
api_keys watches the new column too, so a change of scopes reaches every process's
verified keys on the next request (migration 0007).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BEFORE = ("user_id", "digest", "hint", "name", "expires_at", "superseded_at", "revoked_at")
AFTER = (*BEFORE, "scopes")
BUMP = "UPDATE auth_epoch SET value = value + 1 WHERE id = 1"


def upgrade() -> None:
    # A plain ALTER TABLE on SQLite too: a batch copy of the table would drop its triggers.
    op.add_column("api_keys", sa.Column("scopes", sa.Text(), nullable=True))
    watch_api_keys(AFTER)


def downgrade() -> None:
    watch_api_keys(BEFORE)  # first: neither database drops a column a trigger names
    op.drop_column("api_keys", "scopes")


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
