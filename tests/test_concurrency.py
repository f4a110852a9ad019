"""Fifty people sign at once against a running server: one signature per person, no 5xx."""

from __future__ import annotations

import re
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from sqlalchemy import func, select
from werkzeug.serving import make_server

from petition.db import Base, get_engine, get_session
from petition.mail import EXTENSION_KEY as MAIL_KEY
from petition.models import Signature, SignatureCount, SignatureState
from tests.conftest import FakeMailBackend, load_campaigns

THREADS = 50
PEOPLE = 10


@pytest.fixture
def server(make_app, database_url, tmp_path):
    """A threaded HTTP server on 127.0.0.1 serving a fresh app; yields (app, base URL)."""
    if database_url == "sqlite://":  # threads need a shared file, not a private memory DB
        database_url = f"sqlite:///{tmp_path / 'concurrency.db'}"
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


def sign_once(base: str, n: int) -> int:
    with requests.Session() as browser:
        page = browser.get(f"{base}/", timeout=60).text
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        response = browser.post(
            f"{base}/",
            data={
                "csrf_token": token,
                "name": f"Signer {n}",
                "email": f"person{n % PEOPLE}@example.org",
                "country": "US",
                "postal_code": "10001",
                "privacy": "y",
            },
            allow_redirects=False,
            timeout=60,
        )
        return response.status_code


def test_fifty_threads_ten_people(server) -> None:
    app, base = server
    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        statuses = list(pool.map(lambda n: sign_once(base, n), range(THREADS)))
    assert statuses == [303] * THREADS
    with app.app_context():
        session = get_session()
        assert session.scalar(select(func.count(Signature.id))) == PEOPLE
        assert session.scalar(select(func.sum(Signature.duplicate_attempts))) == THREADS - PEOPLE
        tally = session.scalar(
            select(func.sum(SignatureCount.count)).where(
                SignatureCount.state == SignatureState.PENDING
            )
        )
        assert tally == PEOPLE
