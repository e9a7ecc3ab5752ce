"""The worker census from one watcher per host (probes/census_watch.py) over open connections.

`round()` is a fresh census of every host at the cost of one line each way on channels that are
already open (no new channel, login shell or pgrep per host per poll), in the polled census's
format; `wait_change()` returns as soon as any host reports a worker appearing or exiting, so a
drain loop can sleep on it instead of a fixed poll. `close()` ends every watcher (so does the
end of the connection, and each watcher's own lifetime). Needs a transport with open_stream().
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

from .config.model import Host
from .errors import UnreachableError
from .probes.census import Census, parse_census
from .probes.census_watch import parse_line, sync_request, watch_command


class CensusStream:
    def __init__(
        self,
        ctx,
        hosts: Sequence[Host] | None = None,
        *,
        tick: float = 0.05,
        lifetime: float = 3600,
        step: str = "drain",
        pattern: str | None = None,
    ):
        self.ctx, self.deploy_path = ctx, ctx.app.deploy_path
        self.cond = threading.Condition()
        self.changed = threading.Event()
        self.blocks: dict[str, list[str]] = {}
        self.answers: dict[str, tuple[int, Census]] = {}
        self.closed: dict[str, str] = {}
        self.asked: dict[str, int] = {}  # requests sent per host: its n-th answer is "E n"
        command = watch_command(
            pattern or ctx.app.worker_pattern, self.deploy_path, tick, lifetime, php=ctx.app.php
        )
        hosts = tuple(hosts if hosts is not None else ctx.live_hosts)

        def start(h: Host):
            try:
                return h.name, ctx.transport.open_stream(
                    h,
                    command,
                    lambda line: self._line(h.name, line),
                    lambda exc: self._closed(h.name, exc),
                    step=step,
                )
            except UnreachableError as e:  # that host only: the caller polls it (and finds it lost)
                self._closed(h.name, e)
                return h.name, None

        self.streams = {n: st for n, st in ctx.fanout.map(start, hosts) if st is not None}

    # -- called on the transport's thread ------------------------------------------------------
    def _line(self, host: str, line: str) -> None:
        change = parse_line(line)
        if change is None:
            self.blocks.setdefault(host, []).append(line)
        elif change.kind == "snapshot-end":
            census = parse_census("\n".join(self.blocks.pop(host, [])), self.deploy_path)
            with self.cond:
                self.answers[host] = (change.seq, census)
                self.cond.notify_all()
        else:
            self.changed.set()

    def _closed(self, host: str, exc: Exception | None) -> None:
        with self.cond:
            self.closed[host] = str(exc or "the watcher ended")
            self.cond.notify_all()
        self.changed.set()

    # -- the caller's side ---------------------------------------------------------------------
    def round(self, names: Sequence[str] | None = None, timeout: float = 10.0) -> dict[str, Census]:
        """A fresh census of `names` (default: every watched host). A host whose watcher ended or
        did not answer within `timeout` is missing from the result, like a lost host in census_all."""
        # a host whose watcher never started is in `closed` too (see start())
        names = [
            n
            for n in (names if names is not None else self.streams)
            if n in self.streams and n not in self.closed
        ]
        for n in names:
            self.asked[n] = self.asked.get(n, 0) + 1
            self.streams[n].send(sync_request())
        fresh = lambda n: self.answers.get(n, (0,))[0] >= self.asked[n]  # noqa: E731
        with self.cond:
            self.cond.wait_for(lambda: all(fresh(n) or n in self.closed for n in names), timeout)
            return {n: self.answers[n][1] for n in names if n not in self.closed and fresh(n)}

    def wait_change(self, timeout: float) -> bool:
        """Sleep until a worker appears or exits on any host (True), or `timeout` passes (False)."""
        hit = self.changed.wait(timeout)
        self.changed.clear()
        return hit

    def close(self) -> None:
        for s in self.streams.values():
            s.close()
