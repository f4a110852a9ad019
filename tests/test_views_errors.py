"""Failures degrade to a clear page: database outages, oversized bodies, hostile input."""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from petition.db import Base, get_engine, get_session
from petition.mail import EXTENSION_KEY as MAIL_KEY
from petition.models import Signature
from tests.conftest import VALID_SIGNATURE, FakeMailBackend, csrf_token, load_campaigns

PG_BIN = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))


class ThrowawayPostgres:
    """A PostgreSQL cluster of our own in a temporary folder, to stop and start at will."""

    def __init__(self) -> None:
        self.bin = Path(PG_BIN[-1]).parent
        self.dir = Path(tempfile.mkdtemp(prefix="petition-pg-"))
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.as_postgres = os.geteuid() == 0  # initdb refuses to run as root
        if self.as_postgres:
            shutil.chown(self.dir, "postgres")
        self._run("initdb", "-D", str(self.dir / "data"), "-U", "postgres", "-A", "trust")

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, tool: str, *args: str) -> None:
        command = [str(self.bin / tool), *args]
        if self.as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=120)

    def start(self) -> None:
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1"
        # -l: the server's output goes to a file, not to our pipe (which would never close)
        self._run("pg_ctl", "-D", str(self.dir / "data"), "-o", options, "-l",
                  str(self.dir / "server.log"), "-w", "start")  # fmt: skip

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.dir / "data"), "-m", "fast", "-w", "stop")

    def remove(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):  # already stopped
            self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture
def throwaway_pg() -> Iterator[ThrowawayPostgres]:
    if not PG_BIN:
        pytest.skip("no PostgreSQL server binaries under /usr/lib/postgresql")
    cluster = ThrowawayPostgres()
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.remove()


def count_signatures(app) -> int:
    with app.app_context():
        return int(get_session().scalar(select(func.count(Signature.id))) or 0)


def test_database_outage_answers_503_keeps_the_form_and_recovers(make_app, throwaway_pg) -> None:
    app = make_app(DATABASE_URL=throwaway_pg.url)
    Base.metadata.create_all(get_engine(app))
    app.extensions[MAIL_KEY] = FakeMailBackend(app)
    load_campaigns(app)
    client = app.test_client()
    assert client.post("/", data=VALID_SIGNATURE).status_code == 303

    throwaway_pg.stop()
    page = client.get("/")
    assert page.status_code == 503 and page.headers["Retry-After"]
    assert "Temporarily unavailable" in page.get_data(as_text=True)
    api = client.get("/api/v1/campaigns/artsakh/counts")
    assert api.status_code == 503 and "database is unavailable" in api.get_json()["error"]
    assert client.get("/organizer/").status_code in (302, 503)  # no login: sent to log in
    typed = {**VALID_SIGNATURE, "name": "Կարինե Hovhannisyan", "email": "karine@example.org",
             "postal_code": "M5V 2T6"}  # fmt: skip
    signed = client.post("/", data=typed)
    body = signed.get_data(as_text=True)
    assert signed.status_code == 503
    assert "We could not save your signature" in body
    assert 'value="Կարինե Hovhannisyan"' in body and 'value="karine@example.org"' in body
    assert 'value="M5V 2T6"' in body

    throwaway_pg.start()  # the app reconnects by itself
    assert client.get("/").status_code == 200
    assert client.post("/", data=typed).status_code == 303
    assert count_signatures(app) == 2


def test_oversized_bodies_are_refused_before_parsing(app, client) -> None:
    token = csrf_token(client, "/representatives/report")
    big = "x" * 1_100_000  # over the shipped 1 MB limit
    for path in ("/", "/representatives/report", "/organizer/login"):
        response = client.post(path, data={**VALID_SIGNATURE, "csrf_token": token, "name": big})
        assert response.status_code == 413, path
        assert "Request Entity Too Large" in response.get_data(as_text=True)
    assert count_signatures(app) == 0
    # A generous but legal body still works.
    fine = client.post("/", data={**VALID_SIGNATURE, "csrf_token": token, "website": "y" * 500_000})
    assert fine.status_code == 303


def test_moderation_refuses_odd_ids_with_a_message(client, auth) -> None:
    auth.login()
    token = csrf_token(client, "/organizer/moderation")
    for ids in ("99999999999999999999999999999999", "²", "12 ³"):
        response = client.post("/organizer/moderation", data={"csrf_token": token, "ids": ids})
        assert response.status_code == 400, ids
        assert "id" in response.get_data(as_text=True)
    revert = client.post("/organizer/moderation/99999999999999999999/revert",
                         data={"csrf_token": token})  # fmt: skip
    assert revert.status_code == 404


def test_report_with_nul_and_control_characters_is_stored_clean(app, client) -> None:
    token = csrf_token(client, "/representatives/report")
    data = {"csrf_token": token, "message": "MP\x00 retired\x07\r\nsecond line", "country": "CA"}
    assert client.post("/representatives/report", data=data).status_code == 303
    with app.app_context():
        from petition.models import DataReport

        [report] = get_session().scalars(select(DataReport)).all()
        assert report.message == "MP retired\nsecond line"


def test_json_body_to_forms_is_a_400_not_a_500(client, auth) -> None:
    for path in ("/organizer/login", "/", "/representatives/report"):
        for body in ({"email": 1, "password": ["x"]}, [1, 2], "text"):
            response = client.post(path, json=body)
            assert response.status_code == 400, (path, body)
