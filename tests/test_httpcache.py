"""Caching headers on the shipped defaults, and pages rendered once for everyone."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from petition.config import DEFAULTS
from petition.counts import tally
from petition.db import Base, get_engine, get_session
from petition.httpcache import BoundedDict
from petition.models import OutboxMessage, Signature, SignatureState
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


def test_thanks_page_with_a_signer_s_details_is_private(shipped) -> None:
    client = shipped.test_client()
    client.post("/", data=VALID_SIGNATURE)
    response = client.get("/thanks")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "private, no-cache"
    assert "Cookie" in response.vary


def test_home_page_is_the_same_for_everyone_and_sets_no_cookie(shipped) -> None:
    first, second, signer = (shipped.test_client() for _ in range(3))
    signer.post("/", data=VALID_SIGNATURE)  # a visitor with a session cookie
    answers = [client.get("/") for client in (first, second, signer)]
    assert all(answer.status_code == 200 for answer in answers)
    assert len({answer.get_data() for answer in answers}) == 1
    assert len({answer.headers["ETag"] for answer in answers}) == 1
    for answer in answers:
        assert answer.headers["Cache-Control"] == PUBLIC
        assert "Set-Cookie" not in answer.headers
        assert {"Accept-Language", "Cookie"} <= set(answer.vary)  # the page's language
    assert not TOKEN.search(answers[0].get_data(as_text=True))
    again = first.get("/", headers={"If-None-Match": answers[0].headers["ETag"]})
    assert again.status_code == 304


def test_home_page_counter_follows_the_counts(make_app) -> None:
    app = make_app()  # counts read on every request, as after each count interval
    Base.metadata.create_all(get_engine(app))
    load_campaigns(app)
    client = app.test_client()
    first = client.get("/")
    assert "Be the first to sign" in first.get_data(as_text=True)
    client.post("/", data=VALID_SIGNATURE)
    with app.app_context():
        signature = get_session().scalars(select(Signature)).one()
        tally(get_session(), signature, SignatureState.CONFIRMED, 1)
        get_session().commit()
    moved = client.get("/", headers={"If-None-Match": first.headers["ETag"]})
    assert moved.status_code == 200 and moved.headers["ETag"] != first.headers["ETag"]
    assert "<strong>1</strong> person has signed" in moved.get_data(as_text=True)


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


def test_query_arguments_never_reach_the_shared_page(shipped) -> None:
    """The language links keep a page's query: such a page is rendered for its visitor only."""
    shipped.test_client().get("/?source=newsletter-xyz")
    page = shipped.test_client().get("/").get_data(as_text=True)
    assert "newsletter-xyz" not in page


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_thanks_page_is_each_signer_s_own(shipped, lang: str) -> None:
    """Rendered once with stand-ins, it reads as if rendered for each signer."""
    from flask import render_template, template_rendered

    from petition.views.campaigns import _lookup_url
    from petition.views.context import current_content

    signers = [
        {"name": 'Zoë <b>"Ann"</b> & Co', "country": "US", "postal_code": "10001"},
        {"name": "Anahit", "country": "CA", "postal_code": "K1A 0B1"},
        {"name": "Ani", "country": "AM", "postal_code": ""},  # no lookup link
        {"name": "", "country": "FR", "postal_code": "75001"},
        # A name like a stand-in is not mistaken for one.
        {"name": "SignerDetailLookup_UrlMark", "country": "DE", "postal_code": "10115"},
    ]
    rendered: list[str] = []

    def record(_app, template, context, **_extra) -> None:  # type: ignore[no-untyped-def]
        rendered.append(template.name)

    pages = []
    with template_rendered.connected_to(record, shipped):
        for signer in signers * 2:  # the second time, every shape is kept
            client = shipped.test_client()
            client.set_cookie("lang", lang)
            with client.session_transaction() as session:
                session["signer"] = signer
            rendered.clear()
            pages.append((signer, client.get("/thanks").get_data(as_text=True), list(rendered)))
    assert "campaigns/thanks.html" in pages[0][2]  # rendered the first time...
    assert all(not names for _signer, _page, names in pages[len(signers) :])  # ...kept after
    for signer, page, _names in pages:
        with shipped.test_request_context("/thanks", headers={"Cookie": f"lang={lang}"}):
            expected = render_template(
                "campaigns/thanks.html",
                content=current_content(),
                signer=signer,
                share_url=shipped.config["BASE_URL"] + "/",
                lookup_url=_lookup_url(signer),
            )
        assert page == expected


