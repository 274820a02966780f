"""What an operator sees and does: rows in the database, its connections, the flask CLI."""

import os
from pathlib import Path

from click.testing import Result
from flask import Flask
from sqlalchemy import ColumnElement, func, select

from app.core import db
from app.core.models import AuditEvent, User
from tests.helpers.users import PASSWORD


def count_users(app: Flask, *conditions: ColumnElement[bool]) -> int:
    """How many users (humans and bots) meet ``conditions``."""
    with app.app_context():
        return db.session().scalar(select(func.count()).select_from(User).where(*conditions)) or 0


def audit_events(app: Flask, *conditions: ColumnElement[bool]) -> list[AuditEvent]:
    """The audit log's rows that meet ``conditions``, oldest first."""
    with app.app_context():
        query = select(AuditEvent).where(*conditions).order_by(AuditEvent.id)
        return list(db.session().scalars(query))


def audit_types(app: Flask, *conditions: ColumnElement[bool]) -> list[str]:
    """The event types of the audit log's rows that meet ``conditions``, oldest first."""
    return [event.event_type for event in audit_events(app, *conditions)]


def users_create(app: Flask, email: str, full_name: str) -> Result:
    """`flask users create` as an administrator runs it, the password on standard input."""
    arguments = ["--email", email, "--full-name", full_name, "--password-stdin"]
    return app.test_cli_runner().invoke(args=["users", "create", *arguments], input=PASSWORD)


def open_database_connections(application: Flask) -> int:
    """Connections an operator would count: pg_stat_activity, or handles on the SQLite file."""
    engine = application.extensions["keyfob.engine"]
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            query = "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            return int(connection.exec_driver_sql(query).scalar_one()) - 1  # less this one
    database = os.path.realpath(str(engine.url.database))
    handles = Path("/proc/self/fd").iterdir()
    return sum(1 for handle in handles if os.path.realpath(handle) == database)
