"""One stage's drain in a ship or rollback: the Drainer's rounds turned into remote actions and
events, until no process of any kind runs old code or a policy gives up.

The census comes from census.CensusSource (every kind's processes, watchers where the transport
streams, polling as the fallback); the decisions from drainer.Drainer (a track per host and kind);
the sentences from messages; what is done to processes from actions.Actor (one guarded command
per host, signal.py); the restart-reach check is reach.py. Nothing here decides: it acts on what
a Round says, in the order it says, and reports every action as an event. At a deadline the ship
fails with DRAIN_TIMEOUT listing each old process left (host, kind, pid, release); nothing is
killed unless a ladder rung says so.
"""

from __future__ import annotations

from ..config.durations import format_duration
from ..errors import DrainTimeout, UnreachableError
from ..events import DrainFinished, DrainProgress, WorkerView
from ..events import Warning as WarningEvent
from ..probes.census import Census
from . import messages, reach
from .actions import Actor, owner_uids
from .census import RECONNECT, CensusSource
from .decide import Done, GiveUp, OldWorker, live_new_roots
from .drainer import Drainer, Round, watch
from .web import WebCheck


def view(o: OldWorker) -> WorkerView:
    w = o.worker
    return WorkerView(
        o.host,
        w.pid,
        w.release,
        True,
        w.state,
        round(w.age, 1),
        w.ignores_term,
        w.term_pending,
        round(w.cpu, 2),
        w.kind,
        w.process,
    )


class StageDrain:
    def __init__(self, ctx):
        self.ctx = ctx
        self.kinds = ctx.worker_kinds
        self.stage_policy = ctx.inventory.drain_policy(ctx.stage)
        self.policies = {
            (h.name, k.name): ctx.inventory.drain_policy(ctx.stage, h, k.name)
            for h in ctx.live_hosts
            for k in self.kinds
        }
        self.uids = owner_uids(ctx, self.kinds)
        self.actor = Actor(ctx, self.policies, self.uids, {k.name: k.user for k in self.kinds})
        self.unreached: list[str] = []
        self.told: set[str] = set()  # hosts said to be reconnecting
        self.census: CensusSource | None = None
        # the web census beside the workers' (web.py), under each host's own policy
        self.web = WebCheck(
            ctx, {h.name: ctx.inventory.drain_policy(ctx.stage, h) for h in ctx.live_hosts}
        )
        self.first_old: dict[str, int] = {}  # kind -> old processes at the drain's first round
        self.drainer = Drainer(
            self.policies,
            self.stage_policy.restart_mode,
            self.stage_policy.batch,
            ctx.state.release,
            ctx.state.switch_time,
            self.uids,
            ctx.clock.monotonic(),
            {k.name: k.restart for k in self.kinds},
        )

    # -- the loop's callables ---------------------------------------------------------------------
    def open(self) -> None:
        waits = any(p.on_timeout == "wait" for p in self.policies.values())
        # a watcher exits on its own after `lifetime` (and at EOF on its channel, which comes first)
        lifetime = 86400 if waits else max(p.deadline for p in self.policies.values()) + 600
        self.census = CensusSource(self.ctx, self.ctx.live_hosts, lifetime=lifetime)

    def poll(self, names: list[str]) -> dict[str, Census]:
        self.ctx.cancel.check("drain")
        got = self.census.round([n for n in names if n not in self.ctx.state.lost_hosts])
        for name, (_, why) in self.census.dropped.items():
            if name not in self.told:
                self.told.add(name)
                self.actor.notice(messages.dropped(why, RECONNECT), name, "reconnect")
        for name, (took, why) in list(self.census.reconnected.items()):
            del self.census.reconnected[name]
            if name not in self.told:  # dropped and back within one round
                self.actor.notice(messages.dropped(why, RECONNECT), name, "reconnect")
            self.told.discard(name)
            self.actor.notice(messages.reconnected(took), name, "reconnect")
        for name, why in self.census.lost.items():
            if name not in self.ctx.state.lost_hosts:  # lost mid-drain: reported, the others drain
                self.ctx.state.lost_hosts.add(name)
                self.ctx.bus.emit(WarningEvent(f"host lost during drain: {why}", name))
        self.web.poll()
        return got

    def sleep(self, seconds: float) -> None:
        self.census.wait_change(seconds, self.ctx.cancel)

    def handle(self, r: Round) -> None:
        if not self.first_old:
            self.first_old = {k.name: 0 for k in self.kinds}
            for o in r.old:
                self.first_old[o.worker.kind] = self.first_old.get(o.worker.kind, 0) + 1
        if r.check:
            self.check_reach(r)
        if r.signals:
            self.actor.restart(r.signals)
        if r.batch is not None:
            self.actor.start_batch(r.batch, len(self.drainer.rolling.batches[0]))
        for key, esc in r.escalations:
            self.actor.escalate(key, esc)
        for (host, kind), elapsed, n in r.reminders:
            deadline = self.policies[(host, kind)].deadline
            self.actor.notice(messages.reminder(host, elapsed, n, deadline, kind), host, "reminder")
        per_host: dict[str, int] = {}
        for o in r.old:
            per_host[o.host] = per_host.get(o.host, 0) + 1
        self.web.report(r.elapsed, r.deadline or self.stage_policy.deadline)
        tracks = self.drainer.tracks.values()
        self.ctx.bus.emit(
            DrainProgress(
                round(r.elapsed, 2),
                round(r.deadline or self.stage_policy.deadline, 2),
                tuple(view(o) for o in r.old),
                r.new,
                tuple(sorted(per_host.items())),
                self.drainer.host_status(),
                tuple((t.host, t.kind, t.status) for t in tracks),
            )
        )

    def check_reach(self, r: Round) -> None:
        """Did queue:restart reach the hosts whose old queue workers did not react?"""
        cached = {k.name for k in self.kinds if k.via_cache}
        old = tuple(o for o in r.old if o.worker.kind in cached)
        first = {}
        for (h, kind), p in self.policies.items():
            if kind in cached:
                first.setdefault(h, p)
        found = reach.check(self.ctx, r.check, old, r.elapsed, first)
        self.unreached += found.unreached
        for host, topic, message in found.notices:
            self.actor.notice(message, host, topic)

    # -- the end ----------------------------------------------------------------------------------
    def give_up(self, result: GiveUp, elapsed: float) -> DrainTimeout:
        tracks, st = self.drainer.tracks, self.ctx.state
        gave = [k for k, t in tracks.items() if t.status == "gave-up"]
        waiting = list(dict.fromkeys(t.host for t in tracks.values() if t.status == "waiting"))
        short = {
            k: (
                live_new_roots(self.drainer.last[k[0]], st.release, st.switch_time, k[1]),
                tracks[k].expected,
            )
            for k in gave
            if k[0] in self.drainer.last
        }
        message, hint = messages.gave_up(
            gave, waiting, result.left, short, self.policies, self.actor.done, elapsed
        )
        return DrainTimeout(message, hint)

    def by_kind(self) -> dict[str, dict]:
        """Per kind: when its last host was drained (None: not drained), how many of its
        processes were old at the start, how many got its restart signal."""
        out = {}
        for k in self.kinds:
            mine = [t for t in self.drainer.tracks.values() if t.kind == k.name]
            done = [t for t in mine if t.status in ("drained", "lost")]
            # a lost host's track has no drained time: the kind is done once the others are
            last = max((t.drained_at for t in done if t.drained_at is not None), default=0.0)
            out[k.name] = {
                "seconds": round(last, 2) if len(done) == len(mine) else None,
                "old": self.first_old.get(k.name, 0),
                "signalled": self.actor.signalled.get(k.name, 0),
            }
        return out