def test_lookup_answers_are_kept_per_query_and_language(shipped) -> None:
    client = shipped.test_client()
    path = "/api/v1/representatives?country=FR&postal_code=75001"
    first = client.get(path)
    kept = shipped.extensions["petition.index_memo:lookup_answers"][1]
    assert len(kept) == 1
    again = client.get(path)
    assert again.get_data() == first.get_data() and again.headers["ETag"] == first.headers["ETag"]
    assert len(kept) == 1
    bad = client.get("/api/v1/representatives?country=ZZ&postal_code=1")
    assert (
        bad.status_code == 400
        and client.get("/api/v1/representatives?country=ZZ&postal_code=1").get_data()
        == bad.get_data()
    )
    client.get(path, headers={"Accept-Language": "fr"})
    assert len(kept) == 3  # one answer per language


def test_lookup_answers_kept_stay_within_their_bytes(shipped) -> None:
    """However many postal codes are asked, a process keeps at most the shipped bytes of
    lookup answers: the oldest go first, the newest is kept."""
    from petition.views.api import LOOKUP_ANSWERS_MAX_BYTES

    client = shipped.test_client()
    client.get("/api/v1/representatives?country=FR&postal_code=75001")
    kept = shipped.extensions["petition.index_memo:lookup_answers"][1]
    size = kept.held_bytes
    asked = LOOKUP_ANSWERS_MAX_BYTES // size + 2  # more than fit
    for code in range(75002, 75001 + asked):
        client.get(f"/api/v1/representatives?country=FR&postal_code={code}")
        assert kept.held_bytes <= LOOKUP_ANSWERS_MAX_BYTES
    assert ("en", "FR", "75001", None) not in kept  # the first went
    assert ("en", "FR", str(75000 + asked), None) in kept  # the last stays
    assert kept.held_bytes == sum(len(answer[0]) for answer in kept.values())


def test_answers_that_asked_an_online_service_are_not_kept() -> None:
    from petition.lookup_results import LookupResult
    from petition.views.api import settled_offline

    assert settled_offline(LookupResult(country="US", postal_code="10001", online=False))
    sure = LookupResult(country="US", postal_code="10001", online=True)
    assert settled_offline(sure)
    assert not settled_offline(LookupResult(country="US", postal_code="10001", online=True,
                                            hint_only=True))  # fmt: skip
    refined = LookupResult(country="CA", postal_code="K1A0B1", online=True, refined_by="Represent")
    assert not settled_offline(refined)
    failed = LookupResult(country="CA", postal_code="K1A0B1", online=True, refine_reason="down")
    assert not settled_offline(failed)


def _reaching_flask(app):  # type: ignore[no-untyped-def]
    """A list that grows by one for each request the app itself handles."""
    from flask import request_started

    seen: list[str] = []
    request_started.connect(lambda _sender, **_extra: seen.append("x"), app, weak=False)
    return seen


def test_public_answers_come_from_memory_for_the_count_interval(shipped, monkeypatch) -> None:
    from petition import httpcache

    clock = [1000.0]
    monkeypatch.setattr(httpcache.time, "monotonic", lambda: clock[0])
    seen = _reaching_flask(shipped)
    for path in ("/", "/api/v1/campaigns/artsakh/counts", "/learn-more"):
        seen.clear()
        first = shipped.test_client().get(path)
        again = shipped.test_client().get(path)
        assert seen == ["x"]  # the second never reached the app
        assert again.status_code == 200 and again.get_data() == first.get_data()
        assert list(again.headers) == [*first.headers, ("Age", "0")]
        assert again.headers["Cache-Control"] == PUBLIC
    seen.clear()
    clock[0] += DEFAULTS["COUNTS_CACHE_SECONDS"] - 0.01
    late = shipped.test_client().get("/")
    assert seen == [] and late.headers["Age"] == str(DEFAULTS["COUNTS_CACHE_SECONDS"] - 1)
    clock[0] += 0.01  # the count interval has passed: the app answers again
    shipped.test_client().get("/")
    assert seen == ["x"]


