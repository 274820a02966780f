"""The authentication epoch: one counter that triggers raise with every change that can
change what a key authenticates as, so each app process may keep the keys it verified
until the counter moves (app/keys/verified.py)

The triggers fire on UPDATE OF the columns the authentication lookup reads (and on DELETE)
of api_keys and users; the bookkeeping columns written as keys are used (last_used_*) and
the columns no key check reads (password hash, language, ...) do not move it, so steady use
keeps every cache warm. tests/test_auth_epoch.py checks this list against the models: a
column added later must be classified there, and added here (in a new migration) if the
lookup reads it.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# What the lookup (app/keys/store.py) reads or filters on, as of this revision.
WATCHED = {
    "api_keys": ("user_id", "digest", "hint", "name", "expires_at", "superseded_at", "revoked_at"),
    "users": (
        "email",
        "full_name",
        "is_bot",
        "bot_owner_id",
        "is_active",
        "created_at",
        "role",
        "bot_type",
    ),
}
BUMP = "UPDATE auth_epoch SET value = value + 1 WHERE id = 1"


def upgrade() -> None:
    op.create_table(
        "auth_epoch",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_auth_epoch")),
    )
    op.execute("INSERT INTO auth_epoch (id, value) VALUES (1, 0)")
    if op.get_bind().dialect.name == "postgresql":
        _postgresql_triggers()
    else:
        _sqlite_triggers()


def _postgresql_triggers() -> None:
    op.execute(
        "CREATE OR REPLACE FUNCTION keyfob_bump_auth_epoch() RETURNS trigger"
        f" LANGUAGE plpgsql AS $$ BEGIN {BUMP}; RETURN NULL; END $$"
    )
    for table, columns in WATCHED.items():
        op.execute(
            f"CREATE TRIGGER {table}_auth_epoch AFTER UPDATE OF {', '.join(columns)} OR DELETE"
            f" ON {table} FOR EACH ROW EXECUTE FUNCTION keyfob_bump_auth_epoch()"
        )


def _sqlite_triggers() -> None:
    for table, columns in WATCHED.items():
        op.execute(
            f"CREATE TRIGGER {table}_auth_epoch_update AFTER UPDATE OF {', '.join(columns)}"
            f" ON {table} BEGIN {BUMP}; END"
        )
        op.execute(
            f"CREATE TRIGGER {table}_auth_epoch_delete AFTER DELETE ON {table} BEGIN {BUMP}; END"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in WATCHED:
            op.execute(f"DROP TRIGGER {table}_auth_epoch ON {table}")
        op.execute("DROP FUNCTION keyfob_bump_auth_epoch()")
    else:
        for table in WATCHED:
            op.execute(f"DROP TRIGGER {table}_auth_epoch_update")
            op.execute(f"DROP TRIGGER {table}_auth_epoch_delete")
    op.drop_table("auth_epoch")
