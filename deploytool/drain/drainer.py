"""The stage's drain as a state machine: `Drainer.round(now, census)` applies the pure decisions
(decide.py) to every host under its own policy, with rolling batches in signal mode, and returns
what to do this round; it neither sleeps nor does I/O. `watch()` is the loop: census, round, act,
sleep until the next poll (a deadline, never an attempt count), every side effect injected.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from ..config.model import DrainPolicy
from ..fanout import per_batch
from ..probes.census import Census
from .decide import (
    Decision,
    Done,
    Escalate,
    GiveUp,
    OldWorker,
    Wait,
    classify,
    decide,
    live_new_roots,
    plan_batches,
    roots,
    targets,
)


@dataclass
class Track:
    """One host's drain."""

    host: str
    policy: DrainPolicy
    started: float | None = None  # clock time its drain began; None: waiting for its batch
    fired: set[int] = field(default_factory=set)
    last_rung_at: float | None = None  # elapsed
    last_reminder: float | None = None  # elapsed
    status: str = "waiting"  # waiting | draining | drained | gave-up | lost
    expected: int = 0  # signal mode: worker trees to see back on the new release
    first_old: frozenset[int] = frozenset()
    any_exited: bool = False
    checked: bool = False  # the restart-reach check ran (cache mode)

    def elapsed(self, now: float) -> float:
        return 0.0 if self.started is None else now - self.started


@dataclass(frozen=True)
class Batch:
    index: int  # 1-based
    total: int
    hosts: tuple[str, ...]
    targets: tuple[OldWorker, ...]
    untouched: tuple[OldWorker, ...]
    clamped_from: str = ""  # the configured batch, when it was reduced


@dataclass
class Round:
    """What one round decided: the loop acts on it in this order."""

    elapsed: float
    old: tuple[OldWorker, ...]
    new: int
    check: tuple[str, ...] = ()  # hosts whose restart reach should be checked now
    escalations: list[tuple[str, Escalate]] = field(default_factory=list)
    reminders: list[tuple[str, float, int]] = field(
        default_factory=list
    )  # host, elapsed, old count
    batch: Batch | None = None
    finished: Decision | None = None  # Done or GiveUp for the whole stage
    gave_up: tuple[str, ...] = ()
    waiting: tuple[str, ...] = ()  # rolling: hosts never signalled
    deadline: float = 0.0  # the latest deadline among hosts still draining (drain time)