def test_answers_from_memory_follow_language_and_encoding(shipped) -> None:
    seen = _reaching_flask(shipped)
    english = shipped.test_client().get("/")
    french = shipped.test_client().get("/", headers={"Accept-Language": "fr"})
    assert french.get_data() != english.get_data() and len(seen) == 2
    cookie = shipped.test_client()
    cookie.set_cookie("lang", "hy")
    armenian = cookie.get("/")
    assert armenian.get_data() not in (english.get_data(), french.get_data())
    gzipped = shipped.test_client().get("/", headers={"Accept-Encoding": "gzip"})
    assert gzipped.headers["Content-Encoding"] == "gzip"
    assert len(seen) == 4
    again = [
        shipped.test_client().get("/", headers={"Accept-Language": "fr"}),
        cookie.get("/"),
        shipped.test_client().get("/", headers={"Accept-Encoding": "gzip"}),
        shipped.test_client().get("/"),
    ]
    assert len(seen) == 4  # each kept apart
    assert [a.get_data() for a in again] == [french.get_data(), armenian.get_data(),
                                             gzipped.get_data(), english.get_data()]  # fmt: skip


@pytest.fixture
def limited(make_app):
    """The shipped cache settings and rate limits (the test default turns limits off)."""
    app = make_app(COUNTS_CACHE_SECONDS=DEFAULTS["COUNTS_CACHE_SECONDS"],
                   RATELIMIT_ENABLED=DEFAULTS["RATELIMIT_ENABLED"])  # fmt: skip
    Base.metadata.create_all(get_engine(app))
    load_campaigns(app)
    return app


def test_personal_and_counted_requests_always_reach_the_app(limited) -> None:
    app = limited
    seen = _reaching_flask(app)
    organizer = app.test_client()
    with organizer.session_transaction() as session:
        session["organizer_id"] = 1
    for client in (organizer, organizer):  # more than a signer's details: the app, each time
        assert client.get("/").status_code == 200
    etag = app.test_client().get("/").headers["ETag"]
    assert app.test_client().get("/", headers={"If-None-Match": etag}).status_code == 304
    assert app.test_client().head("/").status_code == 200
    assert app.test_client().get("/thanks").status_code == 302  # not public
    assert app.test_client().get("/thanks").status_code == 302
    assert len(seen) == 7


def test_lookups_from_memory_count_against_the_shipped_limit(limited) -> None:
    app = limited
    seen = _reaching_flask(app)
    limit = int(DEFAULTS["LOOKUP_RATE_LIMIT"].split()[0])  # 60 per minute
    path = "/api/v1/representatives?country=FR&postal_code=75001"
    answers = [app.test_client().get(path) for _ in range(limit + 1)]
    assert [a.status_code for a in answers] == [200] * limit + [429]
    assert len(seen) == 2  # the first answer, then the refusal: the app's own
    assert answers[-1].json["error"] and int(answers[-1].headers["Retry-After"]) > 0
    assert answers[1].get_data() == answers[0].get_data()
    # Another address has its own count; the refused one stays refused.
    other = app.test_client().get(path, environ_base={"REMOTE_ADDR": "192.0.2.7"})
    assert other.status_code == 200 and len(seen) == 2
    assert app.test_client().get(path).status_code == 429
    # Letters share the lookup limit: the refused address is refused there too.
    assert app.test_client().get("/api/v1/letters?rep_id=x").status_code == 429


def test_answers_that_asked_an_online_service_are_not_kept_whole(shipped) -> None:
    app = shipped
    seen = _reaching_flask(app)
    path = "/api/v1/representatives?country=US&postal_code=10001&address=350+5th+Ave"
    for _ in range(2):
        app.test_client().get(path)
    assert len(seen) == 2


def test_confirming_shows_on_the_home_page_at_once(shipped) -> None:
    from tests.conftest import SAME_ORIGIN

    client = shipped.test_client()
    visitor = shipped.test_client()
    assert "Be the first to sign" in visitor.get("/").get_data(as_text=True)
    client.post("/", data=VALID_SIGNATURE, headers=SAME_ORIGIN)
    with shipped.app_context():
        body = get_session().scalars(select(OutboxMessage.body)).one()
    found = re.search(r"/confirm/([A-Za-z0-9_.-]+)", body)
    assert found is not None
    token = found.group(1)
    page = client.get(f"/confirm/{token}").get_data(as_text=True)
    csrf = TOKEN.search(page)
    assert csrf is not None
    client.post(f"/confirm/{token}", data={"csrf_token": csrf.group(1)}, headers=SAME_ORIGIN)
    assert "<strong>1</strong> person has signed" in visitor.get("/").get_data(as_text=True)


