"""This process's in-memory index of the reference tables, shared by the views."""

from __future__ import annotations

import threading

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
