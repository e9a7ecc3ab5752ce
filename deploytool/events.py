"""The vocabulary shared by the pipeline and the UI: small frozen event dataclasses and a bus.

Steps and the runner emit; subscribers (ui/terminal, ui/plain, ui/jsonl, tests) render. Nothing
here prints. Secrets never reach an event: commands are rendered with redaction before emitting.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, is_dataclass


@dataclass(frozen=True)
class Event:
    at: float = field(default_factory=time.time, kw_only=True)

    @property
    def kind(self) -> str:
        return type(self).__name__

    def to_dict(self) -> dict:
        d = {"event": self.kind}
        d.update(asdict(self))
        return d


@dataclass(frozen=True)
class ShipStarted(Event):
    command: str  # ship | rollback
    stage: str
    ref: str
    hosts: tuple[str, ...]
    steps: tuple[str, ...]


@dataclass(frozen=True)
class ReleaseResolved(Event):
    release: str
    commit: str


@dataclass(frozen=True)
class StepStarted(Event):
    step: str
    hosts: tuple[str, ...]


@dataclass(frozen=True)
class HostStepFinished(Event):
    step: str
    host: str
    ok: bool
    duration: float
    detail: str = ""


@dataclass(frozen=True)
class StepFinished(Event):
    step: str
    ok: bool
    duration: float
    detail: str = ""


@dataclass(frozen=True)
class CommandRan(Event):
    host: str
    step: str
    command: str  # rendered with secrets redacted
    exit_code: int
    duration: float


@dataclass(frozen=True)
class CommandOutput(Event):
    """One line of a running command's output (--verbose), redacted."""

    host: str
    step: str
    stream: str  # stdout | stderr
    line: str


@dataclass(frozen=True)
class WorkerView:
    """One worker as the drain sees it (a plain record, safe to serialise)."""

    host: str
    pid: int
    release: str
    old: bool
    state: str
    age: float
    ignores_term: bool = False
    term_pending: bool = False
    cpu: float = 0.0  # user + system CPU seconds
    kind: str = "queue"  # the configured kind (application.workers): queue, scheduler, ...
    process: str = "worker"  # worker | horizon-master | horizon-supervisor | horizon-worker


@dataclass(frozen=True)
class DrainProgress(Event):
    elapsed: float
    deadline: float
    old: tuple[WorkerView, ...]
    new_count: int
    per_host_old: tuple[tuple[str, int], ...]
    host_status: tuple[tuple[str, str], ...] = ()  # host -> waiting | draining | drained | gave-up
    # (host, kind, status) of every kind's own drain on every host (host_status sums them up)
    kind_status: tuple[tuple[str, str, str], ...] = ()


@dataclass(frozen=True)
class DrainNotice(Event):
    """Something a person should know during the drain (restart not reaching a host, a reminder,
    a rolling batch starting, old workers escalation may not touch)."""

    message: str
    host: str = ""
    topic: str = (
        ""  # unreached | busy | reminder | batch | untouched | stopped | supervisor-restart
    )


@dataclass(frozen=True)
class Escalated(Event):
    """One ladder action on one old process, or a restart by signal (action `signal`: rolling
    signal mode's SIGTERM, or the signal a kind is restarted with, `restart: TERM`)."""

    action: str  # term | cont | supervisor-restart | kill | signal
    host: str
    pid: int
    release: str
    state: str
    age: float
    ok: bool = True
    detail: str = ""  # what happened: `SIGKILL sent`, `skipped: exited`, the remote error
    rung: int = -1  # index in the host's ladder (-1: a restart signal, not a rung)
    ignores_term: bool = False
    term_pending: bool = False
    worker_kind: str = "queue"  # the process's kind (application.workers); Event.kind is the event


@dataclass(frozen=True)
class DrainFinished(Event):
    ok: bool
    elapsed: float
    left: tuple[WorkerView, ...] = ()
    census: tuple[
        tuple[str, int], ...
    ] = ()  # rounds read from watchers / by polling: (("watch", 12), ("poll", 0))
    # per kind: (kind, seconds until its last host was drained, old processes at the start,
    # processes signalled to restart); a kind not drained has seconds -1
    kinds: tuple[tuple[str, float, int, int], ...] = ()


@dataclass(frozen=True)
class WebView:
    """What one web host answered in the drain's web census (a plain record)."""

    host: str
    status: str  # new | old
    release: str  # the release deploytool's probe named ("" when it named none)
    detail: str  # the release, or what came back (status and the first lines of the body)
    url: str = ""


@dataclass(frozen=True)
class WebProgress(Event):
    """The web census changed: which web hosts serve the new release, which still serve old."""

    elapsed: float
    deadline: float
    hosts: tuple[WebView, ...]


@dataclass(frozen=True)
class HealthChecked(Event):
    """One health check of one web host after the switch (the last attempt, pass or fail)."""

    host: str
    url: str
    ok: bool
    status: int
    detail: str  # what came back, and what was expected when it failed
    attempts: int


@dataclass(frozen=True)
class RolloutBatch(Event):
    """A rollout batch starts: these hosts are switched, reloaded and health-checked now."""

    index: int  # 1-based
    total: int
    hosts: tuple[str, ...]
    canary: bool = False


@dataclass(frozen=True)
class RolledBack(Event):
    """A health check failed: the touched hosts went back to their previous release (or, with
    on_unhealthy: stop or a failed rollback, did not: ok False)."""

    hosts: tuple[str, ...]
    release: str  # the release that was unhealthy
    to: str  # the release they went back to
    reason: str
    ok: bool = True


@dataclass(frozen=True)
class Maintenance(Event):
    """The app went into Laravel's maintenance mode, came out of it, or stays in it after a
    failure. `bypass` is the one place the generated --secret appears: a view shows it once, the
    JSON stream (to_dict) and everything else see *** (steps/maintenance.py)."""

    state: str  # down | up | held | already-down
    hosts: tuple[str, ...]
    reason: str = ""
    bypass: str = ""
    lift: str = ""  # held: the command that lifts it

    def to_dict(self) -> dict:
        d = super().to_dict()
        if d["bypass"]:
            d["bypass"] = "***"
        return d


@dataclass(frozen=True)
class Warning(Event):  # noqa: A001 - the event's name is what people read
    message: str
    host: str = ""


@dataclass(frozen=True)
class StepOutput(Event):
    """A report a step wants shown (the migration gate's findings), as plain lines plus data."""

    step: str
    lines: tuple[str, ...]
    data: dict = field(default_factory=dict)


@dataclass(frozen=True)
class ShipFinished(Event):
    ok: bool
    exit_code: int
    duration: float
    release: str = ""
    message: str = ""
    hint: str = ""
    step_durations: tuple[tuple[str, float], ...] = ()


Subscriber = Callable[[Event], None]


class Bus:
    """Fan events out to subscribers, one at a time (steps emit from several threads)."""

    def __init__(self) -> None:
        self._subs: list[Subscriber] = []
        self._lock = threading.Lock()

    def subscribe(self, fn: Subscriber) -> None:
        self._subs.append(fn)

    def emit(self, event: Event) -> None:
        with self._lock:
            for fn in self._subs:
                fn(event)


class Recorder:
    """A subscriber that keeps every event: the tests' window into a run."""

    def __init__(self) -> None:
        self.events: list[Event] = []

    def __call__(self, event: Event) -> None:
        self.events.append(event)

    def of(self, kind: type) -> list:
        return [e for e in self.events if isinstance(e, kind)]


def jsonable(value: object) -> object:
    if is_dataclass(value):
        return asdict(value)
    return value
