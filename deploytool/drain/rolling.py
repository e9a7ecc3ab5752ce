"""Signal restart mode's rolling batches: the queue workers (the kinds restarted through the cache,
queue:restart or horizon:terminate) get SIGTERM host by host, `batch` hosts at a time, and the next
batch starts only when this one's old workers are gone and as many new ones are up as before.
Pure: the Drainer calls these on its tracks; nothing here sleeps or does I/O."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from ..fanout import per_batch
from ..probes.census import Census
from .decide import Decision, GiveUp, OldWorker, Wait, plan_batches, roots, targets
from .tracks import Batch, Key, Round, Track


class Rolling:
    def __init__(self, batch: str):
        self.batch = batch
        self.batches: list[tuple[str, ...]] = []
        self.next_batch = 0
        self.clamped_from = ""

    def plan(self, rolled: list[Track], old_by: Mapping[Key, tuple[OldWorker, ...]]) -> None:
        """The batches over the hosts whose rolled tracks have old workers, in inventory order."""
        hosts = list(dict.fromkeys(t.host for t in rolled if old_by[t.key]))
        self.batches = plan_batches(hosts, self.batch) if hosts else []
        if len(hosts) > 1 and len(self.batches[0]) < per_batch(self.batch, len(hosts)):
            self.clamped_from = self.batch

    def start_next(
        self,
        now: float,
        tracks: Mapping[Key, Track],
        old_by: Mapping[Key, tuple[OldWorker, ...]],
        last: Mapping[str, Census],
        uid: Callable[[Key], int | None],
        r: Round,
    ) -> None:
        """Signal the next batch that still has old workers (hosts whose old workers went on
        their own are drained without a signal)."""
        while self.next_batch < len(self.batches):
            hosts = self.batches[self.next_batch]
            self.next_batch += 1
            chosen: list[OldWorker] = []
            untouched: list[OldWorker] = []
            for t in tracks.values():
                if t.host not in hosts or not t.spec.via_cache or t.status != "waiting":
                    continue
                if not old_by[t.key]:
                    t.status = "drained"
                    continue
                c, u = targets("term", old_by[t.key], uid(t.key))
                chosen += c
                untouched += u
                t.status, t.started = "draining", now
                t.first_old = frozenset(o.worker.pid for o in old_by[t.key])
                mine = [w for w in last[t.host].workers if w.state != "zombie" and w.kind == t.kind]
                t.expected = len(roots(mine))
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


def capacity_wait(t: Track, el: float) -> Decision:
    """Signal mode: the track's old workers are gone but its new ones are not all up. Waiting for
    them is what keeps capacity; a release whose workers never come up stops the roll at the
    deadline instead of taking the next host down too."""
    if el >= t.policy.deadline and t.policy.on_timeout != "wait":
        return GiveUp(())
    return Wait()