class Drainer:
    """The stage's drain as a state machine over census rounds. `mode` is cache or signal."""

    def __init__(
        self,
        policies: Mapping[str, DrainPolicy],
        mode: str,
        batch: str,
        new_release: str,
        switch_time: float,
        uids: Mapping[str, int] | None,
        start: float,
    ):
        self.tracks = {h: Track(h, p) for h, p in policies.items()}
        self.mode, self.batch = mode, batch
        self.new_release, self.switch_time = new_release, switch_time
        self.uids = dict(uids) if uids is not None else None
        self.start = start
        self.batches: list[tuple[str, ...]] | None = None
        self.next_batch = 0
        self.clamped_from = ""
        self.last: dict[str, Census] = {}

    # -- what to poll and how long to sleep ----------------------------------------------------
    def hosts_to_poll(self) -> list[str]:
        return [h for h, t in self.tracks.items() if t.status in ("waiting", "draining")]

    def sleep_for(self, now: float) -> float:
        """Until the next poll of a draining host, woken early for a rung, a check or a deadline."""
        active = [t for t in self.tracks.values() if t.status in ("waiting", "draining")]
        if not active:
            return 0.0
        wait = min(t.policy.poll for t in active)
        for t in active:
            if t.started is None:
                continue
            el = t.elapsed(now)
            for when in [t.policy.deadline, self._check_at(t)] + [r.after for r in t.policy.ladder]:
                if when > el:
                    wait = min(wait, when - el)
        return max(0.05, wait)

    def _uid(self, host: str) -> int | None:
        return None if self.uids is None else self.uids.get(host, -1)

    def _check_at(self, t: Track) -> float:
        """When to check that queue:restart reached a host whose workers did not react: at
        unreached_after, and never after the first rung, so the report comes before escalating."""
        armed = t.policy.on_timeout == "escalate" and t.policy.ladder
        return (
            min(t.policy.unreached_after, t.policy.ladder[0].after)
            if armed
            else t.policy.unreached_after
        )

    # -- one round -----------------------------------------------------------------------------
    def round(self, now: float, census: Mapping[str, Census]) -> Round:
        self.last.update(census)
        for h in self.hosts_to_poll():
            if h not in census:
                self.tracks[h].status = "lost"  # unreachable: reported by the caller
        old_all, new = classify(self.last, self.new_release, self.switch_time)
        old_by = {h: tuple(o for o in old_all if o.host == h) for h in self.tracks}
        r = Round(now - self.start, old_all, new)
        if self.batches is None:
            self._begin(now, old_by, r)
        for t in self.tracks.values():
            if t.status != "draining":
                continue
            self._host_round(t, now, old_by[t.host], r)
        if r.gave_up:
            r.finished = GiveUp(old_all)
        elif (
            self.mode == "signal"
            and r.batch is None
            and not any(t.status == "draining" for t in self.tracks.values())
        ):
            self._start_batch(now, old_by, r)
        r.waiting = tuple(h for h, t in self.tracks.items() if t.status == "waiting")
        if r.finished is None and all(
            t.status in ("drained", "lost") for t in self.tracks.values()
        ):
            r.finished = Done()
        live = [t for t in self.tracks.values() if t.status == "draining" and t.started is not None]
        r.deadline = max((t.started - self.start + t.policy.deadline for t in live), default=0.0)
        return r

    def _begin(self, now: float, old_by: Mapping[str, tuple[OldWorker, ...]], r: Round) -> None:
        """First round: in cache mode every host starts now; in signal mode plan the batches
        over the hosts that have old workers, in inventory order."""
        with_old = [h for h in self.tracks if old_by[h]]
        for h, t in self.tracks.items():
            if not old_by[h] and t.status == "waiting":
                t.status = "drained"
        if self.mode == "signal":
            self.batches = plan_batches(with_old, self.batch) if with_old else []
            if len(with_old) > 1 and len(self.batches[0]) < per_batch(self.batch, len(with_old)):
                self.clamped_from = self.batch
            return
        self.batches = []
        for h in with_old:
            t = self.tracks[h]
            t.status, t.started = "draining", self.start
            t.first_old = frozenset(o.worker.pid for o in old_by[h])

    def _start_batch(
        self, now: float, old_by: Mapping[str, tuple[OldWorker, ...]], r: Round
    ) -> None:
        assert self.batches is not None
        while self.next_batch < len(self.batches):
            hosts = self.batches[self.next_batch]
            self.next_batch += 1
            chosen, untouched = [], []
            for h in hosts:
                t = self.tracks[h]
                if t.status != "waiting":
                    continue
                if not old_by[h]:
                    t.status = "drained"  # its old workers went on their own
                    continue
                c, u = targets("term", old_by[h], self._uid(h))
                chosen += c
                untouched += u
                t.status, t.started = "draining", now
                t.first_old = frozenset(o.worker.pid for o in old_by[h])
                cur = self.last[h]
                t.expected = len(roots([w for w in cur.workers if w.state != "zombie"]))
            if chosen or untouched:
                r.batch = Batch(
                    self.next_batch,
                    len(self.batches),
                    hosts,
                    tuple(chosen),
                    tuple(untouched),
                    self.clamped_from,
                )
                return

    def _host_round(self, t: Track, now: float, old: tuple[OldWorker, ...], r: Round) -> None:
        el = t.elapsed(now)
        pids = {o.worker.pid for o in old}
        if t.first_old - pids:
            t.any_exited = True
        if (
            self.mode == "cache"
            and not t.checked
            and old
            and not t.any_exited
            and el >= self._check_at(t)
        ):
            t.checked = True
            r.check += (t.host,)
        d = decide(
            t.policy,
            el,
            old,
            frozenset(t.fired),
            t.last_reminder,
            self._uid(t.host),
            t.last_rung_at,
        )
        if isinstance(d, Done):
            if (
                self.mode == "signal"
                and t.expected
                and live_new_roots(self.last[t.host], self.new_release, self.switch_time)
                < t.expected
            ):
                d = self._capacity_wait(t, el)  # old ones gone, new ones not up yet
                if isinstance(d, GiveUp):
                    t.status = "gave-up"
                    r.gave_up += (t.host,)
                return
            t.status = "drained"
        elif isinstance(d, GiveUp):
            t.status = "gave-up"
            r.gave_up += (t.host,)
        elif isinstance(d, Escalate):
            t.fired.add(d.rung)
            t.last_rung_at = el
            r.escalations.append((t.host, d))
        elif d.remind:
            t.last_reminder = el
            r.reminders.append((t.host, el, len(old)))

    def _capacity_wait(self, t: Track, el: float) -> Decision:
        """Signal mode: the host's old workers are gone but its new ones are not all up. Waiting
        for them is what keeps capacity; a release whose workers never come up stops the roll
        at the deadline instead of taking the next host down too."""
        if el >= t.policy.deadline and t.policy.on_timeout != "wait":
            return GiveUp(())
        return Wait()


def watch(
    drainer: Drainer,
    poll: Callable[[list[str]], Mapping[str, Census]],
    handle: Callable[[Round], None],
    monotonic: Callable[[], float],
    sleep: Callable[[float], None],
) -> Decision:
    """The drain loop: every side effect goes through `poll`, `handle` and `sleep`."""
    while True:
        census = poll(drainer.hosts_to_poll())
        now = monotonic()
        r = drainer.round(now, census)
        handle(r)
        if r.finished is not None:
            return r.finished
        sleep(drainer.sleep_for(monotonic()))