def test_answers_kept_in_memory_are_bounded(shipped, monkeypatch) -> None:
    from petition import httpcache

    answers = shipped.extensions[httpcache.ANSWERS_KEY]
    for n in range(httpcache.ANSWERS_MAX + 10):
        shipped.test_client().get("/learn-more", headers={"Accept-Language": f"en;q=0.{n}"})
    assert 0 < len(answers._answers) <= httpcache.ANSWERS_MAX
    # In bytes too: at most two home pages here.
    size = len(shipped.test_client().get("/").get_data())
    monkeypatch.setattr(httpcache, "ANSWERS_MAX_BYTES", 2 * size)
    clock = [1000.0]
    monkeypatch.setattr(httpcache.time, "monotonic", lambda: clock[0])
    for n in [0, 1, 2, 2, 2, 3]:  # the same page again once the last copy expired
        clock[0] += DEFAULTS["COUNTS_CACHE_SECONDS"]
        shipped.test_client().get("/", headers={"Accept-Language": f"en;q=0.{n}"})
        kept = sum(len(answer.body) for answer in answers._answers.values())
        assert kept == answers._bytes <= 2 * size


def test_an_answer_from_memory_is_the_same_under_a_server_that_adds_headers(shipped) -> None:
    """wsgiref adds Content-Length to the list it is given: the kept one stays as it was."""
    from wsgiref.util import setup_testing_defaults

    def call() -> tuple[str, list[tuple[str, str]], bytes]:
        environ: dict[str, object] = {"PATH_INFO": "/privacy"}
        setup_testing_defaults(environ)
        got: list[object] = []

        def start(status: str, headers: list[tuple[str, str]], exc_info: object = None) -> None:
            got[:] = [status, headers]

        body = b"".join(shipped(environ, start))
        status, headers = got
        snapshot = list(headers)  # type: ignore[call-overload]
        headers.append(("X-Added-By-Server", "1"))  # type: ignore[attr-defined]
        return str(status), snapshot, body

    first, second, third = call(), call(), call()
    assert second == third  # not the server's header of the first time
    assert second[0] == first[0] and second[2] == first[2]
    assert second[1] == [*first[1], ("Age", "0")]


PUBLIC_PATHS = ("/", "/learn-more", "/privacy", "/api/v1/campaigns/artsakh/counts",
                "/api/v1/representatives?country=FR&postal_code=75001")  # fmt: skip


def _signer(app):  # type: ignore[no-untyped-def]
    """A client holding the session a signature leaves: the signer's details only."""
    signer = app.test_client()
    signed = signer.post("/", data=VALID_SIGNATURE, headers={"Sec-Fetch-Site": "same-origin"})
    assert signed.status_code == 303
    with signer.session_transaction() as session:
        assert set(session) == {"signer"}
    return signer


@pytest.mark.parametrize("path", PUBLIC_PATHS)
def test_the_app_answers_a_signer_as_anyone_else(make_app, path: str) -> None:
    """What lets a signer's session get the answers kept in memory: without them (the
    test default keeps none), the app's own answer to a signer is a visitor's, byte for
    byte, and sends no cookie back."""
    app = make_app()
    Base.metadata.create_all(get_engine(app))
    load_campaigns(app)
    signer = _signer(app)
    for lang in ("en", "fr"):
        anyone = app.test_client().get(path, headers={"Accept-Language": lang})
        mine = signer.get(path, headers={"Accept-Language": lang})
        assert mine.status_code == anyone.status_code == 200
        assert mine.get_data() == anyone.get_data()
        assert "Set-Cookie" not in mine.headers
        assert mine.headers.get("Cache-Control") == anyone.headers.get("Cache-Control")
        assert mine.headers.get("Vary") == anyone.headers.get("Vary")


def test_a_signer_s_session_gets_the_public_answers_from_memory(shipped) -> None:
    seen = _reaching_flask(shipped)
    signer = _signer(shipped)
    for path in PUBLIC_PATHS:
        first = shipped.test_client().get(path)  # a visitor without a session fills it
        seen.clear()
        mine = signer.get(path)
        assert seen == [], path  # the signer's never reached the app
        assert mine.get_data() == first.get_data()
        assert list(mine.headers) == [*first.headers, ("Age", "0")]
    # With the language cookie: the answer kept for that language.
    french_visitor = shipped.test_client()
    french_visitor.set_cookie("lang", "fr")
    french = french_visitor.get("/")
    signer.set_cookie("lang", "fr")
    seen.clear()
    assert signer.get("/").get_data() == french.get_data() and seen == []


