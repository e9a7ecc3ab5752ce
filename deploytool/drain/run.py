"""One stage's drain in a ship or rollback: the Drainer's rounds turned into remote actions and
events, until no worker runs old code or a policy gives up.

The census comes from census.CensusSource (watchers where the transport streams, polling as the
fallback); the decisions from drainer.Drainer; the sentences from messages; signals go through
one guarded command per host (signal.py); the restart-reach check is reach.py. Nothing here
decides: it acts on what a Round says, in the order it says, and reports every action as an
event. At a deadline the ship fails with DRAIN_TIMEOUT listing each old worker left; nothing is
killed unless a ladder rung says so.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..config.durations import format_duration
from ..errors import DeployError, DrainTimeout, UnreachableError
from ..events import DrainFinished, DrainNotice, DrainProgress, Escalated, WorkerView
from ..events import Warning as WarningEvent
from ..probes.census import Census
from ..shell import cmd
from . import messages, reach
from .census import CensusSource
from .decide import Done, Escalate, GiveUp, OldWorker, live_new_roots
from .drainer import Batch, Drainer, Round, watch
from .signal import parse_outcomes, signal_command
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
    )


class StageDrain:
    def __init__(self, ctx):
        self.ctx = ctx
        self.by_name = {h.name: h for h in ctx.hosts}
        self.stage_policy = ctx.inventory.drain_policy(ctx.stage)
        self.policies = {h.name: ctx.inventory.drain_policy(ctx.stage, h) for h in ctx.live_hosts}
        self.uids = owner_uids(ctx)
        self.done: dict[str, int] = {}  # action -> processes it reached (for the summary)
        self.unreached: list[str] = []
        self.census: CensusSource | None = None
        self.web = WebCheck(ctx, self.policies)  # the web census beside the workers' (web.py)
        self.drainer = Drainer(
            self.policies,
            self.stage_policy.restart_mode,
            self.stage_policy.batch,
            ctx.state.release,
            ctx.state.switch_time,
            self.uids,
            ctx.clock.monotonic(),
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
        for name, why in self.census.lost.items():
            if name not in self.ctx.state.lost_hosts:  # lost mid-drain: reported, the others drain
                self.ctx.state.lost_hosts.add(name)
                self.ctx.bus.emit(WarningEvent(f"host lost during drain: {why}", name))
        self.web.poll()
        return got

    def sleep(self, seconds: float) -> None:
        self.census.wait_change(seconds, self.ctx.cancel)

    def handle(self, r: Round) -> None:
        if r.check:
            found = reach.check(self.ctx, r.check, r.old, r.elapsed, self.policies)
            self.unreached += found.unreached
            for host, topic, message in found.notices:
                self.notice(message, host, topic)
        if r.batch is not None:
            self.start_batch(r.batch)
        for host, esc in r.escalations:
            self.escalate(host, esc)
        for host, elapsed, n in r.reminders:
            self.notice(
                messages.reminder(host, elapsed, n, self.policies[host].deadline), host, "reminder"
            )
        per_host: dict[str, int] = {}
        for o in r.old:
            per_host[o.host] = per_host.get(o.host, 0) + 1
        status = tuple((h, t.status) for h, t in self.drainer.tracks.items())
        self.web.report(r.elapsed, r.deadline or self.stage_policy.deadline)
        self.ctx.bus.emit(
            DrainProgress(
                round(r.elapsed, 2),
                round(r.deadline or self.stage_policy.deadline, 2),
                tuple(view(o) for o in r.old),
                r.new,
                tuple(sorted(per_host.items())),
                status,
            )
        )

    def notice(self, message: str, host: str = "", topic: str = "") -> None:
        self.ctx.bus.emit(DrainNotice(message, host, topic))

    # -- actions ----------------------------------------------------------------------------------
    def act(self, action: str, chosen: Sequence[OldWorker], rung: int) -> None:
        """One guarded command per host (signal.py), all hosts at once; one event per process."""
        ctx = self.ctx
        hosts = [self.by_name[h] for h in sorted({o.host for o in chosen})]

        def one(h):
            mine = [o for o in chosen if o.host == h.name]
            uid = None if self.uids is None else self.uids.get(h.name)
            try:
                res = ctx.run(
                    h,
                    signal_command(action, ctx.app.deploy_path, uid, mine),
                    "drain",
                    check=False,
                    timeout=max(120.0, ctx.stage.ssh.connect_timeout),
                )
                return mine, parse_outcomes(res.stdout), res.tail(2)
            except DeployError as e:
                return mine, {}, e.message

        for mine, outcomes, tail in ctx.fanout.map(one, hosts):
            for o in mine:
                w, out = o.worker, outcomes.get(o.worker.pid)
                ok = out is not None and out.ok
                detail = (
                    out.detail
                    if ok
                    else (f"{out.status}: {out.detail}" if out else f"no answer: {tail}")
                )
                if ok:
                    self.done[action] = self.done.get(action, 0) + 1
                ctx.bus.emit(
                    Escalated(
                        action,
                        o.host,
                        w.pid,
                        w.release,
                        w.state,
                        round(w.age, 1),
                        ok,
                        detail,
                        rung,
                        w.ignores_term,
                        w.term_pending,
                    )
                )

    def escalate(self, host: str, esc: Escalate) -> None:
        when = self.policies[host].ladder[esc.rung].after
        if esc.untouched:
            user = self.ctx.app.worker_user or self.ctx.stage.ssh.user
            self.notice(
                messages.untouched(host, esc.rung, esc.action, when, esc.untouched, user),
                host,
                "untouched",
            )
        if esc.action == "supervisor-restart" and esc.targets:
            self.notice(
                messages.supervisor_restart(host, esc.rung, len(esc.targets)),
                host,
                "supervisor-restart",
            )
        stopped = [o for o in esc.targets if o.worker.state in ("stopped", "traced")]
        if esc.action == "term" and stopped:
            self.notice(messages.stopped(host, stopped), host, "stopped")
        if esc.targets:
            self.act(esc.action, esc.targets, esc.rung)

    def start_batch(self, b: Batch) -> None:
        if b.clamped_from:
            self.notice(
                messages.batch_clamped(b.clamped_from, len(self.drainer.batches[0])), "", "batch"
            )
        for h in b.hosts:
            mine = [o for o in b.targets if o.host == h]
            self.notice(messages.batch_started(b.index, b.total, h, mine), h, "batch")
        if b.untouched:
            self.notice(messages.batch_untouched(b.untouched), "", "untouched")
        if b.targets:
            self.act("signal", b.targets, -1)

    # -- the end ----------------------------------------------------------------------------------
    def give_up(self, result: GiveUp, elapsed: float) -> DrainTimeout:
        tracks, st = self.drainer.tracks, self.ctx.state
        gave = [h for h, t in tracks.items() if t.status == "gave-up"]
        waiting = [h for h, t in tracks.items() if t.status == "waiting"]
        short = {
            h: (
                live_new_roots(self.drainer.last[h], st.release, st.switch_time),
                tracks[h].expected,
            )
            for h in gave
            if h in self.drainer.last
        }
        message, hint = messages.gave_up(
            gave, waiting, result.left, short, self.policies, self.done, elapsed
        )
        return DrainTimeout(message, hint)


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
    ctx.state.drain = {
        "ok": isinstance(result, Done),
        "seconds": round(elapsed, 2),
        "unreached": sorted(dr.unreached),
        "escalations": dict(dr.done),
        "mode": dr.stage_policy.restart_mode,
        "census_rounds": rounds,
    }
    if isinstance(result, GiveUp):
        ctx.state.drain["left"] = len(result.left)
        ctx.bus.emit(
            DrainFinished(
                False, round(elapsed, 2), tuple(view(o) for o in result.left), tuple(rounds.items())
            )
        )
        error = dr.give_up(result, elapsed)
        if late:  # what the web hosts served too, when the workers did not drain either
            error.message += "\n" + dr.web.message(late)
        raise error
    if late:
        ctx.state.drain.update(ok=False, web_late=late)
        ctx.bus.emit(DrainFinished(False, round(elapsed, 2), census=tuple(rounds.items())))
        raise DrainTimeout(dr.web.message(late), messages.web_hint(ctx.stage.name))
    ctx.bus.emit(DrainFinished(True, round(elapsed, 2), census=tuple(rounds.items())))
    if ctx.state.lost_hosts:
        raise UnreachableError(
            ",".join(sorted(ctx.state.lost_hosts)),
            "drain",
            "host(s) lost after the switch; the others drained",
        )
    how = f", {', '.join(f'{a} x{n}' for a, n in sorted(dr.done.items()))}" if dr.done else ""
    web = f"; {', '.join(sorted(dr.web.hosts))} serve {dr.web.release}" if dr.web.hosts else ""
    return f"no worker runs old code ({format_duration(elapsed)}{how}){web}"


def owner_uids(ctx) -> dict[str, int] | None:
    """The app user's uid per host: workers.user, else the SSH login user. Escalation touches only
    processes of that uid. One round trip per host, once per drain."""
    user = ctx.app.worker_user
    command = cmd("id", "-u", user) if user else cmd("id", "-u")
    timeout = max(10.0, ctx.stage.ssh.connect_timeout)

    def uid(h) -> int:
        try:
            r = ctx.transport.run(h, command, timeout=timeout, step="drain")
        except UnreachableError:
            return -1
        return int(r.stdout.strip()) if r.ok and r.stdout.strip().isdigit() else -1

    hosts = ctx.live_hosts
    return dict(zip((h.name for h in hosts), ctx.fanout.map(uid, hosts)))
