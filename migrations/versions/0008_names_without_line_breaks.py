"""Names without line breaks: every full name (people and bots) and key name that holds a
line break (CR, LF, VT, FF, NEL, U+2028, U+2029, the information separators) or a tab gets
a space for each run of them, as the rule every name now follows allows no such character
(app/people/identities.py): a name is quoted on one line in the emails Keyfob sends, and a line
break in it let its author write lines of their own into them. A key name stays unique
among its holder's live keys: one that would collide gets " (2)", " (3)" … at the end.

And outbound_mail.unsolicited: whether a message is a notice its recipient did not cause,
which app/notifications/notices.py limits per recipient and hour (the same issue: what other people
write, and how often, into someone's mailbox).

The names are not put back by a downgrade: they were never meant to hold those characters.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06
"""

import re
from collections import defaultdict
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# app.text.LINE_BREAKS and a tab, as of this revision (a migration keeps its own copy).
BREAKS = "\t\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
RUN_OF_BREAKS = re.compile(f"\\s*[{re.escape(BREAKS)}][\\s{re.escape(BREAKS)}]*")
KEY_NAME_MAX = 50  # api_keys.name's length

users = sa.table(
    "users", sa.column("id", sa.Integer), sa.column("email", sa.String), sa.column("full_name")
)
api_keys = sa.table(
    "api_keys",
    sa.column("id", sa.Integer),
    sa.column("user_id", sa.Integer),
    sa.column("name", sa.String),
    sa.column("revoked_at", sa.DateTime),
)


def upgrade() -> None:
    connection = op.get_bind()
    _clean_full_names(connection)
    _clean_key_names(connection)
    with op.batch_alter_table("outbound_mail", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("unsolicited", sa.Boolean(), server_default="0", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("outbound_mail", schema=None) as batch_op:
        batch_op.drop_column("unsolicited")


def one_line(name: str) -> str:
    """``name`` with each run of line breaks (and the spaces around it) made one space."""
    return RUN_OF_BREAKS.sub(" ", name).strip()


def _holding_breaks(column: sa.ColumnClause[str]) -> sa.ColumnElement[bool]:
    # LIKE on each character: the same SQL on SQLite and PostgreSQL, and no regex dialect.
    return sa.or_(*(column.contains(character, autoescape=True) for character in BREAKS))


def _clean_full_names(connection: sa.Connection) -> None:
    rows = connection.execute(
        sa.select(users.c.id, users.c.email, users.c.full_name).where(
            _holding_breaks(users.c.full_name)
        )
    ).all()
    for user_id, email, full_name in rows:
        # A stored name always showed something, so a name is left; the email's local part
        # stands in should one not be.
        cleaned = one_line(full_name) or email.partition("@")[0]
        connection.execute(users.update().where(users.c.id == user_id).values(full_name=cleaned))


def _clean_key_names(connection: sa.Connection) -> None:
    rows = connection.execute(
        sa.select(api_keys.c.id, api_keys.c.user_id, api_keys.c.name, api_keys.c.revoked_at)
        .where(_holding_breaks(api_keys.c.name))
        .order_by(api_keys.c.id)
    ).all()
    taken = _live_names(connection, {row.user_id for row in rows if row.revoked_at is None})
    for key_id, user_id, name, revoked_at in rows:
        cleaned = one_line(name) or f"key {key_id}"
        if revoked_at is None:  # uq_api_keys_live_name_per_user: live keys only
            taken[user_id].discard(name)
            cleaned = _free_name(cleaned, taken[user_id])
            taken[user_id].add(cleaned)
        connection.execute(api_keys.update().where(api_keys.c.id == key_id).values(name=cleaned))


def _live_names(connection: sa.Connection, user_ids: set[int]) -> defaultdict[int, set[str]]:
    """The names of the live keys of each of ``user_ids``."""
    taken: defaultdict[int, set[str]] = defaultdict(set)
    if user_ids:
        for user_id, name in connection.execute(
            sa.select(api_keys.c.user_id, api_keys.c.name).where(
                api_keys.c.user_id.in_(user_ids),
                api_keys.c.revoked_at.is_(None),
                api_keys.c.name.is_not(None),
            )
        ):
            taken[user_id].add(name)
    return taken


def _free_name(name: str, taken: set[str]) -> str:
    """``name``, or ``name (2)``, ``name (3)`` … whichever no live key of the holder has,
    cut to fit the column."""
    candidate, number = name, 1
    while candidate in taken:
        number += 1
        suffix = f" ({number})"
        candidate = name[: KEY_NAME_MAX - len(suffix)].rstrip() + suffix
    return candidate
