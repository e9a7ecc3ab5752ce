"""What the stage's drain keeps and says per round: a Track per host and kind, a rolling Batch, the
Round the loop acts on. Plain data; the Drainer (drainer.py, rolling.py) fills it."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..config.model import DrainPolicy, WorkerKind
from .decide import Decision, Escalate, OldWorker

Key = tuple[str, str]  # (host, kind)


@dataclass
class Track:
    """One kind's drain on one host, under that kind's policy on that host."""

    host: str
    kind: str
    policy: DrainPolicy
    spec: WorkerKind = WorkerKind()  # its restart: spec.signal, spec.via_cache
    started: float | None = None  # clock time its drain began; None: waiting for its batch
    fired: set[int] = field(default_factory=set)
    last_rung_at: float | None = None  # elapsed
    last_reminder: float | None = None  # elapsed
    status: str = "waiting"  # waiting | draining | drained | gave-up | lost
    expected: int = 0  # signal mode: trees of this kind to see back on the new release
    first_old: frozenset[int] = frozenset()
    any_exited: bool = False
    checked: bool = False  # the restart-reach check ran (cache mode)
    signalled: set[tuple[int, int]] = field(default_factory=set)  # (pid, start ticks) restarted
    told_untouched: bool = False
    drained_at: float | None = None  # seconds after the drain's start

    @property
    def key(self) -> Key:
        return (self.host, self.kind)

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


@dataclass(frozen=True)
class KindSignal:
    """A kind restarted by signal: send `signal` to these old processes (tree roots) now."""

    key: Key
    signal: str
    targets: tuple[OldWorker, ...]
    untouched: tuple[OldWorker, ...] = ()  # old, but not the app user's: said once, not touched


@dataclass
class Round:
    """What one round decided: the loop acts on it in this order."""

    elapsed: float
    old: tuple[OldWorker, ...]
    new: int
    check: tuple[str, ...] = ()  # hosts whose restart reach should be checked now
    signals: list[KindSignal] = field(default_factory=list)
    escalations: list[tuple[Key, Escalate]] = field(default_factory=list)
    reminders: list[tuple[Key, float, int]] = field(default_factory=list)  # elapsed, old count
    batch: Batch | None = None
    finished: Decision | None = None  # Done or GiveUp for the whole stage
    gave_up: tuple[Key, ...] = ()
    waiting: tuple[str, ...] = ()  # rolling: hosts never signalled
    deadline: float = 0.0  # the latest deadline among tracks still draining (drain time)


STATUS_ORDER = ("lost", "gave-up", "draining", "waiting", "drained")


def host_status(tracks) -> tuple[tuple[str, str], ...]:
    """One status per host over its kinds' tracks: the most pressing one."""
    out: dict[str, str] = {}
    for t in tracks:
        was = out.get(t.host, "drained")
        out[t.host] = min(was, t.status, key=STATUS_ORDER.index)
    return tuple(out.items())
