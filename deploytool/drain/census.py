"""The one census source: which workers run on which hosts, from which release, right now.

Every kind of application.workers is in the same census (one pattern each, one round trip or one
watcher per host for all of them) and each process comes tagged with its kind.

Ship, rollback, drain-status, plan and doctor all read the worker census through `CensusSource`.
Where the transport streams (asyncssh), one watcher per host (probes/census_watch.py) answers a
round with a line each way on a channel that is already open, and a worker's exit or start wakes
`wait_change()` at once; everywhere else, and for any host whose watcher cannot start, ends or
does not answer within `WATCH_ANSWER`, the host is polled: one round trip with the constant
script of probes/census.py. A host that cannot be reached is left out of the round and named in
`lost` with the transport's message; the caller decides what that means (the drain reports it and
drains the others, drain-status shows it UNREACHABLE).

A host whose connection dropped (refused or reset, not a deadline: a host that crashed and is
booting) gets RECONNECT seconds to come back: each round tries again over a new connection, its
last census standing meanwhile (what it said before the drop is still the best we know; the
drain's deadline still runs), and once it answers its census is read afresh (`reconnected`). A
blackholed host times out instead, and is lost at once, as before. A host's watcher whose channel
ends with an error saw its connection drop too: whoever else uses that connection first (the web
check, a restart) may take the error, and a host whose sshd is back within a round would then
answer the next poll as if nothing had happened, so the watcher's own end counts as a drop.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

from ..config.model import Host
from ..errors import DeployError, UnreachableError
from ..probes.census import Census, census_command, parse_census
from ..probes.census_watch import parse_line, sync_request, watch_command
from ..transport.base import StreamingTransport

WATCH_ANSWER = 5.0  # seconds a watcher may take to answer a round before its host is polled
RECONNECT = 60.0  # seconds a host whose connection dropped may take to answer again
_AGAIN = object()  # _unreachable's "try that host again now"


class CensusSource:
    def __init__(
        self,
        ctx,
        hosts: Sequence[Host] | None = None,
        *,
        step: str = "drain",
        watch: bool = True,
        lifetime: float = 3600,
        tick: float = 0.05,
    ):
        self.ctx, self.step = ctx, step
        self.hosts = {h.name: h for h in (hosts if hosts is not None else ctx.live_hosts)}
        # every kind's pattern in one census: one round trip (or one watcher) per host
        self.kinds = tuple((k.name, k.pattern) for k in ctx.worker_kinds)
        self.patterns, self.deploy_path = [p for _, p in self.kinds], ctx.app.deploy_path
        self.poll_command = census_command(self.patterns, self.deploy_path)
        self.lost: dict[str, str] = {}  # host -> why it could not be read
        self.dropped: dict[str, tuple[float, str]] = {}  # host -> (when, why), reconnecting
        self.reconnected: dict[str, tuple[float, str]] = {}  # host -> (seconds it took, why)
        self._last: dict[str, Census] = {}
        self.rounds = {"watch": 0, "poll": 0}
        self.changed = threading.Event()  # a watcher saw a worker appear or exit
        self._cond = threading.Condition()
        self._blocks: dict[str, list[str]] = {}
        self._answers: dict[str, tuple[int, Census]] = {}
        self._ended: dict[str, str] = {}  # watchers that ended, and why
        self._drops: dict[str, str] = {}  # watchers whose connection dropped, not yet in a round
        self._asked: dict[str, int] = {}  # requests sent per host: its n-th answer is "E n"
        self._pending: set[str] = set()  # hosts the round in progress still waits for
        self._streams: dict = {}
        if watch and isinstance(ctx.transport, StreamingTransport):
            self._start_watchers(lifetime, tick)

    # -- a round ---------------------------------------------------------------------------------
    def round(self, names: Sequence[str] | None = None) -> dict[str, Census]:
        """A fresh census of `names` (default: every host not lost)."""
        names = [n for n in (names if names is not None else self.hosts) if n not in self.lost]
        self._take_drops(names)
        got = self._watched_round([n for n in names if self.watching(n)])
        rest = [n for n in names if n not in got]
        if rest:
            got.update(self._poll(rest))
        self.rounds["watch" if len(rest) < len(names) else "poll"] += 1
        self._last.update(got)
        return got

    def watching(self, name: str) -> bool:
        return name in self._streams and name not in self._ended

    def wait_change(self, seconds: float, cancel=None) -> bool:
        """Sleep up to `seconds`; with watchers, a worker appearing or exiting ends it early."""
        clock = self.ctx.clock
        if not any(self.watching(n) for n in self.hosts):
            clock.sleep(seconds, cancel)
            return False
        hit = clock.wait_for(self.changed, seconds, cancel)
        self.changed.clear()
        return hit

    def close(self) -> None:
        for s in self._streams.values():
            s.close()

    # -- polling ---------------------------------------------------------------------------------
    def _poll(self, names: list[str]) -> dict[str, Census]:
        timeout = max(10.0, self.ctx.stage.ssh.connect_timeout)

        def one(h: Host) -> Census | None:
            while True:
                try:
                    r = self.ctx.transport.run(
                        h, self.poll_command, timeout=timeout, step=self.step
                    )
                    break
                except UnreachableError as e:
                    got = self._unreachable(h.name, e)
                    if got is not _AGAIN:
                        return got
                    self.ctx.clock.sleep(1.0, self.ctx.cancel)
            if h.name in self.dropped:
                since, why = self.dropped.pop(h.name)
                self.reconnected[h.name] = (self.ctx.clock.monotonic() - since, why)
            return parse_census(r.stdout, self.deploy_path, self.kinds)

        hosts = [self.hosts[n] for n in names]
        return {h.name: c for h, c in zip(hosts, self.ctx.fanout.map(one, hosts)) if c is not None}

    def _take_drops(self, names: list[str]) -> None:
        """Watchers of `names` that ended with their connection: those hosts are reconnecting
        (this round's poll tells whether they are back, or lost). A host no round asks about
        any more (drained) is not said to be reconnecting."""
        with self._cond:
            drops = {n: self._drops.pop(n) for n in names if n in self._drops}
        now = self.ctx.clock.monotonic()
        for name, why in drops.items():
            self.dropped.setdefault(name, (now, f"{name}: {self.step}: {why}"))

    def _unreachable(self, name: str, e: UnreachableError):
        """A deadline (or a cancel): lost now. A dropped connection: its last census until
        RECONNECT passes; with none yet (it dropped before its first answer), _AGAIN: the caller
        tries again in a second, this round waiting for it."""
        now = self.ctx.clock.monotonic()
        since, _ = self.dropped.setdefault(name, (now, e.message))
        if e.timed_out or self.ctx.cancel.tripped or now - since > RECONNECT:
            self.dropped.pop(name, None)
            self.lost[name] = e.message + ("" if e.timed_out else f" (not back in {RECONNECT:g}s)")
            return None
        return self._last.get(name, _AGAIN)

    # -- watchers --------------------------------------------------------------------------------
    def _start_watchers(self, lifetime: float, tick: float) -> None:
        command = watch_command(
            self.patterns, self.deploy_path, tick, lifetime, php=self.ctx.app.php
        )

        def start(h: Host):
            try:
                return self.ctx.transport.open_stream(
                    h,
                    command,
                    lambda line: self._line(h.name, line),
                    lambda exc: self._closed(h.name, exc),
                    step=self.step,
                )
            except DeployError as e:  # that host only: it is polled (and found lost, if it is)
                self._closed(h.name, e)
                return None

        hosts = list(self.hosts.values())
        for h, stream in zip(hosts, self.ctx.fanout.map(start, hosts)):
            if stream is not None:
                self._streams[h.name] = stream

    def _watched_round(self, names: list[str]) -> dict[str, Census]:
        def fresh(n: str) -> bool:
            return self._answers.get(n, (0,))[0] >= self._asked[n]

        with self._cond:
            for n in names:
                self._asked[n] = self._asked.get(n, 0) + 1
            # one wake-up when the last host answers, not one per host: 500 answers each
            # re-checking 500 hosts cost more than the round itself
            self._pending = {n for n in names if n not in self._ended}
        for n in names:
            self._streams[n].send(sync_request())
        with self._cond:
            self._cond.wait_for(lambda: not self._pending, WATCH_ANSWER)
            for n in self._pending:  # did not answer in time: poll that host from now on
                self._ended[n] = f"no answer within {WATCH_ANSWER:g}s"
            self._pending = set()
            return {n: self._answers[n][1] for n in names if n not in self._ended and fresh(n)}

    # called on the transport's thread
    def _line(self, host: str, line: str) -> None:
        change = parse_line(line)
        if change is None:
            self._blocks.setdefault(host, []).append(line)
        elif change.kind == "snapshot-end":
            block = "\n".join(self._blocks.pop(host, []))
            census = parse_census(block, self.deploy_path, self.kinds)
            with self._cond:
                self._answers[host] = (change.seq, census)
                self._arrived(host, change.seq >= self._asked.get(host, 0))
        else:
            self.changed.set()

    def _closed(self, host: str, exc: Exception | None) -> None:
        with self._cond:
            self._ended[host] = str(exc or "the watcher ended")
            why = _dropped(exc)
            if why:
                self._drops[host] = why
            self._arrived(host, True)
        self.changed.set()

    def _arrived(self, host: str, done: bool) -> None:
        """(under _cond) `host` answered the round in progress, or will never."""
        if done and host in self._pending:
            self._pending.discard(host)
            if not self._pending:
                self._cond.notify_all()


def _dropped(exc: Exception | None) -> str:
    """Why a watcher's end says its host's connection dropped, or "" when it does not: an error on
    its channel, or a start that failed because the connection had dropped (a host that crashed
    between the drain's start and its watcher's: the poll reconnects as if nothing happened, so
    only this says every process there was gone). A clean end, close(), a start that ran into a
    deadline (a blackhole: the poll finds it lost) or was refused otherwise: the poll's to judge."""
    if exc is None:
        return ""
    if isinstance(exc, UnreachableError):
        if exc.timed_out:
            return ""
        return exc.message.split(": ", 2)[-1].removeprefix("connection lost: ")
    if isinstance(exc, DeployError):
        return ""
    return str(exc) or f"connection lost ({type(exc).__name__})"


def census_of(ctx, host: Host, step: str) -> Census:
    """One host's census, polled (doctor reads it host by host); raises UnreachableError."""
    kinds = tuple((k.name, k.pattern) for k in ctx.worker_kinds)
    r = ctx.run(
        host,
        census_command([p for _, p in kinds], ctx.app.deploy_path),
        step,
        check=False,
        timeout=max(10.0, ctx.stage.ssh.connect_timeout),
    )
    return parse_census(r.stdout, ctx.app.deploy_path, kinds)
