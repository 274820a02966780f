"""Mail and security notices: the outbound mail queue, the addresses a user's key was shown
to, a user's choice of routine notices, and which expiry notices a key has had

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.core.models

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PENDING = "sent_at IS NULL AND gave_up_at IS NULL"


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("routine_notices", sa.Boolean(), server_default="1", nullable=False)
        )
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.add_column(sa.Column("expiry_notice_days", sa.Integer(), nullable=True))

    op.create_table(
        "seen_addresses",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("address", sa.String(length=45), nullable=False),
        sa.Column("first_seen_at", app.core.models.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_seen_addresses_user_id_users")
        ),
        sa.PrimaryKeyConstraint("user_id", "address", name=op.f("pk_seen_addresses")),
    )
    op.create_table(
        "outbound_mail",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", app.core.models.UTCDateTime(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("recipient", sa.String(length=254), nullable=False),
        sa.Column("language", sa.String(length=16), nullable=False),
        sa.Column("subject", sa.String(length=255), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", app.core.models.UTCDateTime(), nullable=False),
        sa.Column("claimed_until", app.core.models.UTCDateTime(), nullable=True),
        sa.Column("sent_at", app.core.models.UTCDateTime(), nullable=True),
        sa.Column("gave_up_at", app.core.models.UTCDateTime(), nullable=True),
        sa.Column("last_error", sa.String(length=255), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_outbound_mail_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbound_mail")),
    )
    with op.batch_alter_table("outbound_mail", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_outbound_mail_user_id"), ["user_id"], unique=False)
        batch_op.create_index(
            "ix_outbound_mail_pending",
            ["next_attempt_at"],
            unique=False,
            sqlite_where=sa.text(PENDING),
            postgresql_where=sa.text(PENDING),
        )


def downgrade() -> None:
    op.drop_table("outbound_mail")
    op.drop_table("seen_addresses")
    # SQLite 3.35+ drops a column in place; copying the tables instead would trip over the
    # foreign keys that point at them.
    with op.batch_alter_table("api_keys", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("expiry_notice_days")
    with op.batch_alter_table("users", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("routine_notices")
