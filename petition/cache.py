"""A small JSON cache with expiry: in this process, or shared through Redis."""

from __future__ import annotations

import json
import logging
import threading
import time
from typing import Any, Protocol

from flask import Flask

EXTENSION_KEY = "petition.cache"
KEY_PREFIX = "petition:"
logger = logging.getLogger("petition.cache")


class Cache(Protocol):
    def get(self, key: str) -> Any | None: ...

    def set(self, key: str, value: Any, ttl: float) -> None: ...

    def delete(self, key: str) -> None: ...

    def add(self, key: str, value: Any, ttl: float) -> bool:
        """Set the key only when it is absent or expired; say whether it was set."""
        ...


class MemoryCache:
    """Per-process cache; each worker refreshes on its own."""

    def __init__(self) -> None:
        self._items: dict[str, tuple[float, Any]] = {}
        self._lock = threading.Lock()

    def get(self, key: str) -> Any | None:
        with self._lock:
            item = self._items.get(key)
        if item is None or item[0] < time.monotonic():
            return None
        return item[1]

    def set(self, key: str, value: Any, ttl: float) -> None:
        with self._lock:
            self._items[key] = (time.monotonic() + ttl, value)

    def delete(self, key: str) -> None:
        with self._lock:
            self._items.pop(key, None)

    def add(self, key: str, value: Any, ttl: float) -> bool:
        now = time.monotonic()
        with self._lock:
            item = self._items.get(key)
            if item is not None and item[0] >= now:
                return False
            self._items[key] = (now + ttl, value)
            return True


class RedisCache:
    """Cache shared by every worker; when Redis is down it behaves as empty."""

    def __init__(self, url: str) -> None:
        import redis  # here, not at the top: a site without Redis never pays its import

        self._client = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        self._errors: type[Exception] = redis.RedisError

    def get(self, key: str) -> Any | None:
        try:
            raw = self._client.get(KEY_PREFIX + key)
        except self._errors as exc:
            logger.warning("Redis cache unavailable: %s", exc)
            return None
        return None if raw is None else json.loads(raw)

    def set(self, key: str, value: Any, ttl: float) -> None:
        try:
            self._client.set(KEY_PREFIX + key, json.dumps(value), px=max(1, int(ttl * 1000)))
        except self._errors as exc:
            logger.warning("Redis cache unavailable: %s", exc)

    def delete(self, key: str) -> None:
        try:
            self._client.delete(KEY_PREFIX + key)
        except self._errors as exc:
            logger.warning("Redis cache unavailable: %s", exc)

    def add(self, key: str, value: Any, ttl: float) -> bool:
        """SET NX: atomic across workers. When Redis is down, every add succeeds."""
        try:
            done = self._client.set(
                KEY_PREFIX + key, json.dumps(value), px=max(1, int(ttl * 1000)), nx=True
            )
        except self._errors as exc:
            logger.warning("Redis cache unavailable: %s", exc)
            return True
        return bool(done)


def init_app(app: Flask) -> None:
    """Attach the cache chosen by the REDIS_URL setting."""
    url = app.config["REDIS_URL"]
    app.extensions[EXTENSION_KEY] = RedisCache(url) if url else MemoryCache()


def get_cache(app: Flask) -> Cache:
    """Return the app's cache."""
    cache: Cache = app.extensions[EXTENSION_KEY]
    return cache
