"""Fixtures: an app per test on SQLite, and on PostgreSQL when PETITION_TEST_DATABASE_URL is set."""

from __future__ import annotations

import os
import re
import socket
import threading
import uuid
from collections.abc import Callable, Iterator
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text
from werkzeug.serving import make_server

from petition import create_app
from petition.db import Base, get_engine
from petition.mail import EXTENSION_KEY as MAIL_KEY
from petition.mail import deliver_due

PG_URL = os.environ.get("PETITION_TEST_DATABASE_URL")
REDIS_URL = os.environ.get("PETITION_TEST_REDIS_URL")
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)]


class FakeMailBackend:
    """Keeps every message instead of sending it; `fail` makes sends raise.

    Given an app, reading `outbox` first lets the mail worker take one turn (what
    `flask mail work` does within a second), since requests never send mail.
    """

    def __init__(self, app: Flask | None = None) -> None:
        self.sent: list[EmailMessage] = []
        self.fail = False
        self.app = app

    def send(self, message: EmailMessage) -> None:
        if self.fail:
            raise ConnectionRefusedError("fake SMTP server is down")
        self.sent.append(message)

    @property
    def outbox(self) -> list[EmailMessage]:
        if self.app is not None:
            deliver_due(self.app, limit=1000)
        return self.sent

    def links(self, kind: str = "confirm") -> list[str]:
        """Return the paths of the links of this kind in the messages so far."""
        found = []
        for message in self.outbox:
            body = message.get_content()
            found += re.findall(rf"https?://[^/\s]+(/{kind}/[^\s]+)", body)
        return found


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "postgresql: runs on PostgreSQL")
    config.addinivalue_line("markers", "redis: runs on Redis")


@pytest.fixture(scope="session")
def pg_schema() -> Iterator[str | None]:
    """A private schema on the PostgreSQL test database for this run."""
    if not PG_URL:
        yield None
        return
    schema = f"test_{uuid.uuid4().hex[:12]}"
    engine = create_engine(PG_URL)
    with engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    yield schema
    with engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    engine.dispose()


def pg_url_for(schema: str) -> str:
    """Return the test database URL with the schema first on the search path."""
    sep = "&" if "?" in PG_URL else "?"  # type: ignore[operator]
    return f"{PG_URL}{sep}options=-csearch_path%3D{schema}"


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, pg_schema: str | None, tmp_path: Any) -> str:
    """The database a test runs on: in-memory SQLite, or the PostgreSQL schema."""
    if request.param == "postgresql":
        if not pg_schema:
            pytest.skip("PETITION_TEST_DATABASE_URL is not set")
        return pg_url_for(pg_schema)
    return "sqlite://"


@pytest.fixture
def make_app(tmp_path: Any) -> Callable[..., Flask]:
    """Build an app with test settings; overrides win."""
    made: list[Flask] = []

    def make(**overrides: Any) -> Flask:
        config = {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "DATABASE_URL": "sqlite://",
            "BASE_URL": "http://petition.test",
            "COUNTS_CACHE_SECONDS": 0,
            "RATELIMIT_ENABLED": False,
            # Online lookups are tested against local servers (fake_service) only.
            "ONLINE_LOOKUPS": False,
        }
        config.update(overrides)
        app = create_app(config)
        made.append(app)
        return app

    yield make
    for app in made:
        get_engine(app).dispose()


@pytest.fixture
def make_shipped_app(database_url: str) -> Iterator[Callable[..., Flask]]:
    """Build an app on the shipped defaults (limits, cookies, intervals), tables created.

    ``infra`` may only name where outside services are (a Redis URL, a key prefix that
    keeps runs apart in it); never a limit, a flag or an interval.
    """
    made: list[Flask] = []

    def make(**infra: Any) -> Flask:
        assert set(infra) <= {"REDIS_URL", "RATELIMIT_STORAGE_URL", "RATELIMIT_KEY_PREFIX"}
        app = create_app({"TESTING": True, "SECRET_KEY": "test-secret",
                          "DATABASE_URL": database_url, **infra})  # fmt: skip
        engine = get_engine(app)
        Base.metadata.drop_all(engine)
        Base.metadata.create_all(engine)
        app.extensions[MAIL_KEY] = FakeMailBackend(app)
        load_campaigns(app)
        made.append(app)
        return app

    yield make
    for app in made:
        Base.metadata.drop_all(get_engine(app))
        get_engine(app).dispose()


