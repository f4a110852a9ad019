"""Database engine and per-request session, in the shape of flaskr's db.py."""

from __future__ import annotations

from typing import Any

from flask import Flask, g, has_request_context, request
from sqlalchemy import Engine, MetaData, create_engine, event
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.pool import StaticPool

EXTENSION_KEY = "petition.db"

# Constraint names that Alembic can find again on every database.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Seconds a SQLite writer waits for another writer before giving up.
SQLITE_BUSY_TIMEOUT = 30
# Requests with these methods only read: their SQLite transactions never take the write lock.
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Execution option of the engine that begins read-only SQLite transactions.
READ_OPTION = "petition_read_only"
# Execution option of a SQLite write transaction that gives up at once when another
# writer holds the lock, instead of waiting SQLITE_BUSY_TIMEOUT (see counts.fold_tallies).
NO_WAIT_OPTION = "petition_no_wait"


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def make_engine(url: str) -> Engine:
    """Build an engine, with the SQLite settings that make it safe under threads."""
    if not url.startswith("sqlite"):
        return create_engine(url, pool_pre_ping=True)
    in_memory = url in ("sqlite://", "sqlite:///:memory:")
    kwargs: dict[str, Any] = {
        "connect_args": {"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT}
    }
    if in_memory:
        kwargs["poolclass"] = StaticPool  # one shared connection, or each would see its own DB
    engine = create_engine(url, **kwargs)
    _configure_sqlite(engine, wal=not in_memory)
    return engine


def _configure_sqlite(engine: Engine, *, wal: bool) -> None:
    """Let SQLAlchemy own transactions; writers take the write lock at BEGIN, readers never.

    pysqlite's own transaction handling breaks SAVEPOINT; and a deferred
    transaction that reads then writes fails at once ("database is locked")
    when another writer got there first, while BEGIN IMMEDIATE waits its turn.
    Read-only transactions (see read_engine) use a plain deferred BEGIN: in WAL
    mode they read their snapshot while one writer works, and wait for nobody.
    """

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        if wal:
            cursor.execute("PRAGMA journal_mode=WAL")
            # In WAL mode NORMAL syncs at checkpoints, not at every commit: a commit
            # survives an application crash; only a power cut may lose the last ones.
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection: Any) -> None:
        options = connection.get_execution_options()
        if options.get(READ_OPTION, False):
            connection.exec_driver_sql("BEGIN")
        elif options.get(NO_WAIT_OPTION, False):
            connection.exec_driver_sql("PRAGMA busy_timeout = 0")
            try:
                connection.exec_driver_sql("BEGIN IMMEDIATE")
            finally:
                connection.exec_driver_sql(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT * 1000}")
        else:
            connection.exec_driver_sql("BEGIN IMMEDIATE")


def init_app(app: Flask) -> None:
    """Create the engine and session factory and close the session after each request."""
    engine = make_engine(app.config["DATABASE_URL"])
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    # Same pool and events; on SQLite its transactions begin deferred (no write lock).
    read_factory = sessionmaker(bind=read_engine(engine), expire_on_commit=False)
    app.extensions[EXTENSION_KEY] = {
        "engine": engine,
        "sessionmaker": factory,
        "read_sessionmaker": read_factory,
    }
    app.teardown_appcontext(close_session)


def get_engine(app: Flask) -> Engine:
    """Return the app's engine."""
    engine: Engine = app.extensions[EXTENSION_KEY]["engine"]
    return engine


def read_engine(engine: Engine) -> Engine:
    """Return the engine whose SQLite transactions only read (BEGIN, not BEGIN IMMEDIATE)."""
    return engine.execution_options(**{READ_OPTION: True})


def get_session() -> Session:
    """Return this request's session, opening it on first use.

    GET, HEAD and OPTIONS requests only read, so on SQLite their session never
    takes the write lock; every other request, and the CLI, may write.
    """
    if "db_session" not in g:
        from flask import current_app

        reading = has_request_context() and request.method in READ_METHODS
        factories = current_app.extensions[EXTENSION_KEY]
        g.db_session = factories["read_sessionmaker" if reading else "sessionmaker"]()
    session: Session = g.db_session
    return session


def write_sessionmaker(app: Flask) -> sessionmaker[Session]:
    """Return the factory of sessions that may write (BEGIN IMMEDIATE on SQLite)."""
    factory: sessionmaker[Session] = app.extensions[EXTENSION_KEY]["sessionmaker"]
    return factory


def in_transaction() -> bool:
    """Tell whether this request's session has a transaction open."""
    session: Session | None = g.get("db_session")
    return session is not None and session.in_transaction()


def close_session(_exc: BaseException | None = None) -> None:
    """Roll back anything uncommitted and return the connection to the pool."""
    session = g.pop("db_session", None)
    if session is not None:
        session.close()
