"""Caching headers on the shipped defaults, and pages rendered once for everyone."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from petition.config import DEFAULTS
from petition.counts import tally
from petition.db import Base, get_engine, get_session
from petition.models import Signature, SignatureState
from tests.conftest import VALID_SIGNATURE, load_campaigns

TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
PUBLIC = (
    f"public, max-age={DEFAULTS['COUNTS_CACHE_SECONDS']}, "
    f"stale-while-revalidate={DEFAULTS['CACHE_STALE_SECONDS']}"
)


@pytest.fixture
def shipped(make_app):
    """An app with the shipped cache settings (the test default turns the counts cache off)."""
    app = make_app(
        COUNTS_CACHE_SECONDS=DEFAULTS["COUNTS_CACHE_SECONDS"],
        CACHE_STALE_SECONDS=DEFAULTS["CACHE_STALE_SECONDS"],
    )
    Base.metadata.create_all(get_engine(app))
    load_campaigns(app)
    return app


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/campaigns/artsakh/counts",
        "/api/v1/representatives?country=FR&postal_code=75001",
        "/learn-more",
        "/privacy",
    ],
)
def test_public_answers_are_cacheable_for_the_count_interval(shipped, path: str) -> None:
    client = shipped.test_client()
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == PUBLIC
    assert "Set-Cookie" not in response.headers
    if path.startswith("/api/"):
        assert "Cookie" not in response.vary  # one copy for everyone
    etag = response.headers["ETag"]
    again = client.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""


@pytest.mark.parametrize("path", ["/", "/thanks"])
def test_pages_with_a_visitor_s_token_or_details_are_private(shipped, path: str) -> None:
    client = shipped.test_client()
    client.post("/", data={**VALID_SIGNATURE, "csrf_token": _token(client)})
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "private, no-cache"
    assert "public" not in response.headers["Cache-Control"]
    assert "Cookie" in response.vary


def test_home_page_gives_each_visitor_their_own_token(shipped) -> None:
    first, second = shipped.test_client(), shipped.test_client()
    page_one = first.get("/").get_data(as_text=True)
    page_two = second.get("/").get_data(as_text=True)  # served from the shared rendering
    token_one, token_two = TOKEN.search(page_one).group(1), TOKEN.search(page_two).group(1)  # type: ignore[union-attr]
    assert token_one != token_two
    assert TOKEN.sub("", page_one) == TOKEN.sub("", page_two)
    data = {**VALID_SIGNATURE, "email": "two@example.org", "csrf_token": token_two}
    assert second.post("/", data=data).status_code == 303  # the cached page's token works
    stolen = {**VALID_SIGNATURE, "email": "one@example.org", "csrf_token": token_two}
    assert first.post("/", data=stolen).status_code == 400  # and only for its own visitor


def test_home_page_counter_follows_the_counts(make_app) -> None:
    app = make_app()  # counts read on every request, as after each count interval
    Base.metadata.create_all(get_engine(app))
    load_campaigns(app)
    client = app.test_client()
    assert "Be the first to sign" in client.get("/").get_data(as_text=True)
    client.post("/", data={**VALID_SIGNATURE, "csrf_token": _token(client)})
    with app.app_context():
        signature = get_session().scalars(select(Signature)).one()
        tally(get_session(), signature, SignatureState.CONFIRMED, 1)
        get_session().commit()
    assert "<strong>1</strong> person has signed" in client.get("/").get_data(as_text=True)


def test_a_flashed_message_is_never_shared(shipped) -> None:
    reporter = shipped.test_client()
    with reporter.session_transaction() as session:
        session["_flashes"] = [("message", "Thank you: only for the reporter.")]
    mine = reporter.get("/learn-more")
    assert "only for the reporter" in mine.get_data(as_text=True)
    assert mine.headers["Cache-Control"] == "private, no-cache" and "ETag" not in mine.headers
    other = shipped.test_client().get("/learn-more")
    assert "only for the reporter" not in other.get_data(as_text=True)
    assert other.headers["Cache-Control"] == PUBLIC


def _token(client) -> str:  # type: ignore[no-untyped-def]
    match = TOKEN.search(client.get("/").get_data(as_text=True))
    assert match
    return match.group(1)


def test_query_arguments_never_reach_the_shared_page(shipped) -> None:
    """The language links keep a page's query: such a page is rendered for its visitor only."""
    shipped.test_client().get("/?source=newsletter-xyz")
    page = shipped.test_client().get("/").get_data(as_text=True)
    assert "newsletter-xyz" not in page