def test_a_signer_s_request_keeps_the_answer_everyone_gets(shipped) -> None:
    seen = _reaching_flask(shipped)
    signer = _signer(shipped)
    seen.clear()
    mine = signer.get("/learn-more")
    anyone = shipped.test_client().get("/learn-more")
    assert seen == ["x"] and anyone.get_data() == mine.get_data()


def test_a_public_answer_that_reads_the_session_is_the_visitor_s_own(shipped) -> None:
    """A view marked public that looks at the signer's details anyway: its answer is
    private and never kept, so no other visitor ever sees them."""
    from flask import session

    from petition.httpcache import public

    @shipped.get("/test-greeting")
    @public
    def greeting() -> str:
        return f"Hello {session.get('signer', {}).get('name', 'you')}"

    seen = _reaching_flask(shipped)
    signer = _signer(shipped)
    seen.clear()
    mine = signer.get("/test-greeting")
    assert mine.get_data(as_text=True) == "Hello Anahit Petrosyan"
    assert mine.headers["Cache-Control"] == "private, no-cache" and "ETag" not in mine.headers
    assert "Cookie" in mine.vary
    for _ in range(2):
        anyone = shipped.test_client().get("/test-greeting")
        assert anyone.get_data(as_text=True) == "Hello you"
    assert seen == ["x", "x", "x"]  # every answer the app's own: none was kept


def test_sessions_a_page_may_show_and_strange_cookies_reach_the_app(shipped, auth_for) -> None:
    organizer = auth_for(shipped)
    shipped.test_client().get("/")  # kept for visitors without a session
    seen = _reaching_flask(shipped)
    assert organizer.get("/").status_code == 200 and seen == ["x"]
    flashed = _signer(shipped)
    with flashed.session_transaction() as session:
        session["_flashes"] = [("message", "Only for this signer.")]
    seen.clear()
    assert "Only for this signer." in flashed.get("/").get_data(as_text=True)
    assert seen == ["x"]
    forged = shipped.test_client()
    forged.set_cookie("session", "eyJzaWduZXIiOnt9fQ.forged.signature")
    other = _signer(shipped)
    other.set_cookie("tracker", "1")  # a cookie we know nothing of
    doubled = _signer(shipped)
    doubled.set_cookie("lang", "fr")
    doubled.set_cookie("lang", "hy", path="/learn")  # two lang cookies: which one counts?
    seen.clear()
    for client in (forged, other):
        assert client.get("/").status_code == 200
    assert doubled.get("/learn-more").status_code == 200
    assert seen == ["x", "x", "x"]


def test_kept_pages_are_bounded_in_number_and_bytes(monkeypatch) -> None:
    from petition import httpcache

    monkeypatch.setattr(httpcache, "PAGES_MAX", 3)
    monkeypatch.setattr(httpcache, "PAGES_MAX_BYTES", 100)
    cache = httpcache.PageCache()

    def kept() -> list[str]:
        return [name for name in ("a", "b", "c", "d", "e") if cache.get(name, 1) is not None]

    for name in "abc":
        cache.put(name, 1, (b"x" * 10,))
    cache.put("a", 1, (b"x" * 10,))  # rendered again: now the newest
    cache.put("d", 1, (b"x" * 10,))  # a fourth page: the oldest ("b") goes
    assert kept() == ["a", "c", "d"]
    cache.put("e", 1, (b"y" * 75,))  # over the bytes: the oldest go until it fits
    assert kept() == ["a", "d", "e"]
    cache.put("e", 1, (b"y" * 95,))  # replacing a page counts its new size only
    assert kept() == ["e"]


