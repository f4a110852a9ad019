"""The process's long-lived objects leave the garbage collector's rounds, once."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest
from flask import Flask

from petition import heap
from petition.views.refs import INDEX_KEY, current_index


@pytest.fixture
def unfrozen(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A process that has not frozen anything yet (as a new worker); afterwards every
    object the test froze goes back to the collector."""
    gc.unfreeze()
    monkeypatch.setattr(heap, "_frozen", False)
    yield
    gc.unfreeze()


def collected(obj: object) -> bool:
    """Whether the collector's rounds still walk this object."""
    return any(o is obj for o in gc.get_objects())


def test_the_first_index_built_leaves_the_long_lived_objects_out(app: Flask, unfrozen) -> None:
    with app.app_context():
        assert app.extensions.get(INDEX_KEY) is None
        index = current_index()
    assert gc.is_tracked(index) and gc.is_tracked(app)
    assert gc.get_freeze_count() > 0
    assert not collected(index) and not collected(app)


def test_a_process_freezes_once(app: Flask, unfrozen) -> None:
    with app.app_context():
        current_index()
        frozen = gc.get_freeze_count()
        del app.extensions[INDEX_KEY]  # as another app of the same process would
        again = current_index()
    assert gc.get_freeze_count() <= frozen  # (frozen objects freed since leave its count)
    assert collected(again)
    assert not heap.freeze_long_lived()


def test_the_garbage_is_collected_before_the_freeze(unfrozen) -> None:
    class Node:
        def __init__(self) -> None:
            self.me = self

    Node()  # a cycle no one holds: garbage only the collector frees
    garbage = [o for o in gc.get_objects() if isinstance(o, Node)]
    assert len(garbage) == 1
    del garbage
    assert heap.freeze_long_lived()
    gc.unfreeze()
    assert not [o for o in gc.get_objects() if isinstance(o, Node)]
