"""Database engine and per-request session, in the shape of flaskr's db.py."""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
from collections import Counter
from collections.abc import Callable, Mapping
from typing import IO, Any, TypeVar

from flask import Flask, g, has_request_context, request
from sqlalchemy import Connection, Dialect, Engine, MetaData, create_engine, event
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.pool import PoolProxiedConnection, StaticPool
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import BindParameter

EXTENSION_KEY = "petition.db"
T = TypeVar("T")

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


# Threads holding the writers' lock, with how many connections each (see lock_writers).
_holders: Counter[int] = Counter()


class WriterQueueConnection(sqlite3.Connection):
    """A pysqlite connection whose write transactions queue on an OS lock, not a sleep.

    When a writer finds SQLite's write lock taken, SQLite's busy handler sleeps
    (1, 2, 5, 10, ... 100 ms) and tries again: under load, writers in other processes
    spend their time asleep while the lock is free, and wait far longer than the
    writes take. Here a writer first takes an exclusive `flock` on a file beside the
    database (`<database>.writers`), just before BEGIN IMMEDIATE, and lets it go as soon
    as its transaction ends: the kernel queues writers and wakes the next one the
    moment the lock is released.

    The OS lock only orders writers that use it; SQLite's own lock (and busy timeout)
    still guards the data, so a writer that does not take it (the sqlite3 shell,
    another program) stays correct, only slower. Each connection opens its own file:
    a flock belongs to an open file, so connections in one process exclude each other
    as well as processes do. Closing the connection (or losing it) closes the file,
    which lets the lock go on every path.
    """

    def __init__(self, database: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(database, *args, **kwargs)
        name = os.fsdecode(database)
        # In-memory and URI databases have no file to lock beside: their writers do not queue.
        plain_file = name not in ("", ":memory:") and not name.startswith("file:")
        self._writers_path = os.path.abspath(f"{name}.writers") if plain_file else None
        self._writers: IO[bytes] | None = None
        self._holder: int | None = None  # the thread that holds the lock through us

    def lock_writers(self, *, wait: bool) -> bool:
        """Take the writers' lock before a write transaction; False when `wait` is off
        and another writer holds it.

        A thread that already holds it through another connection does not queue
        behind itself: that second transaction waits on SQLite's busy timeout, as
        without this lock.
        """
        thread = threading.get_ident()
        if self._writers_path is None or _holders[thread]:
            return True
        if self._writers is None:
            self._writers = open(self._writers_path, "ab")  # noqa: SIM115 (lives with the connection)
        try:
            fcntl.flock(self._writers, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        self._holder = thread
        _holders[thread] += 1
        return True

    def unlock_writers(self) -> None:
        """Let the next writer in (once the transaction is over, whatever its outcome)."""
        if self._holder is not None:
            _holders[self._holder] -= 1
            if not _holders[self._holder]:
                del _holders[self._holder]
            self._holder = None
            assert self._writers is not None
            fcntl.flock(self._writers, fcntl.LOCK_UN)

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self.unlock_writers()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self.unlock_writers()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self.unlock_writers()
            if self._writers is not None:
                self._writers.close()
                self._writers = None


def make_engine(url: str) -> Engine:
    """Build an engine, with the SQLite settings that make it safe under threads."""
    if not url.startswith("sqlite"):
        return create_engine(url, pool_pre_ping=True)
    in_memory = url in ("sqlite://", "sqlite:///:memory:")
    connect_args: dict[str, Any] = {"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT}
    kwargs: dict[str, Any] = {"connect_args": connect_args}
    if in_memory:
        kwargs["poolclass"] = StaticPool  # one shared connection, or each would see its own DB
    else:
        connect_args["factory"] = WriterQueueConnection
    engine = create_engine(url, **kwargs)
    _configure_sqlite(engine, wal=not in_memory)
    return engine


def _configure_sqlite(engine: Engine, *, wal: bool) -> None:
    """Let SQLAlchemy own transactions; writers take the write lock at BEGIN, readers never.

    pysqlite's own transaction handling breaks SAVEPOINT; and a deferred
    transaction that reads then writes fails at once ("database is locked")
    when another writer got there first, while BEGIN IMMEDIATE waits its turn
    (queued on the writers' lock of WriterQueueConnection, for database files).
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
            _driver_sql(connection, "BEGIN")
            return
        dbapi_connection = connection.connection.dbapi_connection
        queued = isinstance(dbapi_connection, WriterQueueConnection)
        if options.get(NO_WAIT_OPTION, False):
            if queued and not dbapi_connection.lock_writers(wait=False):
                raise OperationalError(
                    "BEGIN IMMEDIATE", None, sqlite3.OperationalError("database is locked")
                )
            connection.exec_driver_sql("PRAGMA busy_timeout = 0")
            try:
                _begin_immediate(connection, dbapi_connection if queued else None)
            finally:
                connection.exec_driver_sql(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT * 1000}")
        else:
            if queued:
                dbapi_connection.lock_writers(wait=True)
            _begin_immediate(connection, dbapi_connection if queued else None)


def _begin_immediate(connection: Any, queued: WriterQueueConnection | None) -> None:
    """BEGIN IMMEDIATE; a failed BEGIN lets the writers' lock go at once."""
    try:
        _driver_sql(connection, "BEGIN IMMEDIATE")
    except BaseException:
        if queued is not None:
            queued.unlock_writers()
        raise


def _driver_sql(connection: Any, sql: str) -> None:
    """Run a statement without parameters or rows (BEGIN) on the driver's connection:
    a twentieth of exec_driver_sql's cost, and it runs for every transaction. Errors
    come out as SQLAlchemy's, as from exec_driver_sql."""
    _sqlite_call(sql, lambda: connection.connection.driver_connection.execute(sql))


def _sqlite_call(sql: str, call: Callable[[], object]) -> None:
    """Call the sqlite3 driver; its errors come out as SQLAlchemy's."""
    try:
        call()
    except sqlite3.Error as error:
        raise DBAPIError.instance(sql, None, error, sqlite3.Error) from error


def init_app(app: Flask) -> None:
    """Create the engine and session factory and close the session after each request."""
    engine = make_engine(app.config["DATABASE_URL"])
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    # Same pool and events; on SQLite its transactions begin deferred (no write lock).
    read_factory = sessionmaker(bind=read_engine(engine), expire_on_commit=False)
    app.extensions[EXTENSION_KEY] = {
        "engine": engine,
        "direct_engine": make_direct_engine(
            engine, synchronous_commit=app.config["SIGN_SYNCHRONOUS_COMMIT"]
        ),
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


_MISSING = object()


def _fixed_value(bind: BindParameter[Any]) -> Any:
    """A bind's own value when the values leave it out, or _MISSING (construct_params)."""
    return _MISSING if bind.required or bind.callable is not None else bind.value


class DriverStatement:
    """A Core statement compiled once for a dialect and sent straight to the driver.

    For the few hottest writes (a new signature). SQLAlchemy's execution path (cache
    key, execution context, result object) costs several times what SQLite takes to
    run an INSERT; here the statement is compiled once, and each execution only turns
    the values into the driver's parameters, through every bind's own type processor,
    as SQLAlchemy itself would send them. Every bind needs a value: column defaults
    are not applied (construct_params refuses a missing one).
    """

    def __init__(self, statement: ClauseElement, dialect: Dialect) -> None:
        compiled = statement.compile(dialect=dialect)
        assert isinstance(compiled, SQLCompiler)
        self.sql = compiled.string
        self._compiled = compiled
        # Positional drivers (pysqlite: qmark) take a tuple in this order; named ones a dict.
        self._positions = tuple(compiled.positiontup) if compiled.positiontup else None
        processors = {name: bind.type.dialect_impl(dialect).bind_processor(dialect)
                      for bind, name in compiled.bind_names.items()}  # fmt: skip
        self._processors = {name: p for name, p in processors.items() if p is not None}
        # Each parameter in the driver's order: the values' key, the processor and the
        # bind's own value where it has one (construct_params' order of precedence).
        binds = {name: bind for bind, name in compiled.bind_names.items()}
        self._names = self._positions or tuple(binds)
        self._plan = tuple((binds[name].key, processors[name], _fixed_value(binds[name]))
                           for name in self._names)  # fmt: skip

    def parameters(self, values: Mapping[str, Any]) -> tuple[Any, ...] | Mapping[str, Any]:
        """The driver's parameters for these values (keyed by bind key)."""
        out = []
        for key, process, fixed in self._plan:
            value = values.get(key, fixed)
            if value is _MISSING:  # SQLAlchemy's own way: by name, or its error
                return self._constructed(values)
            out.append(value if process is None else process(value))
        return (
            tuple(out) if self._positions is not None else dict(zip(self._names, out, strict=True))
        )

    def _constructed(self, values: Mapping[str, Any]) -> tuple[Any, ...] | Mapping[str, Any]:
        params = self._compiled.construct_params(dict(values))
        for name, process in self._processors.items():
            params[name] = process(params[name])
        if self._positions is None:
            return params
        return tuple(params[name] for name in self._positions)

    def execute(
        self, connection: Connection | PoolConnection, values: Mapping[str, Any],
        *, all_rows: bool = False,
    ) -> Any:  # fmt: skip
        """Run on the connection's driver cursor (in its transaction); the first row
        returned (None when none, or no RETURNING), or with `all_rows` the list of them."""
        dialect = connection.dialect
        params = self.parameters(values)
        cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.execute(self.sql, params)
            if all_rows:
                return cursor.fetchall() if cursor.description else []
            return cursor.fetchone() if cursor.description else None
        except dialect.loaded_dbapi.Error as error:
            # As SQLAlchemy would: a lost connection leaves the pool, and callers see
            # SQLAlchemy's exceptions (the sign view answers 503 on any of them).
            lost = dialect.is_disconnect(error, connection.connection.dbapi_connection, cursor)
            if lost:
                connection.invalidate(error)
            base = dialect.loaded_dbapi.Error
            raise DBAPIError.instance(
                self.sql, params, error, base, connection_invalidated=lost
            ) from error
        finally:
            cursor.close()


def run_direct(app: Flask, work: Callable[[PoolConnection], T]) -> T:
    """Run a short write on a connection of its own and commit it (roll it back on an
    error); return what `work` returns.

    The connection is a pool's, without SQLAlchemy's `Connection` and transaction
    objects around it, which cost as much as the database's own work for a signature.
    On SQLite a write transaction (BEGIN IMMEDIATE, queued on the writers' lock). On
    PostgreSQL an autocommit connection from a pool of its own that does not ping a
    connection before handing it out (the app's pool does: a round trip, a tenth of a
    signature's time), for a write that is one statement, its own transaction. A
    connection found dead there (the server restarted) is dropped with the pool's other
    idle ones, and `work` runs once more on a new connection: it must be safe to repeat,
    as one statement that either committed or did not is.
    """
    engine: Engine = app.extensions[EXTENSION_KEY]["direct_engine"]
    if engine.dialect.name == "sqlite":
        return _run_sqlite_direct(engine, work)
    tries = 2  # PostgreSQL's autocommit connections (make_direct_engine)
    for attempt in range(1, tries + 1):
        pooled = _pool_connection(engine)
        try:
            return work(PoolConnection(engine.dialect, pooled))
        except DBAPIError as error:
            if attempt == tries or not error.connection_invalidated:
                raise
            engine.dispose()  # its other idle connections went with the server
        finally:
            pooled.close()
    raise AssertionError("unreachable")


def _pool_connection(engine: Engine) -> PoolProxiedConnection:
    """engine.raw_connection(), a failure to connect raised as SQLAlchemy's error (as
    engine.connect() raises it: the sign view answers 503 on those, keeping the form)."""
    dbapi_error = engine.dialect.loaded_dbapi.Error
    try:
        return engine.raw_connection()
    except dbapi_error as error:
        lost = engine.dialect.is_disconnect(error, None, None)
        raise DBAPIError.instance(None, None, error, dbapi_error, connection_invalidated=lost,
                                  dialect=engine.dialect) from error  # fmt: skip


class PoolConnection:
    """What a direct write uses of a connection (DriverStatement, add_signature_at_once),
    on a pool connection without SQLAlchemy's Connection around it: its dialect, the
    pool's connection (`connection`: the driver's one and the DB-API one), its `info`
    and invalidate."""

    def __init__(self, dialect: Dialect, pooled: PoolProxiedConnection) -> None:
        self.dialect = dialect
        self.connection = pooled

    @property
    def info(self) -> dict[Any, Any]:
        """What is kept with the pooled connection, as `Connection.info`."""
        return self.connection.info

    def invalidate(self, error: BaseException) -> None:
        self.connection.invalidate(error)


def _run_sqlite_direct(engine: Engine, work: Callable[[PoolConnection], T]) -> T:
    """run_direct on SQLite: the transaction engine.begin() makes (the writers' lock, BEGIN
    IMMEDIATE, COMMIT or ROLLBACK, which lets the lock go), on a pool connection without
    SQLAlchemy's Connection and transaction objects, which cost as much as SQLite's own
    work for the three INSERTs of a signature."""
    pooled = _pool_connection(engine)
    try:
        dbapi_connection = pooled.dbapi_connection
        assert isinstance(dbapi_connection, sqlite3.Connection)
        queued = dbapi_connection if isinstance(dbapi_connection, WriterQueueConnection) else None
        connection = PoolConnection(engine.dialect, pooled)
        if queued is not None:
            queued.lock_writers(wait=True)
        _begin_immediate(connection, queued)  # as the "begin" event does for engine.begin()
        try:
            result = work(connection)
            _sqlite_call("COMMIT", dbapi_connection.commit)
        except BaseException:
            dbapi_connection.rollback()  # WriterQueueConnection's lets the lock go
            raise
        return result
    finally:
        pooled.close()


def make_direct_engine(engine: Engine, *, synchronous_commit: bool = True) -> Engine:
    """run_direct's engine: on PostgreSQL autocommit connections without the ping,
    closed when the app's engine is disposed, whose commits wait for the disk only when
    `synchronous_commit` is on (config SIGN_SYNCHRONOUS_COMMIT); elsewhere the app's
    engine itself."""
    if engine.dialect.name != "postgresql":
        return engine
    direct = create_engine(engine.url, isolation_level="AUTOCOMMIT", pool_pre_ping=False)
    if not synchronous_commit:
        # Off: the commit returns once its WAL record is in the server's buffers (the WAL
        # writer flushes them within 3 x wal_writer_delay); a crash of the server or its
        # machine before then loses the transaction whole, never part of it.
        @event.listens_for(direct, "connect")
        def on_connect(dbapi_connection: Any, _record: Any) -> None:
            with dbapi_connection.cursor() as cursor:
                cursor.execute("SET SESSION synchronous_commit = off")
            dbapi_connection.commit()

    event.listen(engine, "engine_disposed", lambda _engine: direct.dispose())
    return direct