@pytest.fixture
def app(make_app: Callable[..., Flask], database_url: str) -> Iterator[Flask]:
    """A fresh app whose database has every table and the campaign loaded."""
    app = make_app(DATABASE_URL=database_url)
    engine = get_engine(app)
    Base.metadata.drop_all(engine)
    Base.metadata.create_all(engine)
    app.extensions[MAIL_KEY] = FakeMailBackend(app)
    load_campaigns(app)
    yield app
    Base.metadata.drop_all(engine)


def load_campaigns(app: Flask) -> None:
    """Record the campaign rows (what `flask data load` does, without the big tables)."""
    from petition.campaigns import sync_campaign
    from petition.db import get_session

    with app.app_context():
        for content in app.extensions["petition.campaigns"].values():
            sync_campaign(get_session(), content)
        get_session().commit()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def mailbox(app: Flask) -> FakeMailBackend:
    backend: FakeMailBackend = app.extensions[MAIL_KEY]
    return backend


@pytest.fixture
def app_ctx(app: Flask) -> Iterator[None]:
    with app.app_context():
        yield


def csrf_token(client: FlaskClient, path: str = "/") -> str:
    """Load a page and return the CSRF token of its form."""
    page = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


# What a browser says when it posts a form of our own page (see petition/origin.py).
SAME_ORIGIN = {"Sec-Fetch-Site": "same-origin"}

VALID_SIGNATURE = {
    "name": "Anahit Petrosyan",
    "email": "anahit@example.org",
    "country": "CA",
    "postal_code": "k1a0b1",
    "privacy": "y",
}


@pytest.fixture
def sign(client: FlaskClient) -> Callable[..., Any]:
    """Post the sign form with valid values, overridden by keyword arguments."""

    def post(**fields: Any) -> Any:
        data = {**VALID_SIGNATURE, **fields}
        data = {k: v for k, v in data.items() if v is not None}
        return client.post("/", data=data, headers=SAME_ORIGIN)

    return post


# Small copies of the reference tables (tests/fixtures/make_fixture_data.py): the view,
# letter and browser tests run on them, so a refresh of data/ cannot break those tests.
FIXTURE_DATA = Path(__file__).parent / "fixtures" / "data"


