"""The one fan-out: a function over many hosts at once, on the run's own thread pool.

Every "on all hosts at once" goes through `Fanout.map` (Context.each, the census, the drain's
actions, plan, doctor, the stopper, the audit): one place decides how hosts are fanned out.
The pool is kept for the whole run instead of made per step: at 50 hosts, starting and joining
50 threads cost more client time than the step's 50 commands on open connections
(docs/performance.md). It belongs to the Context, so nothing here is global.

`timeout` bounds how long the caller waits (cancel and audit paths must never hang on a dead
host): an item not finished by then gets `default`; its call goes on in the background and its
result is dropped. Commands have their own deadline on the channel anyway.

`window` is the rolling batch (`ship --batch 10%`): at most that many calls in flight at once, the
next host starting as soon as one finishes (a sliding window, not fixed waves: one slow host does
not hold back the other nine of its wave), so a 500-host stage never has every host mid-step.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor
from concurrent.futures import wait as wait_all
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")
MAX_THREADS = 64  # the Fabric transport's pool, and the default
MAX_HOSTS_AT_ONCE = 1024  # the asyncssh transport's pool: a thread per host up to this


def pool_size(hosts: int, transport: str) -> int:
    """How many hosts a step runs on at once. With asyncssh a command in flight is a channel on
    an open connection (one loop thread does the I/O), so every host gets its thread: a pool of
    64 ran a 500-host step in eight waves, each as long as the slowest command of its wave (on a
    real fleet, whose commands wait on the network and the hosts' own cores, a step 8x as long as
    the bare asyncio loop's; the lab hid it, its hosts sharing the client's two cores). Fabric
    holds a pipe pair and paramiko's threads per command in flight: it keeps 64."""
    if transport == "asyncssh":
        return max(MAX_THREADS, min(hosts, MAX_HOSTS_AT_ONCE))
    return MAX_THREADS


def per_batch(batch: str, hosts: int) -> int:
    """`10` or `10%` of `hosts` as a host count (a percentage rounds up; at least 1). The drain's
    rolling restart (drain/decide.py) and the pipeline's window (`ship --batch`) both count so."""
    n = math.ceil(hosts * int(batch[:-1]) / 100) if batch.endswith("%") else int(batch)
    return max(1, n)


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
        window: int | None = None,
        stop: Callable[[], bool] | None = None,
    ) -> list[R]:
        """fn over items in parallel (at most `window` at a time), results in order. With a
        window, once `stop()` is true no further item starts (a rolling step stops at its first
        failed host; the ones running finish) and the rest get `default`. A call from inside one
        of the pool's own tasks gets a pool of its own: a bounded shared pool would deadlock on
        nested fan-outs."""
        items = list(items)
        if len(items) <= 1 and timeout is None:
            return [fn(i) for i in items]
        if getattr(self._inside, "yes", False):
            nested = ThreadPoolExecutor(max_workers=max(1, min(self.size, len(items))))
            try:
                return self._collect(nested, fn, items, timeout, default, window, stop)
            finally:
                nested.shutdown(wait=timeout is None)

        def inside(item: T) -> R:
            self._inside.yes = True
            return fn(item)

        return self._collect(self._shared(), inside, items, timeout, default, window, stop)

    def _shared(self) -> ThreadPoolExecutor:
        with self._lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(
                    max_workers=self.size, thread_name_prefix="deploytool-host"
                )
            return self._pool

    @staticmethod
    def _collect(pool, fn, items, timeout, default, window=None, stop=None) -> list:
        if not window or window >= len(items):
            futures = [pool.submit(fn, i) for i in items]
            done, _ = wait_all(futures, timeout)
        else:
            futures, done = _sliding(pool, fn, items, timeout, window, stop)
        # a call that raised re-raises here, in the caller, like a plain loop would
        return [f.result() if f in done else default for f in futures]

    def close(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=False)


def _sliding(pool: ThreadPoolExecutor, fn, items, timeout, window: int, stop):
    """Submit `window` calls, then one more each time one finishes, until all are in, `stop()`
    says no more, or the timeout passes (an item never started gets `default`)."""
    end = None if timeout is None else time.monotonic() + timeout
    futures = [pool.submit(fn, i) for i in items[:window]]
    running, done = set(futures), set()
    while running:
        left = None if end is None else max(0.0, end - time.monotonic())
        finished, running = wait_all(running, left, return_when=FIRST_COMPLETED)
        if not finished:
            break  # the timeout passed
        done |= finished
        for _ in finished:
            if len(futures) < len(items) and not (stop is not None and stop()):
                futures.append(pool.submit(fn, items[len(futures)]))
                running.add(futures[-1])
    never = [_NeverRan() for _ in items[len(futures) :]]
    return futures + never, done


class _NeverRan:
    """The slot of an item whose call never started (the timeout passed first)."""

    def result(self):  # pragma: no cover - never called: its slot is not in `done`
        raise RuntimeError("never ran")
