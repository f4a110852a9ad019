"""This process's in-memory index of the reference tables, shared by the views."""

from __future__ import annotations

import threading

from flask import current_app

from petition.db import get_session
from petition.heap import freeze_long_lived
from petition.httpcache import BoundedDict
from petition.refindex import ReferenceIndex, build_index

INDEX_KEY = "petition.refindex"
_index_lock = threading.Lock()


def current_index() -> ReferenceIndex:
    """Return the index of the reference tables, building it on first use (after which
    the process's long-lived objects leave the garbage collector's rounds: heap.py)."""
    index: ReferenceIndex | None = current_app.extensions.get(INDEX_KEY)
    if index is None:
        with _index_lock:
            index = current_app.extensions.get(INDEX_KEY)
            if index is None:
                index = build_index(get_session())
                current_app.extensions[INDEX_KEY] = index
                freeze_long_lived()
    return index


def index_memo(name: str, *, limit: int = 4096, max_bytes: int = 0) -> BoundedDict:
    """A dict for answers derived from this process's index alone (and the request's
    input), emptied whenever the index is built again; fill it with its `keep`. The bounds
    are those of the first call (while the index lasts)."""
    index = current_index()
    key = f"petition.index_memo:{name}"
    memo: tuple[ReferenceIndex, BoundedDict] | None = current_app.extensions.get(key)
    if memo is None or memo[0] is not index:
        memo = current_app.extensions[key] = (index, BoundedDict(limit, max_bytes))
    return memo[1]
