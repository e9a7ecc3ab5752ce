"""The per-host thread pool of one run, kept for the whole run instead of made per step.

Context.each used to start a ThreadPoolExecutor per step: at 50 hosts, starting and joining 50
threads cost more client time than the step's 50 commands on open connections
(docs/performance.md has the before/after). The pool is owned by the Context, so it goes with it
(idle workers exit when the pool is garbage-collected); nothing here is global.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")
MAX_THREADS = 64


class Fanout:
    def __init__(self, size: int = MAX_THREADS):
        self.size = size
        self._pool: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()
        self._inside = threading.local()

    def map(self, fn: Callable[[T], R], items: Sequence[T]) -> list[R]:
        """fn over items in parallel, results in order. A call from inside one of the pool's own
        tasks gets a pool of its own: a bounded shared pool would deadlock on nested fan-outs."""
        if len(items) <= 1:
            return [fn(i) for i in items]
        if getattr(self._inside, "yes", False):
            with ThreadPoolExecutor(max_workers=min(self.size, len(items))) as nested:
                return list(nested.map(fn, items))
        with self._lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(
                    max_workers=self.size, thread_name_prefix="deploytool-host"
                )
            pool = self._pool

        def inside(item: T) -> R:
            self._inside.yes = True
            return fn(item)

        return list(pool.map(inside, items))

    def close(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=False)
