"""SQLite in WAL mode: readers never take the write lock; writers queue for their turn."""

from __future__ import annotations

import fcntl
import os
import sqlite3
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
import requests
from sqlalchemy import event, func, select, text
from sqlalchemy.exc import IntegrityError, InvalidRequestError, OperationalError
from sqlalchemy.orm import Session

from petition.db import (
    NO_WAIT_OPTION,
    SQLITE_BUSY_TIMEOUT,
    DriverStatement,
    WriterQueueConnection,
    _run_sqlite_direct,
    get_engine,
    get_session,
    make_engine,
    read_engine,
    run_direct,
)
from petition.models import OutboxMessage, Signature, SignatureState, utcnow
from tests.conftest import VALID_SIGNATURE

READERS = 8
READS = 10


@pytest.fixture
def file_app(live_app):
    """A served app on a SQLite file (WAL applies to files, not to memory databases)."""
    app, base = live_app
    url = app.config["DATABASE_URL"]
    if not url.startswith("sqlite:///"):
        pytest.skip("WAL and the write lock are SQLite's")
    return app, base, url.removeprefix("sqlite:///")


def test_wal_mode_and_busy_timeout(file_app) -> None:
    app, _base, _path = file_app
    with get_engine(app).connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() == SQLITE_BUSY_TIMEOUT * 1000
        assert conn.execute(text("PRAGMA synchronous")).scalar() == 1  # NORMAL


def test_readers_run_while_a_writer_holds_the_lock(file_app) -> None:
    """Pages and the counts API answer while another process is in a write transaction,
    and a signature submitted meanwhile waits for the lock instead of failing."""
    app, base, path = file_app
    browser = requests.Session()
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")  # another process writing, holding the lock
    writer.execute("UPDATE campaigns SET goal = goal")

    def read(n: int) -> list[int]:
        paths = ["/", "/api/v1/campaigns/artsakh/counts", "/learn-more"]
        return [requests.get(base + paths[(n + i) % 3], timeout=60).status_code
                for i in range(READS)]  # fmt: skip

    with ThreadPoolExecutor(max_workers=READERS + 1) as pool:
        signing = pool.submit(browser.post, f"{base}/", data=VALID_SIGNATURE,
                              allow_redirects=False, timeout=60)  # fmt: skip
        statuses = [s for result in pool.map(read, range(READERS)) for s in result]
        # Every read answered while the lock was still held: readers never wait for it.
        assert statuses == [200] * (READERS * READS)
        assert not signing.done()  # the signature is waiting for the lock, not refused
        writer.execute("COMMIT")
        assert signing.result().status_code == 303
    writer.close()
    with app.app_context():
        assert get_session().scalar(select(func.count(Signature.id))) == 1


def test_get_requests_begin_without_the_write_lock(app, sign) -> None:
    """A GET's session begins a deferred transaction, counts included; a POST's takes the
    write lock at once."""
    if get_engine(app).dialect.name != "sqlite":
        pytest.skip("PostgreSQL has no write lock to avoid")
    begins: list[str] = []

    def record(statement: str) -> None:
        if statement.startswith("BEGIN"):
            begins.append(statement)

    def trace(dbapi_connection, *_args) -> None:  # type: ignore[no-untyped-def]
        # What SQLite itself is asked to run (BEGIN goes straight to the driver).
        dbapi_connection.set_trace_callback(record)

    event.listen(get_engine(app), "checkout", trace)
    try:
        assert sign().status_code == 303
        assert "BEGIN IMMEDIATE" in begins
        begins.clear()
        # The lookup page reads the reference tables into this worker's index; the home
        # page and the counts read the tallies and the journal row the signature left,
        # which only the mail worker folds.
        client = app.test_client()
        for path in ("/representatives?country=US&postal_code=10001", "/",
                     "/api/v1/campaigns/artsakh/counts"):  # fmt: skip
            assert client.get(path).status_code == 200
        assert begins and set(begins) == {"BEGIN"}
    finally:
        event.remove(get_engine(app), "checkout", trace)


# The writers' lock (WriterQueueConnection): SQLite writers queue on an OS file lock.


@pytest.fixture
def file_engine(tmp_path):
    """An engine on a SQLite file, with a table to write to."""
    engine = make_engine(f"sqlite:///{tmp_path / 'writers.db'}")
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE notes (n INTEGER)")
    yield engine, f"{tmp_path / 'writers.db'}.writers"
    engine.dispose()


def _writers_free(lock_path: str) -> bool:
    """Whether another process could take the writers' lock now (without waiting)."""
    with open(lock_path, "ab") as other:
        try:
            fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        fcntl.flock(other, fcntl.LOCK_UN)
    return True


