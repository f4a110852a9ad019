"""SQLite in WAL mode: readers never take the write lock; writers wait their turn."""

from __future__ import annotations

import sqlite3
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from sqlalchemy import event, func, select, text

from petition.db import SQLITE_BUSY_TIMEOUT, get_engine, get_session
from petition.models import Signature
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
    """A GET's session begins a deferred transaction; a POST's takes the write lock at once."""
    if get_engine(app).dialect.name != "sqlite":
        pytest.skip("PostgreSQL has no write lock to avoid")
    begins: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        if statement.startswith("BEGIN"):
            begins.append(statement)

    event.listen(get_engine(app), "before_cursor_execute", record)
    try:
        # The lookup page reads the reference tables into this worker's index.
        response = app.test_client().get("/representatives?country=US&postal_code=10001")
        assert response.status_code == 200
        assert begins and set(begins) == {"BEGIN"}
        begins.clear()
        assert sign().status_code == 303
        assert "BEGIN IMMEDIATE" in begins
    finally:
        event.remove(get_engine(app), "before_cursor_execute", record)
