"""Alembic environment: runs against the engine `flask db upgrade` hands over.

Run through Flask (`flask --app app db upgrade`), so the database URL comes from the
app's configuration and never has to be written in an ini file.
"""

from alembic import context
from sqlalchemy import Engine

from app.core.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    engine = config.attributes.get("engine")
    if not isinstance(engine, Engine):
        raise RuntimeError("Run migrations with `flask --app app db upgrade`.")
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    raise RuntimeError("Offline migrations are not supported; use `flask db upgrade`.")
run_migrations_online()