def test_direct_writes_hold_the_writers_lock_only_while_they_run(file_engine) -> None:
    """run_direct on SQLite (a pool connection without SQLAlchemy's Connection): the
    writers' lock and BEGIN IMMEDIATE around the work, let go after a commit, an error
    in the work, and a COMMIT that fails (its error is SQLAlchemy's)."""
    engine, lock_path = file_engine
    held: list[bool] = []

    def work(connection):  # type: ignore[no-untyped-def]
        driver = connection.connection.driver_connection
        held.append(driver.in_transaction and not _writers_free(lock_path))
        driver.execute("INSERT INTO notes VALUES (1)")
        return "done"

    assert _run_sqlite_direct(engine, work) == "done"
    assert held == [True] and _writers_free(lock_path)

    def failing(connection):  # type: ignore[no-untyped-def]
        connection.connection.driver_connection.execute("INSERT INTO notes VALUES (2)")
        raise ValueError("boom")

    with pytest.raises(ValueError, match="boom"):
        _run_sqlite_direct(engine, failing)
    assert _writers_free(lock_path)
    with engine.begin() as conn:  # a COMMIT that fails: a deferred foreign key
        conn.exec_driver_sql("CREATE TABLE parents (id INTEGER PRIMARY KEY)")
        conn.exec_driver_sql("CREATE TABLE children (parent_id INTEGER REFERENCES parents (id)"
                             " DEFERRABLE INITIALLY DEFERRED)")  # fmt: skip

    def orphan(connection):  # type: ignore[no-untyped-def]
        connection.connection.driver_connection.execute("INSERT INTO children VALUES (7)")

    with pytest.raises(IntegrityError, match="FOREIGN KEY"):
        _run_sqlite_direct(engine, orphan)
    assert _writers_free(lock_path)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT n FROM notes").scalars().all() == [1]
        assert conn.exec_driver_sql("SELECT count(*) FROM children").scalar() == 0


def _someone_queues(lock_path: str) -> bool:
    """Whether a flock waiter is queued on the file (Linux lists waiters with "->")."""
    inode = os.stat(lock_path).st_ino
    with open("/proc/locks") as locks:
        return any("->" in line and line.split()[6].endswith(f":{inode}") for line in locks)


def test_a_writer_holds_the_lock_until_its_transaction_ends(file_engine) -> None:
    engine, lock_path = file_engine
    with engine.connect() as conn:
        conn.begin()
        conn.exec_driver_sql("INSERT INTO notes VALUES (1)")
        assert not _writers_free(lock_path)
        conn.commit()
        assert _writers_free(lock_path)
        conn.begin()
        conn.exec_driver_sql("INSERT INTO notes VALUES (2)")
        assert not _writers_free(lock_path)
        conn.rollback()
        assert _writers_free(lock_path)
    with pytest.raises(ZeroDivisionError), engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO notes VALUES (3)")
        1 / 0  # noqa: B018
    assert _writers_free(lock_path)
    with pytest.raises(OperationalError, match="no such table"), Session(engine) as session:
        session.execute(text("INSERT INTO notes VALUES (4)"))
        session.execute(text("INSERT INTO missing_table VALUES (5)"))
    assert _writers_free(lock_path)
    conn = engine.connect()
    conn.begin()
    conn.exec_driver_sql("INSERT INTO notes VALUES (6)")
    conn.invalidate()  # a lost connection: closed, its file with it
    assert _writers_free(lock_path)
    conn.close()
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT n FROM notes").scalars().all() == [1]


def test_a_second_writer_queues_until_the_first_commits(file_engine) -> None:
    """The second writer waits on the lock, not in SQLite's busy handler: with no busy
    timeout at all it still gets its turn, right after the first commits."""
    engine, lock_path = file_engine
    order: list[str] = []

    def second() -> None:
        with engine.connect() as conn:
            # With no busy timeout, SQLite alone would refuse it at once.
            conn.connection.dbapi_connection.execute("PRAGMA busy_timeout = 0")  # type: ignore[union-attr]
            with conn.begin():
                order.append("second began")
                conn.exec_driver_sql("INSERT INTO notes VALUES (2)")

    with engine.connect() as conn:
        conn.begin()
        conn.exec_driver_sql("INSERT INTO notes VALUES (1)")
        with ThreadPoolExecutor(max_workers=1) as pool:
            waiting = pool.submit(second)
            while not _someone_queues(lock_path):
                assert not waiting.done(), waiting.result()
                time.sleep(0.01)
            order.append("first committed")
            conn.commit()
            waiting.result()
    assert order == ["first committed", "second began"]
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT n FROM notes").scalars().all() == [1, 2]


