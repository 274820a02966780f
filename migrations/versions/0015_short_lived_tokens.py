"""Short-lived tokens (app/keys/tokens.py): minted from a key, looked up by digest like a key,
working only while that key does

The authentication epoch's triggers (migration 0007) watch every column of the table that a
token check reads, and its deletion, as they do api_keys': revoking a token reaches every
process's verified keys on the next request. The token's parent key is read in the same
statement, so everything that ends a key (watched on api_keys already) ends its tokens.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.core.models

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WATCHED = ("key_id", "user_id", "digest", "hint", "scopes", "expires_at", "revoked_at")
BUMP = "UPDATE auth_epoch SET value = value + 1 WHERE id = 1"


def upgrade() -> None:
    timestamp = app.core.models.UTCDateTime
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("hint", sa.String(length=4), nullable=False),
        sa.Column("scopes", sa.Text(), nullable=False),
        sa.Column("created_at", timestamp(), nullable=False),
        sa.Column("expires_at", timestamp(), nullable=False),
        sa.Column("revoked_at", timestamp(), nullable=True),
        sa.Column("last_used_at", timestamp(), nullable=True),
        sa.Column("last_used_ip", sa.String(length=45), nullable=True),
        sa.Column("last_used_user_agent", sa.String(length=255), nullable=True),
        sa.ForeignKeyConstraint(
            ["key_id"], ["api_keys.id"], name=op.f("fk_api_tokens_key_id_api_keys")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_api_tokens_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
        sa.UniqueConstraint("digest", name=op.f("uq_api_tokens_digest")),
    )
    op.create_index(op.f("ix_api_tokens_key_id"), "api_tokens", ["key_id"])
    op.create_index(op.f("ix_api_tokens_user_id"), "api_tokens", ["user_id"])
    listed = ", ".join(WATCHED)
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"CREATE TRIGGER api_tokens_auth_epoch AFTER UPDATE OF {listed} OR DELETE"
            " ON api_tokens FOR EACH ROW EXECUTE FUNCTION keyfob_bump_auth_epoch()"
        )
    else:
        op.execute(
            f"CREATE TRIGGER api_tokens_auth_epoch_update AFTER UPDATE OF {listed}"
            f" ON api_tokens BEGIN {BUMP}; END"
        )
        op.execute(
            f"CREATE TRIGGER api_tokens_auth_epoch_delete AFTER DELETE ON api_tokens"
            f" BEGIN {BUMP}; END"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER api_tokens_auth_epoch ON api_tokens")
    else:
        op.execute("DROP TRIGGER api_tokens_auth_epoch_update")
        op.execute("DROP TRIGGER api_tokens_auth_epoch_delete")
    op.drop_index(op.f("ix_api_tokens_user_id"), table_name="api_tokens")
    op.drop_index(op.f("ix_api_tokens_key_id"), table_name="api_tokens")
    op.drop_table("api_tokens")