@settings(max_examples=80, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
@given(st.text(st.characters(max_codepoint=0xFF, exclude_characters="\r\n"), max_size=200),
       st.booleans(),
       st.sampled_from(["/", "/api/v1/campaigns/artsakh/counts"]))  # fmt: skip
def test_any_cookie_header_gets_the_page(shipped, header: str, signer: bool, path: str) -> None:
    """Whatever the Cookie header (a WSGI header is Latin-1 text, on one line), a public
    page answers 200 with the page everyone gets: from memory for a signer's session,
    from the app otherwise."""
    if signer:
        session = shipped.extensions.setdefault("test.signer_cookie", _signer_cookie(shipped))
        header = f"session={session}; {header}" if header else f"session={session}"
    client = shipped.test_client(use_cookies=False)
    shipped.test_client().get(path)  # something kept
    response = client.get(path, headers={"Cookie": header})
    assert response.status_code == 200
    assert response.get_data() == shipped.test_client().get(path).get_data()


def _signer_cookie(app) -> str:  # type: ignore[no-untyped-def]
    cookie = _signer(app).get_cookie("session")
    assert cookie is not None
    return str(cookie.value)


@pytest.mark.parametrize("header", ["session=\x80", "lang=\xe9", "\x80", "other=caf\xe9; lang=fr"])
@pytest.mark.parametrize("path", ["/", "/thanks", "/privacy", "/representatives"])
def test_a_cookie_that_is_not_utf_8_is_no_server_error(shipped, header: str, path: str) -> None:
    """werkzeug's own cookie parsing raises on such a byte (a 500 on every page that read
    the session or the language cookie); ours reads it as a replacement character."""
    response = shipped.test_client(use_cookies=False).get(path, headers={"Cookie": header})
    assert response.status_code in (200, 302)


FUZZED_HEADERS = ("Accept-Language", "Accept-Encoding", "Origin", "Sec-Fetch-Site",
                  "Referer", "If-None-Match", "If-Modified-Since", "Range", "X-Forwarded-For",
                  "Cookie")  # fmt: skip
REQUESTS = ("GET /", "HEAD /", "GET /learn-more", "GET /api/v1/campaigns/artsakh/counts",
            "GET /representatives?country=FR&postal_code=75001", "GET /thanks", "POST /",
            "GET /api/v1/representatives?country=US&postal_code=10001")  # fmt: skip


@settings(max_examples=150, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
@given(st.dictionaries(st.sampled_from(FUZZED_HEADERS),
                       st.text(st.characters(max_codepoint=0xFF, exclude_characters="\r\n"),
                               max_size=120), max_size=4),
       st.sampled_from(REQUESTS))  # fmt: skip
def test_any_request_headers_are_no_server_error(shipped, headers: dict[str, str], request_line: str
                                                  ) -> None:  # fmt: skip
    """The headers the pages, the caches and the origin check read, with any one-line
    Latin-1 text, on the shipped cache settings: never a 5xx."""
    method, path = request_line.split(" ")
    client = shipped.test_client(use_cookies=False)
    data = VALID_SIGNATURE if method == "POST" else None
    response = client.open(path, method=method, headers=headers, data=data)
    assert response.status_code < 500, (headers, request_line)


def test_bounded_dict_drops_the_oldest_past_its_entry_limit() -> None:
    kept = BoundedDict(limit=3)
    for n in range(5):
        kept.keep(n, str(n))
    assert list(kept) == [2, 3, 4]


def test_bounded_dict_keeps_the_entries_sizes_under_max_bytes() -> None:
    kept = BoundedDict(limit=4096, max_bytes=1000)
    for n in range(10):
        kept.keep(n, b"x" * 300, size=300)
        assert kept.held_bytes == 300 * len(kept) <= 1000
    assert list(kept) == [7, 8, 9]  # the newest three
    kept.keep(8, b"x" * 900, size=900)  # replaces its own entry
    assert list(kept) == [8] and kept.held_bytes == 900
    kept.keep("big", b"x" * 5000, size=5000)  # larger than the bound
    assert list(kept) == ["big"] and kept.held_bytes == 5000  # kept alone: the newest


def test_bounded_dict_entries_without_a_size_count_for_nothing() -> None:
    kept = BoundedDict(limit=4096, max_bytes=10)
    kept.keep("a", 1)
    kept.keep("b", 2, size=10)
    assert list(kept) == ["a", "b"] and kept.held_bytes == 10


def test_bounded_dict_filled_by_threads_at_once_keeps_its_count_of_bytes_exact() -> None:
    import sys
    import threading

    kept = BoundedDict(limit=4096, max_bytes=500)

    def fill(start: int) -> None:
        for n in range(start, start + 2000):
            kept.keep(n % 300, n, size=n % 7 + 1)

    threads = [threading.Thread(target=fill, args=(k * 2000,)) for k in range(4)]
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # threads take turns as often as they can
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(interval)
    assert kept.held_bytes == sum(kept.sizes.values()) <= 500
    assert set(kept.sizes) == set(kept)
