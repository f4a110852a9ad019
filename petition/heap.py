"""This process's long-lived objects and Python's cyclic garbage collector.

A worker holds some 250,000 objects that live as long as it does: the app, its modules
and, once built, the reference index (about 145,000 on its own). Each full collection of
the cyclic garbage collector walks every one of them; under a flood of signatures one
came about every thousand requests and took some 70 ms, about 70 µs a request, 7% of a
signature's time (bench/ab.py, 2026-12-02). `gc.freeze()` moves the objects alive at
that moment into the collector's permanent generation, which it never walks: they are
still freed by reference counting, but a cycle among them is kept until the process
ends, hence once per process, when the index has been built and the garbage collected.
"""

from __future__ import annotations

import gc
import logging
import threading

logger = logging.getLogger("petition.heap")
_lock = threading.Lock()
_frozen = False


def freeze_long_lived() -> bool:
    """Collect the garbage, then leave every object alive now out of later collections,
    the first time this process calls it; return whether this call did."""
    global _frozen
    with _lock:
        if _frozen:
            return False
        _frozen = True
        gc.collect()
        gc.freeze()
    logger.debug("%d long-lived objects left out of garbage collections", gc.get_freeze_count())
    return True
