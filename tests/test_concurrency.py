"""Fifty people sign at once against a running server: one signature per person, no 5xx."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import requests
from sqlalchemy import func, select

from petition.counts import fold_tally_journal
from petition.db import get_session
from petition.models import Signature, SignatureCount, SignatureState

THREADS = 50
PEOPLE = 10


def sign_once(base: str, n: int) -> int:
    with requests.Session() as browser:
        response = browser.post(
            f"{base}/",
            headers={"Origin": base, "Sec-Fetch-Site": "same-origin"},
            data={
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


def test_fifty_threads_ten_people(live_app) -> None:
    app, base = live_app
    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        statuses = list(pool.map(lambda n: sign_once(base, n), range(THREADS)))
    assert statuses == [303] * THREADS
    with app.app_context():
        session = get_session()
        fold_tally_journal(session)
        assert session.scalar(select(func.count(Signature.id))) == PEOPLE
        assert session.scalar(select(func.sum(Signature.duplicate_attempts))) == THREADS - PEOPLE
        tally = session.scalar(
            select(func.sum(SignatureCount.count)).where(
                SignatureCount.state == SignatureState.PENDING
            )
        )
        assert tally == PEOPLE
