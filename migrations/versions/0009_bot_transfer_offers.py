"""Bots change hands by consent: an owner's transfer is an offer the receiver accepts

One pending offer per bot (its id is the table's key). Nothing existing is converted: every
bot keeps the owner it has.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.core.models

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "bot_transfer_offers",
        sa.Column("bot_id", sa.Integer(), nullable=False),
        sa.Column("from_owner_id", sa.Integer(), nullable=False),
        sa.Column("to_user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", app.core.models.UTCDateTime(), nullable=False),
        sa.Column("expires_at", app.core.models.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["bot_id"], ["users.id"], name=op.f("fk_bot_transfer_offers_bot_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["from_owner_id"], ["users.id"], name=op.f("fk_bot_transfer_offers_from_owner_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["to_user_id"], ["users.id"], name=op.f("fk_bot_transfer_offers_to_user_id_users")
        ),
        sa.PrimaryKeyConstraint("bot_id", name=op.f("pk_bot_transfer_offers")),
    )
    op.create_index(
        op.f("ix_bot_transfer_offers_to_user_id"), "bot_transfer_offers", ["to_user_id"]
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_bot_transfer_offers_to_user_id"), table_name="bot_transfer_offers")
    op.drop_table("bot_transfer_offers")
