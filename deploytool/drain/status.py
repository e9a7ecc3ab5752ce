"""drain-status's document: which processes of which kind on which hosts run which release, in
what state (grouped by host, then kind in the configured order), plus the queue figures the app
sees. Read-only. `Reader.read()` is one refresh (a census round from
the one census source, and one PHP boot on the migration host for the queues); `snapshot()` and
`exit_code()` are pure. The JSON shape is documented in docs/drain.md (SCHEMA)."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence

from ..errors import ExitCode, UnreachableError
from ..probes.census import Census
from ..probes.queues import QueueFigures, parse_queues, queues_command
from .census import CensusSource
from .decide import verdict

# bump when a key of the JSON document changes meaning (docs/drain.md). 2: `kind` is the
# configured kind (application.workers: queue, scheduler, ...), `process` what `kind` was in 1
SCHEMA = 2


def worker_doc(w, old: bool) -> dict:
    return {
        "pid": w.pid,
        "ppid": w.ppid,
        "uid": w.uid,
        "kind": w.kind,
        "process": w.process,
        "release": w.release,
        "old": old,
        "state": w.state,
        "age": round(w.age, 1),
        "started": round(w.started, 3),
        "cpu": round(w.cpu, 2),
        "ignores_term": w.ignores_term,
        "term_pending": w.term_pending,
    }


def host_doc(name: str, c: Census, kinds: Sequence[str] = ("queue",)) -> dict:
    old, new = verdict(c)  # the one definition of old, judged against this host's `current`
    order = {k: i for i, k in enumerate(kinds)}
    listed = sorted(
        (w for w in c.workers if w in old or w in new), key=lambda w: order.get(w.kind, len(order))
    )
    return {
        "host": name,
        "reachable": True,
        "error": None,
        "current": c.current,
        "workers": [worker_doc(w, w in old) for w in listed],
        "old": len(old),
        "new": len(new),
        # every configured kind, also where none of its processes runs
        "kinds": [
            {
                "kind": k,
                "old": sum(1 for w in old if w.kind == k),
                "new": sum(1 for w in new if w.kind == k),
            }
            for k in kinds
        ],
    }


def snapshot(
    stage: str,
    census: Mapping[str, Census],
    unreachable: Mapping[str, str],
    queues: QueueFigures | None,
    order: list[str],
    at: float | None = None,
    kinds: Sequence[str] = ("queue",),
) -> dict:
    hosts = []
    for name in order:
        if name in unreachable:
            hosts.append(
                {
                    "host": name,
                    "reachable": False,
                    "error": unreachable[name],
                    "current": None,
                    "workers": [],
                    "old": 0,
                    "new": 0,
                    "kinds": [],
                }
            )
        else:
            hosts.append(host_doc(name, census[name], kinds))
    olds = [w for h in hosts for w in h["workers"] if w["old"]]
    releases: dict[str, list[str]] = {}
    for h in hosts:
        if h["reachable"]:
            releases.setdefault(h["current"] or "", []).append(h["host"])
    return {
        "schema": SCHEMA,
        "stage": stage,
        "at": round(at if at is not None else time.time(), 3),
        "drained": not olds and not unreachable,
        "old_workers": len(olds),
        "oldest_age": round(max([0.0] + [w["age"] for w in olds]), 1),
        "unreachable": sorted(unreachable),
        # which hosts run which release: more than one after a ship with --limit (a mixed fleet)
        "releases": releases,
        "kinds": list(kinds),
        "hosts": hosts,
        "queues": queues.to_dict() if queues else None,
    }


def exit_code(snap: dict) -> int:
    if snap["old_workers"]:
        return int(ExitCode.NOT_DRAINED)
    if snap["unreachable"]:
        return int(ExitCode.UNREACHABLE)
    return int(ExitCode.OK)


class Reader:
    """One refresh = a census round of every host + the queue figures from the migration host,
    both at once. With `watch`, the census comes from watchers kept open between refreshes."""

    def __init__(self, ctx, queues: bool, watch: bool = False, lifetime: float = 3600):
        self.ctx, self.queues = ctx, queues
        self.census = CensusSource(
            ctx, ctx.hosts, step="drain-status", watch=watch, lifetime=lifetime
        )
        app = ctx.app
        self.queue_cmd = queues_command(app.php, ctx.path("current"), app.worker_queues, app.env)

    @property
    def queue_host(self):
        """The migration host; with a --limit that leaves it out, the first selected host."""
        stage = self.ctx.stage
        return stage.migration_host if stage.migration_host_selected else stage.hosts[0]

    def _queues(self) -> QueueFigures:
        mh = self.queue_host
        if mh.name in self.census.lost:
            return QueueFigures(error=f"{mh.name} (the migration host) is unreachable")
        try:
            r = self.ctx.transport.run(mh, self.queue_cmd, timeout=60.0, step="drain-status")
            return parse_queues(r.stdout + "\n" + r.stderr)
        except UnreachableError as e:
            return QueueFigures(error=e.message)

    def read(self) -> dict:
        jobs: list[Callable[[], object]] = [self.census.round] + (
            [self._queues] if self.queues else []
        )
        census, *rest = self.ctx.fanout.map(lambda job: job(), jobs)
        q = rest[0] if rest else None
        unreachable = {h: why for h, why in self.census.lost.items() if h not in census}
        order = [h.name for h in self.ctx.hosts]
        kinds = [k.name for k in self.ctx.worker_kinds]
        snap = snapshot(self.ctx.stage.name, census, unreachable, q, order, kinds=kinds)
        if snap["queues"] is not None:
            snap["queues"]["host"] = self.queue_host.name
        snap["outside_limit"] = [h.name for h in self.ctx.stage.outside]
        return snap

    def close(self) -> None:
        self.census.close()


def watch(
    read: Callable[[], dict],
    show: Callable[[dict], None],
    interval: float,
    timeout: float | None,
    monotonic: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> dict:
    """Refresh until drained or until `timeout`; returns the last snapshot."""
    start = monotonic()
    while True:
        snap = read()
        show(snap)
        if snap["drained"] or (timeout is not None and monotonic() - start >= timeout):
            return snap
        left = None if timeout is None else timeout - (monotonic() - start)
        sleep(max(0.0, min(interval, left)) if left is not None else interval)
