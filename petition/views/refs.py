"""This process's in-memory index of the reference tables, shared by the views."""

from __future__ import annotations

import threading
from typing import Any

from flask import current_app

from petition.db import get_session
from petition.refindex import ReferenceIndex, build_index

INDEX_KEY = "petition.refindex"
_index_lock = threading.Lock()


def current_index() -> ReferenceIndex:
    """Return the index of the reference tables, building it on first use."""
    index: ReferenceIndex | None = current_app.extensions.get(INDEX_KEY)
    if index is None:
        with _index_lock:
            index = current_app.extensions.get(INDEX_KEY)
            if index is None:
                index = build_index(get_session())
                current_app.extensions[INDEX_KEY] = index
    return index


class Memo(dict[Any, Any]):
    """An index memo: a dict that also counts the bytes its entries hold, as given to
    `remember` (under a lock: a worker's threads share it)."""

    def __init__(self) -> None:
        super().__init__()
        self.sizes: dict[Any, int] = {}
        self.held_bytes = 0
        self.lock = threading.Lock()


def index_memo(name: str) -> Memo:
    """A dict for answers derived from this process's index alone (and the request's
    input), emptied whenever the index is built again; fill it with `remember`."""
    index = current_index()
    key = f"petition.index_memo:{name}"
    memo: tuple[ReferenceIndex, Memo] | None = current_app.extensions.get(key)
    if memo is None or memo[0] is not index:
        memo = current_app.extensions[key] = (index, Memo())
    return memo[1]


def remember(
    memo: Memo, key: Any, value: Any, limit: int = 4096, *, size: int = 0, max_bytes: int = 0
) -> None:
    """Keep a value in an index memo; past `limit` entries, or `max_bytes` (when given)
    of the entries' sizes, the oldest go. Kept answers are what visitors asked for: with
    only a count, 4,096 large answers grew a worker by some 45 MB (bench/memory.py)."""
    with memo.lock:
        memo.pop(key, None)
        memo.held_bytes -= memo.sizes.pop(key, 0)
        while memo and (len(memo) >= limit or (max_bytes and memo.held_bytes + size > max_bytes)):
            oldest = next(iter(memo))
            del memo[oldest]
            memo.held_bytes -= memo.sizes.pop(oldest, 0)
        memo[key] = value
        if size:
            memo.sizes[key] = size
            memo.held_bytes += size