def drain_stage(ctx) -> str:
    dr = StageDrain(ctx)
    t0 = ctx.clock.monotonic()
    dr.open()
    try:
        result = watch(dr.drainer, dr.poll, dr.handle, ctx.clock.monotonic, dr.sleep)
        late = dr.web.finish(t0) if isinstance(result, Done) else dr.web.overdue(1e12)
    finally:
        dr.census.close()
    elapsed = ctx.clock.monotonic() - t0
    rounds = dict(dr.census.rounds)
    done, kinds = dr.actor.done, dr.by_kind()
    ctx.state.drain = {
        "ok": isinstance(result, Done),
        "seconds": round(elapsed, 2),
        "unreached": sorted(dr.unreached),
        "escalations": dict(done),
        "mode": dr.stage_policy.restart_mode,
        "census_rounds": rounds,
        "kinds": kinds,
    }
    figures = tuple(
        (k, -1.0 if v["seconds"] is None else v["seconds"], v["old"], v["signalled"])
        for k, v in kinds.items()
    )
    if isinstance(result, GiveUp):
        ctx.state.drain["left"] = len(result.left)
        left = tuple(view(o) for o in result.left)
        ctx.bus.emit(DrainFinished(False, round(elapsed, 2), left, tuple(rounds.items()), figures))
        error = dr.give_up(result, elapsed)
        if late:  # what the web hosts served too, when the workers did not drain either
            error.message += "\n" + dr.web.message(late)
        raise error
    if late:
        ctx.state.drain.update(ok=False, web_late=late)
        ctx.bus.emit(DrainFinished(False, round(elapsed, 2), (), tuple(rounds.items()), figures))
        raise DrainTimeout(dr.web.message(late), messages.web_hint(ctx.stage.name))
    ctx.bus.emit(DrainFinished(True, round(elapsed, 2), (), tuple(rounds.items()), figures))
    if ctx.state.lost_hosts:
        raise UnreachableError(
            ",".join(sorted(ctx.state.lost_hosts)),
            "drain",
            "host(s) lost after the switch; the others drained",
        )
    how = f", {', '.join(f'{a} x{n}' for a, n in sorted(done.items()))}" if done else ""
    web = f"; {', '.join(sorted(dr.web.hosts))} serve {dr.web.release}" if dr.web.hosts else ""
    if len(kinds) == 1:
        return f"no worker runs old code ({format_duration(elapsed)}{how}){web}"
    held = max(kinds, key=lambda k: kinds[k]["seconds"] or 0.0)
    per = ", ".join(f"{k} {format_duration(v['seconds'] or 0.0)}" for k, v in kinds.items())
    return (
        f"no process of {', '.join(kinds)} runs old code ({format_duration(elapsed)}{how}; "
        f"per kind: {per}; held longest by {held}){web}"
    )