def reference_app(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, data_dir: str
) -> Iterator[Flask]:
    """Yield an app per database with the reference tables of data_dir loaded (read-only)."""
    if request.param == "postgresql":
        if not PG_URL:
            pytest.skip("PETITION_TEST_DATABASE_URL is not set")
        schema = f"test_ref_{uuid.uuid4().hex[:12]}"
        engine = create_engine(PG_URL)
        with engine.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        url = pg_url_for(schema)
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('ref') / 'ref.db'}"
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "DATABASE_URL": url,
        "BASE_URL": "http://petition.test",
        "RATELIMIT_ENABLED": False,
        "ONLINE_LOOKUPS": False,
    }
    app = create_app(config | ({"DATA_DIR": data_dir} if data_dir else {}))
    Base.metadata.create_all(get_engine(app))
    app.extensions[MAIL_KEY] = FakeMailBackend()
    result = app.test_cli_runner().invoke(args=["data", "load"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    yield app
    get_engine(app).dispose()
    if request.param == "postgresql":
        with engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()


@pytest.fixture(scope="session", params=BACKENDS)
def ref_app(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    """One app per database with the small fixture tables loaded (view and browser tests)."""
    yield from reference_app(request, tmp_path_factory, str(FIXTURE_DATA))


@pytest.fixture(scope="session", params=BACKENDS)
def committed_ref_app(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    """One app per database with the committed tables of data/ loaded (data tests)."""
    yield from reference_app(request, tmp_path_factory, "")


ORGANIZER = ("organizer@example.org", "correct horse battery staple")


@pytest.fixture
def auth(app: Flask, client: FlaskClient):
    """Create an organizer and log in and out through the real form (flaskr's auth helper)."""
    from petition.db import get_session
    from petition.organizer.accounts import create_organizer

    with app.app_context():
        create_organizer(get_session(), *ORGANIZER)
        get_session().commit()

    class Auth:
        def login(self, email: str = ORGANIZER[0], password: str = ORGANIZER[1]) -> Any:
            token = csrf_token(client, "/organizer/login")
            return client.post(
                "/organizer/login", data={"email": email, "password": password, "csrf_token": token}
            )

        def logout(self) -> Any:
            return client.post(
                "/organizer/logout", data={"csrf_token": csrf_token(client, "/organizer/")}
            )

    return Auth()


@pytest.fixture
def auth_for() -> Callable[[Flask], FlaskClient]:
    """Return a client of the given app logged in as a new organizer."""
    from petition.db import get_session
    from petition.organizer.accounts import create_organizer

    def login(app: Flask) -> FlaskClient:
        with app.app_context():
            create_organizer(get_session(), *ORGANIZER)
            get_session().commit()
        client = app.test_client()
        token = csrf_token(client, "/organizer/login")
        data = {"email": ORGANIZER[0], "password": ORGANIZER[1], "csrf_token": token}
        assert client.post("/organizer/login", data=data).status_code == 303
        return client

    return login


FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(autouse=True)
def _no_internet(monkeypatch: pytest.MonkeyPatch) -> None:
    """Refuse every connection that leaves this machine (warehouse's socket block)."""
    real_connect = socket.socket.connect

    def connect(sock: socket.socket, address: Any) -> Any:
        if sock.family in (socket.AF_INET, socket.AF_INET6):
            host = address[0]
            if host not in ("127.0.0.1", "::1", "localhost"):
                raise OSError(f"tests may not connect to {host}")
        return real_connect(sock, address)

    monkeypatch.setattr(socket.socket, "connect", connect)


class FakeService:
    """A local HTTP server answering like the online lookup services.

    `routes` maps a path to (status, body, headers, delay seconds); `requests` lists every
    path with its query string, in order.
    """

    def __init__(self) -> None:
        self.routes: dict[str, tuple[int, bytes, dict[str, str], float]] = {}
        self.requests: list[str] = []
        self.trickle = 0.0  # seconds between 16-byte pieces of the body; 0: all at once
        self.stop = threading.Event()
        service = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (the http.server API)
                service.requests.append(self.path)
                route = service.routes.get(self.path.split("?")[0])
                status, body, headers, delay = route or (404, b"<h1>Not Found</h1>", {}, 0)
                if delay:
                    service.stop.wait(delay)
                try:
                    self.send_response(status)
                    for name, value in {"Content-Type": "application/json", **headers}.items():
                        self.send_header(name, value)
                    self.end_headers()
                    if service.trickle:  # a few bytes at a time, each soon after the last
                        for start in range(0, len(body), 16):
                            self.wfile.write(body[start : start + 16])
                            self.wfile.flush()
                            if service.stop.wait(service.trickle):
                                break
                    else:
                        self.wfile.write(body)
                except OSError:
                    pass  # the client gave up (timeout test)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()

    def answer(
        self,
        path: str,
        fixture: str = "",
        *,
        status: int = 200,
        body: bytes = b"",
        headers: dict[str, str] | None = None,
        delay: float = 0,
    ) -> None:
        """Serve a fixture file (or a raw body) at a path."""
        data = (FIXTURES / "online" / fixture).read_bytes() if fixture else body
        self.routes[path] = (status, data, headers or {}, delay)

    def close(self) -> None:
        self.stop.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def fake_service() -> Iterator[FakeService]:
    """A local server standing in for the Census geocoder and Represent."""
    service = FakeService()
    yield service
    service.close()


@pytest.fixture
def live_app(make_app, database_url, tmp_path):
    """A threaded HTTP server on 127.0.0.1 serving a fresh app; yields (app, base URL)."""
    if database_url == "sqlite://":  # threads need a shared file, not a private memory DB
        database_url = f"sqlite:///{tmp_path / 'server.db'}"
    app = make_app(DATABASE_URL=database_url)
    app.config["TESTING"] = False
    Base.metadata.drop_all(get_engine(app))
    Base.metadata.create_all(get_engine(app))
    app.extensions[MAIL_KEY] = FakeMailBackend()
    load_campaigns(app)
    http = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    yield app, f"http://127.0.0.1:{http.server_port}"
    http.shutdown()
    thread.join(timeout=10)
    Base.metadata.drop_all(get_engine(app))


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's chromium for one test module (skipped without it, failed in CI)."""
    from tests.browser import launch_chromium

    with launch_chromium() as launched:
        yield launched


@pytest.fixture(scope="module")
def base_url(ref_app: Flask) -> Iterator[str]:
    """The fixture-data app served on a local port for the browser tests (on SQLite)."""
    from petition.cache import get_cache
    from petition.counts import counts_cache_key
    from tests.browser import serve

    if ref_app.config["DATABASE_URL"].startswith("postgresql"):
        pytest.skip("one browser run is enough: it runs on SQLite")
    url, server = serve(ref_app)
    yield url
    server.shutdown()
    # The shared app's counts were cached by these pages: later tests count afresh.
    get_cache(ref_app).delete(counts_cache_key("artsakh"))