def test_no_wait_writers_give_up_at_once_and_readers_never_queue(file_engine) -> None:
    engine, lock_path = file_engine
    with open(lock_path, "ab") as other:
        fcntl.flock(other, fcntl.LOCK_EX)  # another process is writing
        no_wait = engine.execution_options(**{NO_WAIT_OPTION: True})
        with pytest.raises(OperationalError, match="database is locked"), no_wait.begin() as conn:
            conn.exec_driver_sql("INSERT INTO notes VALUES (1)")
        with read_engine(engine).connect() as conn:
            assert conn.exec_driver_sql("SELECT count(*) FROM notes").scalar() == 0
            assert conn.in_transaction()
        fcntl.flock(other, fcntl.LOCK_UN)
    with read_engine(engine).connect() as conn:
        conn.exec_driver_sql("SELECT count(*) FROM notes").scalar()
        assert _writers_free(lock_path)
    with no_wait.begin() as conn:
        conn.exec_driver_sql("INSERT INTO notes VALUES (1)")
    assert _writers_free(lock_path)


def test_a_thread_never_queues_behind_its_own_writer(file_engine) -> None:
    """A second write transaction in the thread that holds the lock does not wait for
    itself (forever): it meets SQLite's own lock, as without the writers' lock."""
    engine, _lock_path = file_engine
    no_wait = engine.execution_options(**{NO_WAIT_OPTION: True})
    with engine.begin() as first:
        first.exec_driver_sql("INSERT INTO notes VALUES (1)")
        with pytest.raises(OperationalError, match="database is locked"), no_wait.begin():
            pass
        assert first.connection.dbapi_connection.lock_writers(wait=False)  # type: ignore[union-attr]


def test_memory_databases_have_no_writers_lock(tmp_path) -> None:
    engine = make_engine("sqlite://")
    with engine.begin() as conn:
        assert not isinstance(conn.connection.dbapi_connection, WriterQueueConnection)
    assert not list(tmp_path.iterdir())


def _signature_insert(dialect):  # type: ignore[no-untyped-def]
    from sqlalchemy import bindparam, insert

    table = Signature.__table__
    binds = {c.name: bindparam(c.name, type_=c.type) for c in table.c if c.name != "id"}
    return DriverStatement(insert(table).values(binds).returning(table.c.id), dialect)


def _signature_values(campaign_id: int, email: str) -> dict[str, object]:
    now = utcnow()
    return {"campaign_id": campaign_id, "name": "Sona", "email": email, "email_canonical": email,
            "country": "CA", "postal_code": "K1A 0B1", "region": "ON", "district_id": "",
            "updates": True, "name_consent": False, "state": SignatureState.CONFIRMED,
            "confirm_token_hash": None, "token_expires_at": now + timedelta(days=7),
            "delete_nonce": "ab" * 16, "ip_hash": "", "duplicate_attempts": 2,
            "last_notified_at": None, "created_at": now, "confirmed_at": now,
            "anonymized_at": None}  # fmt: skip


def test_driver_statement_stores_what_the_orm_reads_back(app, sign) -> None:
    """Values go through each column type's processor (enum, datetime, boolean) as
    SQLAlchemy would send them: the ORM reads back exactly what was given."""
    sign()
    with app.app_context():
        engine = get_engine(app)
        campaign_id = get_session().scalars(select(Signature.campaign_id)).one()
        get_session().commit()  # tests' SQLite: one connection in memory, shared
        values = _signature_values(campaign_id, "sona@example.org")
        statement = _signature_insert(engine.dialect)
        (new_id,) = run_direct(app, lambda connection: statement.execute(connection, values))
        stored = get_session().get(Signature, new_id)
        assert stored is not None
        assert {key: getattr(stored, key) for key in values} == values


@pytest.mark.parametrize("dialect_name", ["sqlite", "postgresql"])
def test_driver_parameters_are_what_sqlalchemy_constructs(dialect_name: str) -> None:
    """The parameters built in one pass equal SQLAlchemy's construct_params, processed,
    for every statement a new signature runs, a fixed value in a statement included."""
    from sqlalchemy import bindparam, insert, literal
    from sqlalchemy.dialects import postgresql, sqlite

    from petition.counts import journal_row
    from petition.signatures import _at_once_statements

    dialect = {"sqlite": sqlite.dialect(), "postgresql": postgresql.psycopg.dialect()}[dialect_name]
    values = _signature_values(1, "sona@example.org")
    at_once = _at_once_statements(dialect)
    statements = [s for s in (at_once.signature, at_once.journal, at_once.email) if s]
    table = Signature.__table__
    fixed = insert(table).values(
        name=literal("Fixed"), email=bindparam("email", type_=table.c.email.type)
    )
    statements.append(DriverStatement(fixed, dialect))
    now = values["created_at"]
    journal = journal_row(values, now.date(), values["state"], 1, now)
    message = {"to_address": "sona@example.org", "subject": "S", "body": "B", "kind": "confirm",
               "created_at": now, "next_attempt_at": now, "signature_id": 1}  # fmt: skip
    pool = {**values, **journal, **message, "s_id": 1,  # the CTE's names on PostgreSQL
            **{f"s_{k}": v for k, v in values.items()},
            **{f"j_{k}": v for k, v in journal.items()},
            **{f"o_{k}": v for k, v in message.items()}}  # fmt: skip
    for statement in [_signature_insert(dialect), *statements]:
        keys = [bind.key for bind in statement._compiled.bind_names]
        given = {key: pool[key] for key in keys if key in pool}  # the rest: their own values
        assert statement.parameters(given) == statement._constructed(given)
        assert statement.parameters({**given, "unused": 1}) == statement._constructed(given)


