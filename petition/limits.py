"""Rate limits per client address, counted in Redis (shared) or in this process's memory.

Built on the `limits` library directly rather than through Flask-Limiter: signing needs
"count this and tell me whether it went over" (an over-limit signature is kept and held
for review, never refused), each app keeps its own store in ``app.extensions`` (the
extension's one global object kept the first app's settings), nothing runs on requests
that have no limit, and a broken store is logged and bridged with per-process counting
for a short while instead of silently switching every limit to memory for good.
"""

from __future__ import annotations

import bisect
import functools
import ipaddress
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from flask import Flask, current_app, request
from flask_babel import lazy_gettext as _l
from limits import RateLimitItem, parse_many
from limits.storage import MemoryStorage, Storage, storage_from_string
from limits.storage.memory import Entry
from limits.strategies import MovingWindowRateLimiter
from werkzeug.exceptions import TooManyRequests

from petition.config import ConfigError
from petition.httpcache import REPLAYS

EXTENSION_KEY = "petition.limits"
# Every setting that holds a limit, checked when the app starts.
LIMIT_SETTINGS = (
    "SIGN_RATE_LIMIT",
    "CONFIRM_RATE_LIMIT",
    "LOOKUP_RATE_LIMIT",
    "LETTER_RATE_LIMIT",
    "REPORT_RATE_LIMIT",
    "LOGIN_RATE_LIMIT",
    "ONLINE_LOOKUP_RATE_LIMIT",
)
# Every address in an IPv6 /64 belongs to one subscriber (RFC 6177), who can pick any.
IPV6_PREFIX = 64
# Seconds a request waits on Redis before the limit is counted in this process instead.
STORE_TIMEOUT = 0.5
# After the store failed, count in this process for this long before trying it again,
# so a dead Redis costs one timeout per interval rather than one per request.
STORE_RETRY_SECONDS = 30.0

# What a refused page or API call says; Retry-After gives the seconds.
REFUSED = _l("Too many requests from your network. Wait a few minutes and try again.")

# How often the in-process store drops expired counters (on a counting request).
SWEEP_SECONDS = 60.0

F = TypeVar("F", bound=Callable[..., Any])
logger = logging.getLogger("petition.limits")


def _entry_time(entry: Entry) -> float:
    return entry.atime


class ProcessStorage(MemoryStorage):
    """The `limits` memory store without its expiry thread.

    The library's store starts a timer thread every 10 ms while counting, to drop expired
    counters; starting a thread costs more than the rest of a lookup request. Here reads
    already ignore expired counters (the library's `get`), and expired ones are dropped
    at most once a minute by the request that counts.
    """

    def __init__(self) -> None:
        super().__init__()
        self.next_sweep = time.time() + SWEEP_SECONDS

    def incr(self, key: str, expiry: float, amount: int = 1) -> int:
        """Add to a counter that expires `expiry` seconds after its first count."""
        self.sweep()
        self.get(key)  # drops the counter when it has expired
        with self.locks[key]:
            self.storage[key] += amount
            if self.storage[key] == amount:
                self.expirations[key] = time.time() + expiry
        return self.storage.get(key, 0)

    def decr(self, key: str, amount: int = 1) -> int:
        """Take from a counter, never below zero."""
        self.get(key)
        with self.locks[key]:
            self.storage[key] = max(self.storage[key] - amount, 0)
        return self.storage.get(key, 0)

    def acquire_entry(self, key: str, limit: int, expiry: int, amount: int = 1) -> bool:
        """Take `amount` places in a moving window unless `limit` are taken in it already."""
        if amount > limit:
            return False
        self.sweep()
        with self.locks[key]:
            events = self.events.setdefault(key, [])
            now = time.time()
            # Oldest first (the library keeps them newest first, and so moves the whole
            # list on every hit): the window is full when the (limit - amount + 1)-th
            # newest entry is still inside it.
            taken = limit - amount + 1
            if len(events) >= taken and events[-taken].atime >= now - expiry:
                return False
            events.extend(Entry(expiry) for _ in range(amount))
            if len(events) > limit:
                del events[: len(events) - limit]  # older ones can no longer decide anything
            return True

    def get_moving_window(self, key: str, limit: int, expiry: int) -> tuple[float, int]:
        """The oldest entry's time in the moving window and how many entries it holds
        (the library's answer, for entries kept oldest first)."""
        now = time.time()
        events = self.events.get(key, [])
        inside = len(events) - bisect.bisect_right(events, now - expiry, key=_entry_time)
        if inside:
            return events[-inside].atime, inside
        return now, 0

    def sweep(self) -> None:
        """Drop expired counters and window entries, at most once per SWEEP_SECONDS."""
        now = time.time()
        if now < self.next_sweep:
            return
        self.next_sweep = now + SWEEP_SECONDS
        for key, expires_at in list(self.expirations.items()):
            if expires_at <= now:
                self.storage.pop(key, None)
                self.expirations.pop(key, None)
        for key, events in list(self.events.items()):
            live = [event for event in events if event.expiry > now]
            if live:
                self.events[key] = live
            else:
                self.events.pop(key, None)
        for key in [k for k in self.locks if k not in self.storage and k not in self.events]:
            self.locks.pop(key, None)


