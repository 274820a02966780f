"""The database: one engine per app, one session per request, and `flask db upgrade`."""

import contextlib
import functools
import os
import random
import threading
import time
import weakref
from collections.abc import Callable, Iterable
from typing import Any, Concatenate, ParamSpec, TypeVar

import click
from alembic import command
from alembic.config import Config
from flask import Flask, current_app, g
from flask.cli import AppGroup
from sqlalchemy import Engine, create_engine, event, select
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from app.core.config import PROJECT_ROOT

MIGRATIONS = PROJECT_ROOT / "migrations"
P = ParamSpec("P")
R = TypeVar("R")
# PostgreSQL's deadlock_detected and serialization_failure: the transaction can simply be
# run again. Each retry waits a little longer, with jitter, so the rivals fall out of step.
_CONFLICT_STATES = {"40P01", "40001"}
CONFLICT_ATTEMPTS = 4
CONNECT_TIMEOUT_SECONDS = 5  # a database host that does not answer must not hang a request


class DatabaseUnavailable(Exception):
    """The database cannot be reached (stopped, restarting, unreachable); a retry later may
    succeed. The pages and the API answer 503."""


def init_app(app: Flask) -> None:
    engine = make_engine(app.config["DATABASE_URL"])
    app.extensions["keyfob.engine"] = engine
    app.extensions["keyfob.sessions"] = sessionmaker(engine, expire_on_commit=False)
    register_teardown(app)
    app.cli.add_command(db_cli)


def register_teardown(app: Flask) -> None:
    """Close the request's session, if it opened one, when the request ends."""
    app.teardown_appcontext(_close_session)


def make_engine(url: str) -> Engine:
    """An engine; for SQLite, with WAL, foreign keys and a generous busy timeout.

    Statement parameters are kept out of error messages and logs: they can hold
    password hashes, key digests and ciphertexts.
    """
    server = not url.startswith("sqlite")
    engine = create_engine(
        url,
        pool_pre_ping=server,  # a restarted server's stale connections are replaced, not used
        hide_parameters=True,
        connect_args={"connect_timeout": CONNECT_TIMEOUT_SECONDS} if server else {},
    )
    if engine.dialect.name == "sqlite":
        _create_private_file(engine.url.database)
        event.listen(engine, "connect", _tune_sqlite)
    return engine


def _create_private_file(path: str | None) -> None:
    """Create the SQLite file readable by its owner alone, before SQLite creates it openly.

    Only a file that does not exist yet is opened (O_EXCL). Closing any descriptor of a file
    drops every POSIX lock this process holds on it, SQLite's included: an engine made for a
    database this process already has open (a second app, a test's) would otherwise let
    another process, closing its last connection, take itself for the last one and delete
    the WAL under this one's feet, after which the two no longer see each other's commits.
    """
    if path and path != ":memory:" and not path.startswith("file:"):
        with contextlib.suppress(FileExistsError):
            os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))


