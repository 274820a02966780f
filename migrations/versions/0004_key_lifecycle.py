"""Key lifecycle: named keys, expiry, roll with overlap, last-use details, idempotent rotations

Every existing key becomes its user's primary key (no name) with no expiry. Downgrading
revokes the keys the old schema cannot express (named keys, and old primary keys still in
their overlap), so that its one-active-key-per-user index holds again.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.core.models

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PRIMARY = "revoked_at IS NULL AND name IS NULL AND superseded_at IS NULL"
LIVE_NAME = "revoked_at IS NULL AND name IS NOT NULL"


def upgrade() -> None:
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.add_column(sa.Column("name", sa.String(length=50), nullable=True))
        batch_op.add_column(sa.Column("expires_at", app.core.models.UTCDateTime(), nullable=True))
        batch_op.add_column(
            sa.Column("superseded_at", app.core.models.UTCDateTime(), nullable=True)
        )
        batch_op.add_column(sa.Column("last_used_ip", sa.String(length=45), nullable=True))
        batch_op.add_column(sa.Column("last_used_user_agent", sa.String(length=255), nullable=True))
        batch_op.drop_index("uq_api_keys_one_active_per_user")
        batch_op.create_index(
            "uq_api_keys_one_primary_per_user",
            ["user_id"],
            unique=True,
            sqlite_where=sa.text(PRIMARY),
            postgresql_where=sa.text(PRIMARY),
        )
        batch_op.create_index(
            "uq_api_keys_live_name_per_user",
            ["user_id", "name"],
            unique=True,
            sqlite_where=sa.text(LIVE_NAME),
            postgresql_where=sa.text(LIVE_NAME),
        )
        batch_op.create_check_constraint(
            op.f("ck_api_keys_named_keys_do_not_roll"), "name IS NULL OR superseded_at IS NULL"
        )

    op.create_table(
        "key_rotations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("request_digest", sa.String(length=64), nullable=False),
        sa.Column("subject_user_id", sa.Integer(), nullable=False),
        sa.Column("grace_seconds", sa.Integer(), nullable=False),
        sa.Column("new_key_id", sa.Integer(), nullable=False),
        sa.Column("created_at", app.core.models.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["users.id"], name=op.f("fk_key_rotations_actor_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["subject_user_id"], ["users.id"], name=op.f("fk_key_rotations_subject_user_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["new_key_id"], ["api_keys.id"], name=op.f("fk_key_rotations_new_key_id_api_keys")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_key_rotations")),
    )
    with op.batch_alter_table("key_rotations", schema=None) as batch_op:
        batch_op.create_index(
            "uq_key_rotations_actor_request", ["actor_id", "request_digest"], unique=True
        )


def downgrade() -> None:
    op.drop_table("key_rotations")
    op.execute(
        "UPDATE api_keys SET revoked_at = CURRENT_TIMESTAMP"
        " WHERE revoked_at IS NULL AND (name IS NOT NULL OR superseded_at IS NOT NULL)"
    )
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_api_keys_named_keys_do_not_roll"), type_="check")
        batch_op.drop_index("uq_api_keys_live_name_per_user")
        batch_op.drop_index("uq_api_keys_one_primary_per_user")
        batch_op.create_index(
            "uq_api_keys_one_active_per_user",
            ["user_id"],
            unique=True,
            sqlite_where=sa.text("revoked_at IS NULL"),
            postgresql_where=sa.text("revoked_at IS NULL"),
        )
        batch_op.drop_column("last_used_user_agent")
        batch_op.drop_column("last_used_ip")
        batch_op.drop_column("superseded_at")
        batch_op.drop_column("expires_at")
        batch_op.drop_column("name")