def test_driver_statement_refuses_a_missing_value(app) -> None:
    with app.app_context():
        engine = get_engine(app)
        values = _signature_values(1, "sona@example.org")
        del values["delete_nonce"]
        with pytest.raises(InvalidRequestError, match="delete_nonce"):
            _signature_insert(engine.dialect).parameters(values)


def test_driver_errors_are_sqlalchemy_s_and_roll_back(app, sign) -> None:
    """A constraint the driver reports is SQLAlchemy's IntegrityError (the sign view
    answers 503 on SQLAlchemy's errors), and run_direct rolls back what went before."""
    sign()
    with app.app_context():
        engine = get_engine(app)
        session = get_session()
        campaign_id, email = session.execute(
            select(Signature.campaign_id, Signature.email_canonical)
        ).one()
        session.commit()
        statement = _signature_insert(engine.dialect)

        def work(connection):  # type: ignore[no-untyped-def]
            if engine.dialect.name == "sqlite":  # PostgreSQL's are one-statement writes
                statement.execute(connection, _signature_values(campaign_id, "new@example.org"))
            statement.execute(connection, _signature_values(campaign_id, email))

        with pytest.raises(IntegrityError):
            run_direct(app, work)
        assert session.scalar(select(func.count(Signature.id))) == 1


def test_a_signature_survives_a_lost_postgresql_connection(app, sign) -> None:
    """The direct connections are not pinged before use: one the server dropped (a
    restart) fails its statement, is thrown away with its pool, and the signature is
    stored on a new connection, once, with its email."""
    if not app.config["DATABASE_URL"].startswith("postgresql"):
        pytest.skip("SQLite has no connection to lose")
    assert sign(email="first@example.org").status_code == 303  # the usual path
    assert sign(email="second@example.org").status_code == 303  # the direct one
    with app.app_context():
        direct = app.extensions["petition.db"]["direct_engine"]
        with direct.connect() as connection:  # the pool's one idle connection
            pid = connection.exec_driver_sql("SELECT pg_backend_pid()").scalar()
        get_session().execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        get_session().commit()
    assert sign().status_code == 303
    with app.app_context():
        session = get_session()
        mine = session.scalars(
            select(Signature).where(Signature.email == VALID_SIGNATURE["email"])
        ).one()
        assert mine.duplicate_attempts == 0
        sent = session.scalar(
            select(func.count(OutboxMessage.id)).where(OutboxMessage.signature_id == mine.id)
        )
        assert sent == 1


def _synchronous_commit(engine) -> str:  # type: ignore[no-untyped-def]
    with engine.connect() as connection:
        return str(connection.exec_driver_sql("SHOW synchronous_commit").scalar())


def test_shipped_signature_writes_skip_the_disk_wait_and_nothing_else_does(
    make_shipped_app,
) -> None:
    """As shipped (SIGN_SYNCHRONOUS_COMMIT off), the direct connections a new signature
    is written on do not wait for PostgreSQL's disk flush; the app's own connections,
    which every other write takes, do."""
    app = make_shipped_app()
    if not app.config["DATABASE_URL"].startswith("postgresql"):
        pytest.skip("PostgreSQL's synchronous_commit")
    assert app.config["SIGN_SYNCHRONOUS_COMMIT"] is False
    direct = app.extensions["petition.db"]["direct_engine"]
    assert _synchronous_commit(direct) == "off"
    assert _synchronous_commit(get_engine(app)) == "on"


def test_signature_writes_wait_for_the_disk_when_asked(make_app, database_url) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL's synchronous_commit")
    app = make_app(DATABASE_URL=database_url, SIGN_SYNCHRONOUS_COMMIT=True)
    assert _synchronous_commit(app.extensions["petition.db"]["direct_engine"]) == "on"


def test_a_direct_write_that_cannot_connect_raises_sqlalchemy_s_error(tmp_path) -> None:
    """As engine.connect() would: the sign view answers 503 (keeping the form) on it."""
    engine = make_engine(f"sqlite:///{tmp_path / 'missing' / 'petition.db'}")
    with pytest.raises(OperationalError, match="unable to open database file"):
        _run_sqlite_direct(engine, lambda connection: None)
    engine.dispose()