@dataclass
class RateLimits:
    """One app's limits and store.

    Counted in moving windows: "5 per 5 minutes" means no more than 5 in any 5 minutes,
    with no burst at window edges (fixed windows) and no approximation (sliding counters,
    which let a sixth attempt through right after a window turns).
    """

    enabled: bool
    prefix: str
    storage: Storage
    items: dict[str, list[RateLimitItem]]
    fallback: ProcessStorage = field(default_factory=ProcessStorage)
    store_down_until: float = 0.0

    def active_storage(self) -> Storage:
        """Return the shared store, or this process's memory while the store is down."""
        return self.fallback if time.monotonic() < self.store_down_until else self.storage

    def store_failed(self) -> None:
        """Count in memory for a while; the store is tried again afterwards."""
        logger.warning("Rate-limit store unreachable: counting in this process for a while",
                       exc_info=True)  # fmt: skip
        self.store_down_until = time.monotonic() + STORE_RETRY_SECONDS


def storage_url(config: dict[str, Any]) -> str:
    """Return where counters live: the setting, else Redis when configured, else memory."""
    return str(config["RATELIMIT_STORAGE_URL"] or config["REDIS_URL"] or "memory://")


def init_app(app: Flask) -> None:
    """Parse every limit setting (a bad one stops start-up) and open the store."""
    items: dict[str, list[RateLimitItem]] = {}
    for name in LIMIT_SETTINGS:
        try:
            items[name] = parse_many(str(app.config[name]))
        except ValueError as exc:
            raise ConfigError(f"PETITION_{name}: {exc}") from exc
    url = storage_url(app.config)
    if url.startswith("memory://"):
        storage: Any = ProcessStorage()
    else:
        timeouts = {"socket_timeout": STORE_TIMEOUT, "socket_connect_timeout": STORE_TIMEOUT}
        storage = storage_from_string(url, **timeouts)
    if not isinstance(storage, Storage):
        raise ConfigError(f"PETITION_RATELIMIT_STORAGE_URL: {url} is an asyncio store")
    app.extensions[EXTENSION_KEY] = RateLimits(
        enabled=bool(app.config["RATELIMIT_ENABLED"]),
        prefix=str(app.config["RATELIMIT_KEY_PREFIX"]),
        storage=storage,
        items=items,
    )


def get_limits(app: Flask | None = None) -> RateLimits:
    """Return the app's rate limits."""
    limits: RateLimits = (app or current_app).extensions[EXTENSION_KEY]
    return limits


def client_address() -> str:
    """The client's address, an IPv6 one as its /64 network (what one subscriber gets).

    The address is the connection's, or the proxy's X-Forwarded-For with TRUSTED_PROXIES.
    """
    return address_of(request.remote_addr)


def address_of(remote_addr: str | None) -> str:
    """A connection's address as the limits count it (see client_address)."""
    address = remote_addr or "unknown"
    if ":" not in address:
        return address
    try:
        return str(ipaddress.IPv6Network(f"{address}/{IPV6_PREFIX}", strict=False))
    except ValueError:
        return address


def hit(setting: str, scope: str, key: str | None = None) -> bool:
    """Count one request against a limit; return False when it went over.

    Every window of the setting ("5 per 5 minutes; 20 per hour") counts the request
    if it has room, so a burst that fills the short one still counts toward the long one.
    """
    return count_hit(get_limits(), setting, scope, key if key is not None else client_address())


