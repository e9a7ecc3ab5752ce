"""Draining: pure decisions plus a loop with an injected clock.

`classify()` says which workers run old code; `decide(policy, elapsed, old, fired, ...)` says what
to do now for one host: Wait, Escalate (one ladder rung), Done, or GiveUp; `targets()` says which
processes a rung may touch. `Drainer.round(now, census)` applies them to every host of a stage
(per-host policies, rolling batches in signal mode) and returns what to do this round; it neither
sleeps nor does I/O, so the whole table is tested without sleeping. `watch()` is the loop:
census, round, act, sleep until the next poll (a deadline, never an attempt count).

The semantics are documented for users in docs/drain.md; keep the two in step.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from .config.model import DrainPolicy
from .probes.census import Census, Worker

# A new worker counts as capacity once it has stayed up this long (supervisord's default
# startsecs): one that crashes at boot must not let a rolling restart move on to the next host.
MIN_UP = 1.0
LIVE_STATES = ("running", "sleeping", "disk-wait", "idle")


@dataclass(frozen=True)
class OldWorker:
    host: str
    worker: Worker


@dataclass(frozen=True)
class Wait:
    remind: bool = False


@dataclass(frozen=True)
class Done:
    pass


@dataclass(frozen=True)
class Escalate:
    rung: int
    action: str
    targets: tuple[OldWorker, ...]
    untouched: tuple[OldWorker, ...] = ()  # old, but escalation may not touch them (another user)


@dataclass(frozen=True)
class GiveUp:
    left: tuple[OldWorker, ...]


Decision = Wait | Done | Escalate | GiveUp


def is_old(w: Worker, new_release: str, switch_time: float) -> bool:
    """Old = runs from another release. When the cwd could not be read ('?'), fall back on the
    start time: a worker started before the switch cannot run the new code."""
    if w.state == "zombie":  # already exited; its parent just has not reaped it
        return False
    if w.release == "?":
        return w.started < switch_time
    return w.release != new_release


def classify(
    census: Mapping[str, Census], new_release: str, switch_time: float
) -> tuple[tuple[OldWorker, ...], int]:
    old, new = [], 0
    for host in sorted(census):
        for w in census[host].workers:
            if is_old(w, new_release, switch_time):
                old.append(OldWorker(host, w))
            elif w.state != "zombie":
                new += 1
    return tuple(old), new


def roots(workers: Sequence[Worker]) -> tuple[Worker, ...]:
    """The top of each matched process tree: a queue:work worker, or Horizon's master (whose
    supervisors and workers are its descendants). A graceful signal goes to the root only: a
    Horizon supervisor would restart a worker signalled directly, from the same old release."""
    pids = {w.pid for w in workers}
    return tuple(w for w in workers if w.ppid not in pids or w.ppid == w.pid)


def targets(
    action: str, old: Sequence[OldWorker], uid: int | None
) -> tuple[tuple[OldWorker, ...], tuple[OldWorker, ...]]:
    """(to touch, old but not ours). Only old processes of the app's user are ever touched;
    term/supervisor-restart go to tree roots, cont to stopped roots, kill to every process."""
    mine = tuple(o for o in old if uid is None or o.worker.uid == uid)
    untouched = tuple(o for o in old if o not in mine)
    if action == "kill":
        return mine, untouched
    by_host: dict[str, list[Worker]] = {}
    for o in mine:
        by_host.setdefault(o.host, []).append(o.worker)
    top = {(h, w.pid) for h, ws in by_host.items() for w in roots(ws)}
    chosen = tuple(o for o in mine if (o.host, o.worker.pid) in top)
    if action == "cont":
        chosen = tuple(o for o in chosen if o.worker.state in ("stopped", "traced"))
    return chosen, untouched


def decide(
    policy: DrainPolicy,
    elapsed: float,
    old: Sequence[OldWorker],
    fired: frozenset[int],
    last_reminder: float | None = None,
    uid: int | None = None,
    last_rung_at: float | None = None,
) -> Decision:
    """One host's decision. Rungs fire in order, each once, at or after its `after` and at least
    one poll after the previous rung (so a late drain never sends TERM and KILL in one breath).
    Only `on_timeout: escalate` arms the ladder; `abort` and `wait` never touch a process."""
    if not old:
        return Done()
    if policy.on_timeout == "escalate":
        for i, rung in enumerate(policy.ladder):
            if i in fired:
                continue
            spaced = last_rung_at is None or elapsed - last_rung_at >= policy.poll
            if elapsed >= rung.after and spaced:
                chosen, untouched = targets(rung.action, old, uid)
                return Escalate(i, rung.action, chosen, untouched)
            break  # a later rung never overtakes an earlier one
    if elapsed >= policy.deadline:
        if policy.on_timeout == "wait":
            due = last_reminder is None or elapsed - last_reminder >= policy.remind_every
            return Wait(remind=due)
        return GiveUp(tuple(old))
    return Wait()


def _requested(batch: str, hosts: int) -> int:
    return math.ceil(hosts * int(batch[:-1]) / 100) if batch.endswith("%") else int(batch)


def batch_size(batch: str, hosts: int) -> int:
    """`1` or `25%` of the hosts with old workers, at least 1 and, with more than one host, at
    most all but one: a rolling restart never takes every host's capacity at once."""
    return max(1, min(_requested(batch, hosts), hosts - 1 if hosts > 1 else 1))


def plan_batches(hosts: Sequence[str], batch: str) -> list[tuple[str, ...]]:
    size = batch_size(batch, len(hosts))
    return [tuple(hosts[i : i + size]) for i in range(0, len(hosts), size)]


def live_new_roots(census: Census, new_release: str, switch_time: float) -> int:
    ws = [
        w for w in census.workers if not is_old(w, new_release, switch_time) and w.state != "zombie"
    ]
    return sum(1 for w in roots(ws) if w.state in LIVE_STATES and w.age >= MIN_UP)


# ---------------------------------------------------------------------------------- the fleet
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
            if len(with_old) > 1 and len(self.batches[0]) < _requested(self.batch, len(with_old)):
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
