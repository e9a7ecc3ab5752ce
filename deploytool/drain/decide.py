"""The drain's decisions, pure: which workers run old code, and what to do now for one host.

`is_old()` is the one definition of an old worker (ship, rollback, drain-status and plan all ask
it): a process that runs from another release than the new one; a zombie has already exited; an
unreadable cwd is judged by start time against the switch. `classify()` splits a census,
`decide(policy, elapsed, old, fired, ...)` says Wait, Escalate (one ladder rung), Done or GiveUp
for one host, and `targets()` says which processes a rung may touch. No I/O, no clock: the
decision table is tested without sleeping. The semantics are documented for users in
docs/drain.md; keep the two in step.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ..config.model import DrainPolicy
from ..fanout import per_batch
from ..probes.census import Census, Worker

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


def verdict(
    census: Census, new_release: str | None = None, switch_time: float | None = None
) -> tuple[tuple[Worker, ...], tuple[Worker, ...]]:
    """(old, new) workers of one host, zombies left out. A ship judges against the release it
    switched to and when; drain-status and plan, which did not switch, against the host's own
    `current` and the time that symlink was last replaced (census.switched_at): the same census
    gets the same verdict in all three."""
    release = census.current if new_release is None else new_release
    at = census.switched_at if switch_time is None else switch_time
    live = [w for w in census.workers if w.state != "zombie"]
    old = tuple(w for w in live if is_old(w, release, at))
    return old, tuple(w for w in live if w not in old)


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


def batch_size(batch: str, hosts: int) -> int:
    """`1` or `25%` of the hosts with old workers, at least 1 and, with more than one host, at
    most all but one: a rolling restart never takes every host's capacity at once."""
    return min(per_batch(batch, hosts), max(1, hosts - 1))


def plan_batches(hosts: Sequence[str], batch: str) -> list[tuple[str, ...]]:
    size = batch_size(batch, len(hosts))
    return [tuple(hosts[i : i + size]) for i in range(0, len(hosts), size)]


def live_new_roots(
    census: Census, new_release: str, switch_time: float, kind: str | None = None
) -> int:
    """New process trees (of `kind`, or of every kind) up for at least MIN_UP."""
    ws = [
        w
        for w in census.workers
        if not is_old(w, new_release, switch_time)
        and w.state != "zombie"
        and kind in (None, w.kind)
    ]
    return sum(1 for w in roots(ws) if w.state in LIVE_STATES and w.age >= MIN_UP)