def count_hit(state: RateLimits, setting: str, scope: str, key: str) -> bool:
    """`hit` for a given app's limits and key, with or without a request."""
    if not state.enabled:
        return True
    identifiers = (state.prefix, scope, key)
    storage = state.active_storage()
    try:
        strategy = MovingWindowRateLimiter(storage)
        return all([strategy.hit(item, *identifiers) for item in state.items[setting]])
    except Exception:  # each store raises its own client's errors
        if storage is state.fallback:
            raise
        state.store_failed()
        return count_hit(state, setting, scope, key)


# What a request already counted before it reached the app: {(setting, scope): allowed}.
COUNTED_BEFORE = "petition.limits_counted"


@dataclass(frozen=True)
class Replay:
    """Counts a request against a limit again, from its environ alone: an answer kept in
    memory (httpcache.SharedAnswers) counts each time it is given, as the view would."""

    state: RateLimits
    setting: str
    scope: str

    def __call__(self, environ: dict[str, Any]) -> bool:
        allowed = count_hit(self.state, self.setting, self.scope,
                            address_of(environ.get("REMOTE_ADDR")))  # fmt: skip
        environ.setdefault(COUNTED_BEFORE, {})[(self.setting, self.scope)] = allowed
        return allowed


def limit(
    setting: str,
    scope: str,
    methods: tuple[str, ...] = ("GET", "POST"),
    unless: Callable[[], bool] | None = None,
) -> Callable[[F], F]:
    """Refuse a view with 429 when the client's address goes over the setting's limit.

    Views sharing a scope share one count (the lookup page and the lookup API); requests
    for which `unless()` is true are neither counted nor refused.
    """

    def decorate(view: F) -> F:
        @functools.wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            counted = request.method in methods and not (unless and unless())
            if counted:
                environ = request.environ
                before = environ.get(COUNTED_BEFORE, {}).get((setting, scope))
                allowed = hit(setting, scope) if before is None else before
                if not allowed:
                    raise TooManyRequests(REFUSED, retry_after=retry_after(setting, scope))
                environ.setdefault(REPLAYS, []).append(Replay(get_limits(), setting, scope))
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorate


def retry_after(setting: str, scope: str) -> int:
    """Whole seconds until the client's address is within every window of a limit again."""
    state = get_limits()
    identifiers = (state.prefix, scope, client_address())
    strategy = MovingWindowRateLimiter(state.active_storage())
    try:
        stats = [strategy.get_window_stats(item, *identifiers) for item in state.items[setting]]
    except Exception:  # each store raises its own client's errors
        return int(STORE_RETRY_SECONDS)
    waits = [s.reset_time - time.time() for s in stats if s.remaining <= 0]
    return max(1, math.ceil(max(waits, default=1)))


def counter(key: str) -> int:
    """Return a plain counter from the store (0 when absent or expired)."""
    state = get_limits()
    return int(_with_store(state, lambda storage: storage.get(f"{state.prefix}/{key}")))


def count(key: str, expiry: float) -> int:
    """Add one to a plain counter that expires `expiry` seconds after its first count."""
    state = get_limits()
    name = f"{state.prefix}/{key}"
    return int(_with_store(state, lambda storage: storage.incr(name, int(expiry))))


def forget(key: str) -> None:
    """Remove a plain counter."""
    state = get_limits()
    _with_store(state, lambda storage: storage.clear(f"{state.prefix}/{key}"))


def expires_in(key: str) -> float:
    """Seconds until a plain counter expires (0 when absent)."""
    state = get_limits()
    if not counter(key):
        return 0.0
    at = _with_store(state, lambda storage: storage.get_expiry(f"{state.prefix}/{key}"))
    return max(0.0, float(at) - time.time())


def _with_store(state: RateLimits, action: Callable[[Storage], Any]) -> Any:
    storage = state.active_storage()
    try:
        return action(storage)
    except Exception:  # each store raises its own client's errors
        if storage is state.fallback:
            raise
        state.store_failed()
        return action(state.fallback)


def _without_address() -> bool:
    # `in` before reading (werkzeug answers a missing key with an exception), and no form
    # parsed for a request without a body (a GET).
    if "address" in request.args and request.args["address"]:
        return False
    return not (request.environ.get("CONTENT_TYPE") and request.form.get("address"))


# Each street-address lookup calls the Census geocoder: one limit, shared by page and API.
limit_address_lookups = limit("ONLINE_LOOKUP_RATE_LIMIT", "address-lookup", unless=_without_address)
