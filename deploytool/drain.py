"""Draining: a pure decision plus a loop with an injected clock.

`classify()` says which workers run old code; `decide(policy, elapsed, old, fired)` says what to
do now: Wait, Escalate (one ladder rung), Done, or GiveUp. Neither sleeps nor does I/O, so the
decision table is tested without sleeping. `watch()` is the loop: census every host over the
open connections, decide, act, sleep until the next poll (a deadline, never an attempt count).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Mapping, Sequence

from .config.model import DrainPolicy
from .probes.census import Census, Worker


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


@dataclass(frozen=True)
class GiveUp:
    left: tuple[OldWorker, ...]


Decision = Wait | Done | Escalate | GiveUp


def is_old(w: Worker, new_release: str, switch_time: float) -> bool:
    """Old = runs from another release. When the cwd could not be read ('?'), fall back on the
    start time: a worker started before the switch cannot run the new code."""
    if w.state == "zombie":          # already exited; its parent just has not reaped it
        return False
    if w.release == "?":
        return w.started < switch_time
    return w.release != new_release


def classify(census: Mapping[str, Census], new_release: str, switch_time: float) -> tuple[tuple[OldWorker, ...], int]:
    old, new = [], 0
    for host in sorted(census):
        for w in census[host].workers:
            if is_old(w, new_release, switch_time):
                old.append(OldWorker(host, w))
            elif w.state != "zombie":
                new += 1
    return tuple(old), new


def decide(policy: DrainPolicy, elapsed: float, old: Sequence[OldWorker], fired: frozenset[int],
           last_reminder: float = 0.0, owner_uid: Mapping[str, int] | None = None) -> Decision:
    if not old:
        return Done()
    if policy.on_timeout == "escalate":
        for i, rung in enumerate(policy.ladder):
            if i not in fired and elapsed >= rung.after:
                return Escalate(i, rung.action, escalation_targets(old, owner_uid))
    if elapsed >= policy.deadline:
        if policy.on_timeout == "wait":
            return Wait(remind=elapsed - last_reminder >= policy.remind_every)
        return GiveUp(tuple(old))
    return Wait()


def escalation_targets(old: Sequence[OldWorker], owner_uid: Mapping[str, int] | None) -> tuple[OldWorker, ...]:
    """Escalation touches only old workers owned by the app's user (never root's, never a
    colleague's process that happens to match the pattern)."""
    if owner_uid is None:
        return tuple(old)
    return tuple(o for o in old if owner_uid.get(o.host) == o.worker.uid)


@dataclass
class WatchState:
    fired: set[int]
    last_reminder: float = 0.0


def watch(policy: DrainPolicy, poll: Callable[[], Mapping[str, Census]], classify_fn: Callable,
          act: Callable[[Escalate], None], report: Callable[[float, tuple, int, Decision], None],
          monotonic: Callable[[], float], sleep: Callable[[float], None],
          owner_uid: Mapping[str, int] | None = None) -> Decision:
    """The drain loop. Returns Done or GiveUp; every side effect goes through the callables."""
    start = monotonic()
    st = WatchState(fired=set())
    while True:
        census = poll()
        old, new = classify_fn(census)
        elapsed = monotonic() - start
        d = decide(policy, elapsed, old, frozenset(st.fired), st.last_reminder, owner_uid)
        if isinstance(d, Wait) and d.remind:
            st.last_reminder = elapsed
        report(elapsed, old, new, d)
        if isinstance(d, (Done, GiveUp)):
            return d
        if isinstance(d, Escalate):
            st.fired.add(d.rung)
            act(d)
            continue   # census again at once: the rung may have finished the drain
        sleep(min(policy.poll, max(0.05, policy.deadline - elapsed)) if policy.on_timeout != "wait" else policy.poll)
