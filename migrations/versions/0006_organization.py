"""Organization administration: a role for every person (Zulip's numbers), a type for every
bot, and the organization's policies as rows

Existing bots become generic bots (type 1). Every person becomes a member (400), except that
the earliest active person becomes the owner (100) when nobody is one yet, since an
organization always keeps at least one active owner.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.core.models

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("role", sa.Integer(), server_default="400", nullable=False))
        batch_op.add_column(sa.Column("bot_type", sa.Integer(), nullable=True))
    op.execute("UPDATE users SET bot_type = 1 WHERE is_bot")
    op.execute(
        "UPDATE users SET role = 100 WHERE id = (SELECT min(id) FROM users"
        " WHERE NOT is_bot AND is_active) AND NOT EXISTS (SELECT 1 FROM users WHERE role = 100)"
    )
    op.create_table(
        "organization_policies",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("value", sa.JSON(), nullable=False),
        sa.Column("changed_at", app.core.models.UTCDateTime(), nullable=False),
        sa.Column("changed_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["changed_by"], ["users.id"], name=op.f("fk_organization_policies_changed_by_users")
        ),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_organization_policies")),
    )


def downgrade() -> None:
    op.drop_table("organization_policies")
    # SQLite 3.35+ drops a column in place (see 0005).
    with op.batch_alter_table("users", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("bot_type")
        batch_op.drop_column("role")
