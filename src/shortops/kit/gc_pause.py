"""Pausing Python's cycle collector while a bulk job builds millions of objects.

An import of a million-row export builds several million lists and dicts, none of them in a
reference cycle; the collector, started every few hundred allocations, walks them again and
again and takes a third of the import's time. `cycle_collector_paused` switches it off for
the job and back on after (reference counting still frees everything as usual). Jobs in
several threads may overlap: the collector comes back when the last one ends.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager


class _Pauses:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.holders = 0
        self.was_enabled = False

    def enter(self) -> None:
        with self.lock:
            if self.holders == 0:
                self.was_enabled = gc.isenabled()
                gc.disable()
            self.holders += 1

    def leave(self) -> None:
        with self.lock:
            self.holders -= 1
            if self.holders == 0 and self.was_enabled:
                gc.enable()


_PAUSES = _Pauses()


@contextmanager
def cycle_collector_paused() -> Iterator[None]:
    """A block (or, as a decorator, a function) run without the cycle collector."""
    _PAUSES.enter()
    try:
        yield
    finally:
        _PAUSES.leave()
