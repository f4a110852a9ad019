"""The counts cache, in memory and in Redis (when PETITION_TEST_REDIS_URL is set)."""

from __future__ import annotations

import os
import time
import uuid

import pytest

from petition.cache import MemoryCache, RedisCache

REDIS_URL = os.environ.get("PETITION_TEST_REDIS_URL")


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
def cache(request):
    if request.param == "memory":
        return MemoryCache()
    if not REDIS_URL:
        pytest.skip("PETITION_TEST_REDIS_URL is not set")
    return RedisCache(REDIS_URL)


def test_set_get_delete_and_expiry(cache) -> None:
    key = f"test:{uuid.uuid4().hex}"
    assert cache.get(key) is None
    cache.set(key, {"total": 3, "by_country": {"CA": 3}}, ttl=0.2)
    assert cache.get(key) == {"total": 3, "by_country": {"CA": 3}}
    time.sleep(0.3)
    assert cache.get(key) is None
    cache.set(key, [1], ttl=60)
    cache.delete(key)
    assert cache.get(key) is None


@pytest.mark.skipif(not REDIS_URL, reason="PETITION_TEST_REDIS_URL is not set")
def test_redis_is_shared_between_processes(make_app) -> None:
    first = make_app(REDIS_URL=REDIS_URL, COUNTS_CACHE_SECONDS=30)
    second = make_app(REDIS_URL=REDIS_URL, COUNTS_CACHE_SECONDS=30)
    key = f"test:{uuid.uuid4().hex}"
    first.extensions["petition.cache"].set(key, {"total": 7}, 30)
    assert second.extensions["petition.cache"].get(key) == {"total": 7}


def test_redis_down_behaves_as_empty(caplog) -> None:
    cache = RedisCache("redis://127.0.0.1:1/0")  # nothing listens on port 1
    cache.set("k", 1, 10)
    assert cache.get("k") is None
    cache.delete("k")
    assert "Redis cache unavailable" in caplog.text
