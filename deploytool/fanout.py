"""The one fan-out: a function over many hosts at once, on the run's own thread pool.

Every "on all hosts at once" goes through `Fanout.map` (Context.each, the census, the drain's
actions, plan, doctor, the stopper, the audit): one place decides how hosts are fanned out.
The pool is kept for the whole run instead of made per step: at 50 hosts, starting and joining
50 threads cost more client time than the step's 50 commands on open connections
(docs/performance.md). It belongs to the Context, so nothing here is global.

`timeout` bounds how long the caller waits (cancel and audit paths must never hang on a dead
host): an item not finished by then gets `default`; its call goes on in the background and its
result is dropped. Commands have their own deadline on the channel anyway.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import wait as wait_all
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

    def map(
        self,
        fn: Callable[[T], R],
        items: Sequence[T],
        *,
        timeout: float | None = None,
        default: R | None = None,
    ) -> list[R]:
        """fn over items in parallel, results in order. A call from inside one of the pool's own
        tasks gets a pool of its own: a bounded shared pool would deadlock on nested fan-outs."""
        items = list(items)
        if len(items) <= 1 and timeout is None:
            return [fn(i) for i in items]
        if getattr(self._inside, "yes", False):
            nested = ThreadPoolExecutor(max_workers=max(1, min(self.size, len(items))))
            try:
                return self._collect(nested, fn, items, timeout, default)
            finally:
                nested.shutdown(wait=timeout is None)

        def inside(item: T) -> R:
            self._inside.yes = True
            return fn(item)

        return self._collect(self._shared(), inside, items, timeout, default)

    def _shared(self) -> ThreadPoolExecutor:
        with self._lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(
                    max_workers=self.size, thread_name_prefix="deploytool-host"
                )
            return self._pool

    @staticmethod
    def _collect(pool: ThreadPoolExecutor, fn, items, timeout, default) -> list:
        futures = [pool.submit(fn, i) for i in items]
        done, _ = wait_all(futures, timeout)
        # a call that raised re-raises here, in the caller, like a plain loop would
        return [f.result() if f in done else default for f in futures]

    def close(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=False)
