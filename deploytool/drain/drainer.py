"""The stage's drain as a state machine: `Drainer.round(now, census)` applies the pure decisions
(decide.py) to every host and every kind of process on it (a Track each, under that kind's policy
on that host: its own deadline and ladder), and returns what to do this round; it neither sleeps
nor does I/O. How a kind is restarted shapes its track: queue:restart / horizon:terminate were
sent before the drain (or, in signal mode, its hosts are rolled in batches: rolling.py), a signal
kind gets its signal from the drain at its first round (and any old process of it seen later),
`none` is waited for. `watch()` is the loop: census, round, act, sleep until the next poll (a
deadline, never an attempt count), every side effect injected.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from ..config.model import DrainPolicy, WorkerKind
from ..probes.census import Census
from .decide import Decision, Done, Escalate, GiveUp, OldWorker, classify, decide, live_new_roots
from .decide import targets as rung_targets
from .rolling import Rolling, capacity_wait
from .tracks import Batch, Key, KindSignal, Round, Track, host_status

__all__ = ["Batch", "Drainer", "Key", "Round", "Track", "watch"]


class Drainer:
    """The stage's drain over census rounds. `mode` is cache or signal; `restarts` maps a kind to
    its restart (default queue:restart); `uids` maps (host, kind) to the uid escalation may
    touch (None: anyone's)."""

    def __init__(
        self,
        policies: Mapping[Key, DrainPolicy],
        mode: str,
        batch: str,
        new_release: str,
        switch_time: float,
        uids: Mapping[Key, int] | None,
        start: float,
        restarts: Mapping[str, str] | None = None,
    ):
        restarts = restarts or {}
        self.tracks = {
            (h, k): Track(h, k, p, WorkerKind(k, restart=restarts.get(k, "queue:restart")))
            for (h, k), p in policies.items()
        }
        self.mode = mode
        self.new_release, self.switch_time = new_release, switch_time
        self.uids = dict(uids) if uids is not None else None
        self.start = start
        self.rolling = Rolling(batch)
        self.begun = False
        self.last: dict[str, Census] = {}

    # -- what to poll and how long to sleep ----------------------------------------------------
    def active(self) -> list[Track]:
        return [t for t in self.tracks.values() if t.status in ("waiting", "draining")]

    def hosts_to_poll(self) -> list[str]:
        return list(dict.fromkeys(t.host for t in self.active()))

    def sleep_for(self, now: float) -> float:
        """Until the next poll of a draining host, woken early for a rung, a check or a deadline."""
        active = self.active()
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

    def uid(self, key: Key) -> int | None:
        return None if self.uids is None else self.uids.get(key, -1)

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
        for t in self.active():
            if t.host not in census:
                t.status = "lost"  # unreachable: reported by the caller
        old_all, new = classify(self.last, self.new_release, self.switch_time)
        old_by: dict[Key, tuple[OldWorker, ...]] = {k: () for k in self.tracks}
        for o in old_all:
            key = (o.host, o.worker.kind)
            if key in old_by:
                old_by[key] += (o,)
        r = Round(now - self.start, old_all, new)
        if not self.begun:
            self._begin(old_by)
        for t in self.tracks.values():
            if t.status == "drained" and old_by[t.key] and t.host in census:
                # the old release started one more (an old scheduler's schedule:run, in the
                # instant before its SIGTERM): that kind drains again on that host
                t.status, t.drained_at = "draining", None
                t.started = now if t.started is None else t.started
        for t in self.tracks.values():
            if t.status == "draining":
                self._track_round(t, now, old_by[t.key], r)
        rolled = [t for t in self.tracks.values() if t.spec.via_cache]
        if r.gave_up:
            r.finished = GiveUp(old_all)
        elif (
            self.mode == "signal"
            and r.batch is None
            and not any(t.status == "draining" for t in rolled)
        ):
            self.rolling.start_next(now, self.tracks, old_by, self.last, self.uid, r)
        r.waiting = tuple(dict.fromkeys(t.host for t in rolled if t.status == "waiting"))
        if r.finished is None and all(
            t.status in ("drained", "lost") for t in self.tracks.values()
        ):
            r.finished = Done()
        for t in self.tracks.values():
            if t.status == "drained" and t.drained_at is None:
                t.drained_at = now - self.start
        live = [t for t in self.tracks.values() if t.status == "draining" and t.started is not None]
        r.deadline = max((t.started - self.start + t.policy.deadline for t in live), default=0.0)
        return r

    def host_status(self) -> tuple[tuple[str, str], ...]:
        return host_status(self.tracks.values())

    def _begin(self, old_by: Mapping[Key, tuple[OldWorker, ...]]) -> None:
        """First round: a track with nothing old is drained; in signal mode the kinds restarted
        through the cache wait for their host's batch; every other track drains from now."""
        self.begun = True
        for t in self.tracks.values():
            if not old_by[t.key]:
                t.status = "drained"
        rolled = [t for t in self.tracks.values() if t.spec.via_cache and self.mode == "signal"]
        self.rolling.plan(rolled, old_by)
        for t in self.tracks.values():
            if t.status == "waiting" and t not in rolled:
                t.status, t.started = "draining", self.start
                t.first_old = frozenset(o.worker.pid for o in old_by[t.key])

    def _restart_signal(self, t: Track, old: tuple[OldWorker, ...], r: Round) -> None:
        """A kind restarted by signal: every old tree root not signalled yet gets it (a process
        the old release started after the first round too), each once."""
        chosen, untouched = rung_targets("term", old, self.uid(t.key))
        fresh = tuple(o for o in chosen if (o.worker.pid, o.worker.start_ticks) not in t.signalled)
        told = () if t.told_untouched else untouched
        if fresh or told:
            t.signalled |= {(o.worker.pid, o.worker.start_ticks) for o in fresh}
            t.told_untouched = t.told_untouched or bool(untouched)
            r.signals.append(KindSignal(t.key, t.spec.signal or "TERM", fresh, tuple(told)))

    def _track_round(self, t: Track, now: float, old: tuple[OldWorker, ...], r: Round) -> None:
        el = t.elapsed(now)
        pids = {o.worker.pid for o in old}
        if t.first_old - pids:
            t.any_exited = True
        if t.spec.signal and old:
            self._restart_signal(t, old, r)
        if (
            self.mode == "cache"
            and t.spec.via_cache
            and not t.checked
            and old
            and not t.any_exited
            and el >= self._check_at(t)
        ):
            t.checked = True
            if t.host not in r.check:
                r.check += (t.host,)
        d = decide(
            t.policy, el, old, frozenset(t.fired), t.last_reminder, self.uid(t.key), t.last_rung_at
        )
        if isinstance(d, Done):
            if (
                self.mode == "signal"
                and t.expected
                and live_new_roots(self.last[t.host], self.new_release, self.switch_time, t.kind)
                < t.expected
            ):
                d = capacity_wait(t, el)  # old ones gone, new ones not up yet
                if isinstance(d, GiveUp):
                    t.status = "gave-up"
                    r.gave_up += (t.key,)
                return
            t.status = "drained"
        elif isinstance(d, GiveUp):
            t.status = "gave-up"
            r.gave_up += (t.key,)
        elif isinstance(d, Escalate):
            t.fired.add(d.rung)
            t.last_rung_at = el
            r.escalations.append((t.key, d))
        elif d.remind:
            t.last_reminder = el
            r.reminders.append((t.key, el, len(old)))


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
