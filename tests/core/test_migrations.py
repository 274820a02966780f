"""The migrations and the models describe the same schema."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask
from sqlalchemy import Connection, inspect, text

from app.core.db import make_engine
from app.core.models import Base


def test_the_migrated_schema_matches_the_models(app: Flask) -> None:
    engine = app.extensions["keyfob.engine"]
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    assert differences == []


def schema_details(connection: Connection, schema: str | None) -> dict[str, Any]:
    """What compare_metadata does not compare: index predicates and check constraints."""
    inspector = inspect(connection)
    details: dict[str, Any] = {}
    for table in Base.metadata.tables:
        indexes = [
            (
                index["name"],
                tuple(index["column_names"]),
                bool(index["unique"]),
                sorted(
                    (option, " ".join(str(value).strip("()").split()))
                    for option, value in index.get("dialect_options", {}).items()
                    if option.endswith("_where")
                ),
            )
            for index in inspector.get_indexes(table, schema=schema)
        ]
        checks = [
            (check["name"], " ".join(check["sqltext"].replace("(", "").replace(")", "").split()))
            for check in inspector.get_check_constraints(table, schema=schema)
        ]
        details[table] = {"indexes": sorted(indexes), "checks": sorted(checks)}
    return details


@pytest.fixture
def models_only(app: Flask, tmp_path: Path) -> Iterator[tuple[Connection, str | None]]:
    """A schema built straight from the models, beside the migrated one, on the same backend."""
    migrated = app.extensions["keyfob.engine"]
    if migrated.dialect.name == "postgresql":
        engine = migrated
        schema: str | None = "models_only"
    else:
        engine = make_engine(f"sqlite:///{tmp_path / 'models-only.sqlite3'}")
        schema = None
    with engine.begin() as connection:
        if schema:
            connection.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
            connection.execute(text(f"CREATE SCHEMA {schema}"))
        translated = connection.execution_options(schema_translate_map={None: schema})
        Base.metadata.create_all(translated)
        yield connection, schema
        if schema:
            connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))


def test_indexes_and_checks_match_the_models(
    app: Flask, models_only: tuple[Connection, str | None]
) -> None:
    connection, schema = models_only
    with app.extensions["keyfob.engine"].connect() as migrated:
        assert schema_details(migrated, None) == schema_details(connection, schema)


def test_the_key_indexes_are_partial(app: Flask) -> None:
    with app.extensions["keyfob.engine"].connect() as migrated:
        indexes = schema_details(migrated, None)["api_keys"]["indexes"]
    predicates = {  # PostgreSQL puts each term in parentheses
        name: (unique, where[0][1].replace("(", "").replace(")", ""))
        for name, _, unique, where in indexes
        if where
    }
    assert predicates == {
        "uq_api_keys_one_primary_per_user": (
            True,
            "revoked_at IS NULL AND name IS NULL AND superseded_at IS NULL",
        ),
        "uq_api_keys_live_name_per_user": (True, "revoked_at IS NULL AND name IS NOT NULL"),
    }
