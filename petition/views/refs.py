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


def index_memo(name: str) -> dict[Any, Any]:
    """A dict for answers derived from this process's index alone (and the request's
    input), emptied whenever the index is built again; fill it with `remember`."""
    index = current_index()
    key = f"petition.index_memo:{name}"
    memo: tuple[ReferenceIndex, dict[Any, Any]] | None = current_app.extensions.get(key)
    if memo is None or memo[0] is not index:
        memo = current_app.extensions[key] = (index, {})
    return memo[1]


def remember(memo: dict[Any, Any], key: Any, value: Any, limit: int = 4096) -> None:
    """Keep a value in an index memo; past `limit` entries the oldest goes."""
    if len(memo) >= limit:
        del memo[next(iter(memo))]
    memo[key] = value