def _tune_sqlite(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def lock_for_write(session: Session, model: type[DeclarativeBase], ids: Iterable[int]) -> None:
    """Make the session's transaction a writer that holds these rows until it ends.

    Use it before reading what a write depends on (a count, a state), so that two requests
    cannot both read before either writes. On PostgreSQL the rows are locked FOR NO KEY
    UPDATE, in ascending id order: the one order every writer takes, so two writers cannot
    deadlock (an owner's id is always lower than their bots'), and foreign-key checks of
    inserts that merely refer to the rows (audit events) are not blocked. SQLite has no row
    locks: the transaction becomes its one writer (BEGIN IMMEDIATE) instead.
    """
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        driver_connection: Any = connection.connection.driver_connection
        if not driver_connection.in_transaction:  # a transaction that wrote is a writer already
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        return
    id_column: Any = model.id  # type: ignore[attr-defined]
    session.execute(
        select(id_column)
        .where(id_column.in_(sorted(set(ids))))
        .order_by(id_column)
        .with_for_update(key_share=True)
    )


class HolderMoved(Exception):
    """A bot changed hands while the request waited for its lock: whoever asked about it no
    longer owns it, so the request is refused (each face answers its 404)."""


def lock_holder(session: Session, holder: Any) -> None:
    """Lock a key holder's row, after a bot's owner's, as lock_for_write does, and make sure
    a bot still has the owner the request saw (``holder.bot_owner_id``, as read before the
    lock): a request that queued behind a hand-over must not act for its previous owner."""
    from app.core.models import User  # the tables sit above this module's engine code

    owner_id = holder.bot_owner_id
    lock_for_write(session, User, [holder.id] + ([owner_id] if owner_id is not None else []))
    if owner_id is not None:
        current = session.scalar(select(User.bot_owner_id).where(User.id == holder.id))
        if current != owner_id:
            raise HolderMoved()


def unit_of_work(
    work: Callable[Concatenate[Session, P], R],
) -> Callable[Concatenate[Session, P], R]:
    """Make a domain function one transaction, so that who commits shows at its signature.

    The transaction commits when the function returns and rolls back when it raises (so no
    lock outlives it, and a refusal leaves nothing behind); when the database aborted it for
    a deadlock or a serialization conflict, the function runs again from the start. The
    function itself never commits, and nothing else in ``app/`` does (a test holds it so).
    Units do not nest: one running inside another raises NestedUnitOfWork, since its commit
    would be its caller's too. Shared steps are plain functions that work within their
    caller's transaction; effects outside the database (a rate-limit counter, a progress
    report) come after the unit returns, when its work is committed.
    """

    @functools.wraps(work)
    def run(session: Session, /, *args: P.args, **kwargs: P.kwargs) -> R:
        if session.info.get(_IN_UNIT):
            raise NestedUnitOfWork(work.__qualname__)
        session.info[_IN_UNIT] = True
        try:
            return _run_to_commit(session, functools.partial(work, session, *args, **kwargs))
        finally:
            del session.info[_IN_UNIT]

    return run


class NestedUnitOfWork(Exception):
    """A unit of work was called from inside another: a programming error."""


_IN_UNIT = "keyfob.in_unit_of_work"


def _run_to_commit(session: Session, work: Callable[[], R]) -> R:
    for attempt in range(1, CONFLICT_ATTEMPTS + 1):
        try:
            result = work()
            session.commit()
            return result
        except DBAPIError as error:
            session.rollback()
            if attempt == CONFLICT_ATTEMPTS or not _is_conflict(error):
                raise
            time.sleep(random.uniform(0, 0.02 * 2**attempt))  # noqa: S311 (jitter)
        except BaseException:
            session.rollback()
            raise
    raise AssertionError("unreachable")


def _is_conflict(error: DBAPIError) -> bool:
    return getattr(error.orig, "sqlstate", None) in _CONFLICT_STATES


class HotReader:
    """One read-only DB-API connection per thread, for the query every API call makes.

    Checking a connection out of the pool, opening an ORM session and resetting it
    afterwards cost several times the indexed SELECT itself, so the authentication
    lookup keeps a connection per thread instead. It reads outside any transaction
    (autocommit), so each lookup sees every committed revocation at once.
    """

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._local = threading.local()
        # Weakly held: when a thread ends, its thread-local holder goes and the connection
        # is closed with it (threaded servers start a thread per request).
        self._opened: weakref.WeakSet[_Held] = weakref.WeakSet()
        self._lock = threading.Lock()
        self.paramstyle = engine.dialect.paramstyle
        event.listen(engine, "engine_disposed", lambda _engine: self.close())

    def fetch_one(self, sql: str, parameters: tuple[Any, ...]) -> tuple[Any, ...] | None:
        dbapi = self._engine.dialect.loaded_dbapi
        try:
            return self._fetch(sql, parameters)
        except (dbapi.Error, DBAPIError):
            self._forget()  # a broken connection (a restarted server): retry on a fresh one
        try:
            return self._fetch(sql, parameters)
        except (dbapi.OperationalError, dbapi.InterfaceError, OperationalError, InterfaceError):
            self._forget()
            raise DatabaseUnavailable() from None

    def _fetch(self, sql: str, parameters: tuple[Any, ...]) -> tuple[Any, ...] | None:
        cursor = self._connection().cursor()
        try:
            cursor.execute(sql, parameters)
            row: tuple[Any, ...] | None = cursor.fetchone()
            return row
        finally:
            cursor.close()

    def _connection(self) -> Any:
        held: _Held | None = getattr(self._local, "held", None)
        if held is None or held.pid != os.getpid():  # a new thread, or a forked process
            pooled = self._engine.raw_connection()
            connection = pooled.driver_connection
            pooled.detach()  # ours for the thread's life, outside the pool
            if self._engine.dialect.name == "postgresql":
                connection.autocommit = True  # type: ignore[union-attr]
            held = _Held(connection)
            self._local.held = held
            with self._lock:
                self._opened.add(held)
        return held.connection

    def _forget(self) -> None:
        held: _Held | None = getattr(self._local, "held", None)
        self._local.held = None
        if held is not None:
            held.close()

    def close(self) -> None:
        with self._lock:
            opened = list(self._opened)
        for held in opened:
            held.close()


class _Held:
    """A thread's connection; closed when the thread (and so this holder) is gone."""

    def __init__(self, connection: Any) -> None:
        self.connection = connection
        self.pid = os.getpid()

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.connection.close()

    def __del__(self) -> None:
        self.close()


def engine() -> Engine:
    result: Engine = current_app.extensions["keyfob.engine"]
    return result


def session() -> Session:
    """The request's session, opened on first use and closed at teardown."""
    if "db_session" not in g:
        g.db_session = current_app.extensions["keyfob.sessions"]()
    result: Session = g.db_session
    return result


def _close_session(_exc: BaseException | None) -> None:
    db_session = g.pop("db_session", None)
    if db_session is not None:
        # Closing a session whose server went away fails too; the response is already made.
        with contextlib.suppress(OperationalError, InterfaceError):
            db_session.close()


def alembic_config(db_engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = db_engine
    return config


def upgrade(db_engine: Engine, revision: str = "head") -> None:
    command.upgrade(alembic_config(db_engine), revision)


@click.group("db", cls=AppGroup)
def db_cli() -> None:
    """Manage the database schema."""


@db_cli.command("upgrade")
@click.argument("revision", default="head")
def upgrade_command(revision: str) -> None:
    """Apply migrations up to REVISION (default: the newest)."""
    upgrade(engine(), revision)
    click.echo("Database is up to date.")


@db_cli.command("revision")
@click.option("-m", "--message", required=True)
def revision_command(message: str) -> None:
    """Write a new migration from the difference between the models and the database."""
    command.revision(alembic_config(engine()), message=message, autogenerate=True)
