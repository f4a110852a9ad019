"""Rate limits on the shipped defaults: signing is held, not refused; the rest answer 429."""

from __future__ import annotations

import re
import threading
import time
import uuid
from datetime import date
from unittest.mock import patch

import pytest
from flask import Flask, request
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from petition import limits
from petition.config import DEFAULTS, ConfigError
from petition.db import get_session
from petition.letters import make_open_token
from petition.models import Representative, Signature, SignatureState
from tests.conftest import REDIS_URL, VALID_SIGNATURE, csrf_token

MEP = "ep:test-1"


def _sign_many(app: Flask, n: int, address: str = "198.51.100.7") -> list[int]:
    """Sign n times with different emails from one address; return the statuses."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    statuses = []
    for i in range(n):
        data = {
            **VALID_SIGNATURE,
            "email": f"s{i}.{address.replace(':', '-')}@example.org",
        }
        statuses.append(client.post("/", data=data).status_code)
    return statuses


def _states(app: Flask) -> list[SignatureState]:
    with app.app_context():
        # In the order they signed (ids are drawn in blocks per connection on PostgreSQL).
        order = (Signature.created_at, Signature.id)
        return list(get_session().scalars(select(Signature.state).order_by(*order)))


def test_shipped_sign_limit_holds_the_excess_and_refuses_nobody(make_shipped_app) -> None:
    app = make_shipped_app()
    assert DEFAULTS["SIGN_RATE_LIMIT"] == "5 per 5 minutes; 20 per hour"
    assert _sign_many(app, 7) == [303] * 7  # the signer never sees a difference
    P, S = SignatureState.PENDING, SignatureState.SUSPECT
    assert _states(app) == [P] * 5 + [S] * 2
    # Another address is not affected by the first one's burst.
    assert _sign_many(app, 1, address="203.0.113.50") == [303]
    assert _states(app)[-1] == P


def test_held_signatures_confirm_but_count_only_once_released(make_shipped_app, auth_for):
    app = make_shipped_app()
    _sign_many(app, 7)
    client = app.test_client()
    mailbox = app.extensions["petition.mail"]
    for link in mailbox.links("confirm"):
        page = client.post(
            link, data={"csrf_token": csrf_token(client, link)}, follow_redirects=True
        )
        assert "Your signature is confirmed" in page.get_data(as_text=True)
    assert "the organizers check them" in page.get_data(as_text=True)  # the last one was held
    assert client.get("/api/v1/campaigns/artsakh/counts").json["total"] == 5
    organizer = auth_for(app)
    page = organizer.get("/organizer/moderation").get_data(as_text=True)
    assert "2 signatures came from an address" in page
    token = csrf_token(organizer, "/organizer/moderation")
    released = organizer.post("/organizer/moderation/release", data={"csrf_token": token})
    assert released.status_code == 303
    assert client.get("/api/v1/campaigns/artsakh/counts").json["total"] == 7
    assert _states(app) == [SignatureState.CONFIRMED] * 7


def _add_representative(app: Flask) -> None:
    with app.app_context():
        get_session().add(
            Representative(
                id=MEP,
                country="AT",
                body="eu-parliament",
                region="AT",
                name="Test Member",
                address_as="MEP",
                email="mep@example.eu",
                source="test",
                source_date=date(2026, 1, 1),
            )  # fmt: skip
        )
        get_session().commit()


def test_shipped_lookup_letter_report_and_confirm_limits(make_shipped_app) -> None:
    app = make_shipped_app()
    _add_representative(app)
    client = app.test_client()
    api = [client.get("/api/v1/representatives?country=AT&postal_code=1010") for _ in range(60)]
    assert {r.status_code for r in api} == {200}
    refused = client.get(f"/api/v1/letters?representative={MEP}")  # shares the lookup count
    assert refused.status_code == 429 and "Too many requests" in refused.json["error"]
    assert 1 <= int(refused.headers["Retry-After"]) <= 60  # the minute window is full
    assert client.get("/representatives?country=AT&postal_code=1010").status_code == 429

    # 60 letters an hour are counted; beyond that the report is refused, not the letter.
    reports = []
    for i in range(61):  # a different browser each time, so no report is a repeat
        token = make_open_token("test-secret", MEP, "copy", f"browser-{i}")
        reports.append(client.post(f"/letters/opened/{token}").status_code)
    assert reports == [204] * 60 + [429]
    assert client.get("/api/v1/campaigns/artsakh/counts").json["letters_sent"] == 60

    form = {"csrf_token": csrf_token(client, "/representatives/report"), "message": "Wrong."}
    reports = [client.post("/representatives/report", data=form).status_code for _ in range(11)]
    assert reports == [303] * 10 + [429]

    links = [client.get(f"/confirm/no-such-token-{i}").status_code for i in range(31)]
    assert links == [404] * 30 + [429]


def test_bad_limit_setting_stops_start_up(make_app) -> None:
    with pytest.raises(ConfigError, match="PETITION_SIGN_RATE_LIMIT"):
        make_app(SIGN_RATE_LIMIT="five a minute")


def test_dead_store_falls_back_to_counting_in_the_process(make_shipped_app, caplog) -> None:
    # Nothing listens on port 1: every Redis call is refused at once.
    app = make_shipped_app(RATELIMIT_STORAGE_URL="redis://127.0.0.1:1/0")
    assert _sign_many(app, 6) == [303] * 6
    assert _states(app)[-1] == SignatureState.SUSPECT
    assert "Rate-limit store unreachable" in caplog.text


@pytest.mark.redis
@pytest.mark.skipif(not REDIS_URL, reason="PETITION_TEST_REDIS_URL is not set")
def test_redis_counts_are_shared_between_workers(make_shipped_app) -> None:
    import redis

    prefix = f"test-{uuid.uuid4().hex[:12]}"
    first = make_shipped_app(REDIS_URL=REDIS_URL, RATELIMIT_KEY_PREFIX=prefix)
    assert _sign_many(first, 5) == [303] * 5
    # A second app is a second worker: its own store object, the same Redis.
    second = make_shipped_app(REDIS_URL=REDIS_URL, RATELIMIT_KEY_PREFIX=prefix)
    try:
        with second.test_request_context(environ_base={"REMOTE_ADDR": "198.51.100.7"}):
            assert limits.get_limits().storage is not limits.get_limits(first).storage
            assert not limits.hit("SIGN_RATE_LIMIT", "sign")  # the first worker's five count
    finally:
        client = redis.Redis.from_url(REDIS_URL)
        for key in client.scan_iter(f"*{prefix}*"):
            client.delete(key)


def test_unless_requests_are_neither_counted_nor_refused(make_shipped_app) -> None:
    app = make_shipped_app()

    @app.get("/probe")
    @limits.limit("REPORT_RATE_LIMIT", "probe", unless=lambda: request.args.get("free") == "1")
    def probe() -> str:
        return "ok"

    client = app.test_client()
    assert {client.get("/probe?free=1").status_code for _ in range(12)} == {200}
    assert [client.get("/probe").status_code for _ in range(11)] == [200] * 10 + [429]


def test_a_held_address_can_be_invalidated_instead(make_shipped_app, auth_for) -> None:
    app = make_shipped_app()
    _sign_many(app, 6)
    organizer = auth_for(app)
    page = organizer.get("/organizer/moderation").get_data(as_text=True)
    [ip_hash] = set(re.findall(r'name="ip_hash" value="([0-9a-f]{64})"', page))
    token = csrf_token(organizer, "/organizer/moderation")
    data = {"csrf_token": token, "ip_hash": ip_hash, "action": "preview"}
    preview = organizer.post("/organizer/moderation", data=data)
    assert "<strong>6</strong> signatures match" in preview.get_data(as_text=True)


def test_ipv6_addresses_count_by_their_64_network(make_shipped_app) -> None:
    app = make_shipped_app()
    for n in range(6):  # one subscriber hopping through the addresses of their /64
        _sign_many(app, 1, address=f"2001:db8:1:2::{n + 1:x}")
    assert _states(app)[-1] == SignatureState.SUSPECT
    _sign_many(app, 1, address="2001:db8:1:3::1")  # the next /64 is someone else
    assert _states(app)[-1] == SignatureState.PENDING


def test_counting_in_the_process_starts_no_thread(make_shipped_app, monkeypatch) -> None:
    app = make_shipped_app()

    started: list[threading.Thread] = []
    start = threading.Thread.start

    def counted_start(thread: threading.Thread) -> None:
        started.append(thread)
        start(thread)

    time.sleep(0.05)  # let the store's constructor's own timer run out
    monkeypatch.setattr(threading.Thread, "start", counted_start)
    client = app.test_client()
    for _ in range(3):
        assert client.get("/api/v1/representatives?country=AT&postal_code=1010").status_code == 200
    assert started == []


def test_the_process_store_drops_what_expired() -> None:
    store = limits.ProcessStorage()
    store.incr("old", expiry=1)
    store.incr("young", expiry=3600)
    assert store.acquire_entry("window", limit=2, expiry=1)
    store.expirations["old"] = time.time() - 1  # expired a second ago
    store.events["window"][0].expiry = time.time() - 1
    store.next_sweep = time.time() - 1  # a sweep is due
    store.incr("new", expiry=60)
    assert set(store.storage) == {"young", "new"} and store.get("young") == 1
    assert store.events == {} and set(store.locks) <= {"young", "new"}


def test_the_process_store_keeps_a_moving_window() -> None:
    store = limits.ProcessStorage()
    assert [store.acquire_entry("k", limit=3, expiry=60) for _ in range(4)] == [True] * 3 + [False]
    assert len(store.events["k"]) == 3
    for event in store.events["k"]:
        event.atime -= 61  # all three left the window
    assert store.acquire_entry("k", limit=3, expiry=60) and len(store.events["k"]) == 3


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 3), st.integers(1, 3)), max_size=40),
       st.integers(1, 5))  # fmt: skip
def test_the_process_store_answers_as_the_library_s_memory_store(steps, limit) -> None:
    """Entries kept oldest first (a hit appends instead of moving the whole list) give
    the library's answers: acquire_entry and the moving window, clock moving on."""
    from limits.storage import MemoryStorage

    clock = [1000.0]
    ours, theirs = limits.ProcessStorage(), MemoryStorage()
    with patch("time.time", lambda: clock[0]):
        for seconds, amount in steps:
            clock[0] += seconds
            assert ours.acquire_entry("k", limit, 5, amount) == theirs.acquire_entry(
                "k", limit, 5, amount
            )
            ours_count = ours.get_moving_window("k", limit, 5)[1]
            assert ours_count == theirs.get_moving_window("k", limit, 5)[1]
            if ours_count:
                assert ours.get_moving_window("k", limit, 5) == theirs.get_moving_window(
                    "k", limit, 5
                )
