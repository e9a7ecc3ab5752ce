"""drain: poll every host until no worker runs old code, escalating or giving up per policy.

The census runs over the already-open connections: from one watcher per host where the transport
streams (asyncssh; a round is a byte each way and a worker's exit ends the wait for the next one),
else one round trip per host per poll, and per host whenever its watcher fails. Each host
drains under its own policy (stage and role, see config/drainconf.py); in `signal` mode the hosts
are restarted in rolling batches. In `cache` mode a host whose old workers do not react is checked
(does the old release's cache see the restart?) and named before any rung fires. At a deadline the
ship fails with DRAIN_TIMEOUT and lists each old worker left; nothing is killed unless a ladder
rung says so, and every action is an Escalated event. The decisions live in drain.py (pure).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from .. import drain as d
from ..census_stream import CensusStream
from ..config.durations import format_duration
from ..config.model import Host
from ..errors import DeployError, DrainTimeout, UnreachableError
from ..events import DrainFinished, DrainNotice, DrainProgress, Escalated, WorkerView
from ..events import Warning as WarningEvent
from ..probes.census import Census, census_command, parse_census
from ..probes.restart_reach import RestartView, parse_reach, reach_command, reached
from ..shell import cmd
from .drain_signal import parse_outcomes, signal_command

T = TypeVar("T")

WATCH_ANSWER = 5.0  # seconds a watcher may take to answer a round before its host is polled instead


def view(o: d.OldWorker | tuple[str, object], old: bool = True) -> WorkerView:
    host, w = (o.host, o.worker) if isinstance(o, d.OldWorker) else o
    return WorkerView(
        host,
        w.pid,
        w.release,
        old,
        w.state,
        round(w.age, 1),
        w.ignores_term,
        w.term_pending,
        round(w.cpu, 2),
        w.kind,
    )


def flags(w) -> str:
    return (", ignores SIGTERM" if w.ignores_term else "") + (
        ", SIGTERM pending" if w.term_pending else ""
    )


def describe(left: Sequence[d.OldWorker]) -> str:
    return "\n    ".join(
        f"{o.host}: pid {o.worker.pid} release {o.worker.release} age {format_duration(o.worker.age)} "
        f"state {o.worker.state}{flags(o.worker)}"
        for o in left
    )


def parallel(hosts: Sequence[Host], fn: Callable[[Host], T]) -> dict[str, T]:
    """fn on every host at once, without per-host step events (the drain's own rounds)."""
    if len(hosts) == 1:
        return {hosts[0].name: fn(hosts[0])}
    with ThreadPoolExecutor(max_workers=min(64, len(hosts))) as pool:
        return dict(zip((h.name for h in hosts), pool.map(fn, hosts)))


def worker_pattern(app, playbook) -> str:
    """The playbook's drain step may name its workers (laravel-horizon.yml: `artisan horizon`);
    otherwise the inventory's workers.pattern."""
    for spec in getattr(playbook, "steps", ()):
        if spec.name == "drain" and spec.options.get("pattern"):
            return str(spec.options["pattern"])
    return app.worker_pattern


def census_all(ctx, step: str = "drain", hosts: Sequence[Host] | None = None) -> dict[str, Census]:
    """One census per live host. A host lost mid-drain is reported and dropped, not fatal here:
    the ship still drains the others and exits non-zero at the end."""
    command = census_command(worker_pattern(ctx.app, ctx.playbook), ctx.app.deploy_path)

    def one(h):
        try:
            r = ctx.transport.run(
                h, command, timeout=max(10.0, ctx.stage.ssh.connect_timeout), step=step
            )
        except UnreachableError as e:
            ctx.state.lost_hosts.add(h.name)
            ctx.bus.emit(WarningEvent(f"host lost during {step}: {e.message}", h.name))
            return None
        return parse_census(r.stdout, ctx.app.deploy_path)

    got = parallel(tuple(hosts if hosts is not None else ctx.live_hosts), one)
    return {h: c for h, c in got.items() if c is not None}


class Drain:
    """One ship's drain: the Drainer's rounds turned into remote actions and events."""

    def __init__(self, ctx):
        self.ctx = ctx
        self.by_name = {h.name: h for h in ctx.hosts}
        self.stage_policy = ctx.inventory.drain_policy(ctx.stage)
        self.policies = {h.name: ctx.inventory.drain_policy(ctx.stage, h) for h in ctx.live_hosts}
        self.uids = owner_uids(ctx)
        self.done: dict[str, int] = {}  # action -> processes it reached (for the summary)
        self.unreached: list[str] = []
        self.stream: CensusStream | None = None
        self.unwatched: set[str] = set()
        self.census_rounds = {"watch": 0, "poll": 0}
        self.drainer = d.Drainer(
            self.policies,
            self.stage_policy.restart_mode,
            self.stage_policy.batch,
            ctx.state.release,
            ctx.state.switch_time,
            self.uids,
            ctx.clock.monotonic(),
        )

    # -- the census: watchers where the transport can stream, the polled probe otherwise ----------
    def open_watchers(self) -> None:
        """One census watcher per host (probes/census_watch.py) when the transport can stream
        (asyncssh): a round is then one byte each way on an open channel instead of a new channel,
        login shell and pgrep per host, and an exit wakes the loop at once instead of at the next
        poll. Any host whose watcher cannot start, ends, or does not answer is polled instead."""
        ctx = self.ctx
        if not getattr(ctx.transport, "open_stream", None):
            return
        waits = any(p.on_timeout == "wait" for p in self.policies.values())
        # The watcher exits on its own after `lifetime` (and at EOF on its channel, which comes first)
        lifetime = 86400 if waits else max(p.deadline for p in self.policies.values()) + 600
        try:
            self.stream = CensusStream(
                ctx,
                [h for h in ctx.live_hosts],
                lifetime=lifetime,
                pattern=worker_pattern(ctx.app, ctx.playbook),
            )
        except DeployError:
            self.stream = None  # the polled census finds out which host is gone, and says so

    def close_watchers(self) -> None:
        if self.stream is not None:
            self.stream.close()
            self.stream = None

    # -- the loop's callables ---------------------------------------------------------------------
    def poll(self, names: list[str]) -> dict[str, Census]:
        self.ctx.cancel.check("drain")
        names = [n for n in names if n not in self.ctx.state.lost_hosts]
        got: dict[str, Census] = {}
        if self.stream is not None:
            watched = [n for n in names if n not in self.unwatched]
            got = self.stream.round(watched, timeout=WATCH_ANSWER)
            # a watcher that ended or did not answer: poll that host from now on
            self.unwatched.update(n for n in watched if n not in got)
        rest = [self.by_name[n] for n in names if n not in got]
        if rest:
            got.update(census_all(self.ctx, hosts=rest))
        self.census_rounds[
            ("watch" if self.stream is not None and len(rest) < len(names) else "poll")
        ] += 1
        return got

    def sleep(self, seconds: float) -> None:
        """Until the next poll; with watchers, a worker appearing or exiting ends it early."""
        ctx = self.ctx
        if self.stream is None or len(self.unwatched) == len(self.policies):
            ctx.clock.sleep(seconds, ctx.cancel)
            return
        ctx.clock.wait_for(self.stream.changed, seconds, ctx.cancel)
        self.stream.changed.clear()

    def handle(self, r: d.Round) -> None:
        if r.check:
            self.check_reach(r)
        if r.batch is not None:
            self.start_batch(r.batch)
        for host, esc in r.escalations:
            self.escalate(host, esc)
        for host, elapsed, n in r.reminders:
            self.notice(
                f"{host}: still waiting for {n} old worker(s) after {format_duration(elapsed)} "
                f"(on_timeout: wait; deadline was {format_duration(self.policies[host].deadline)})",
                host,
                "reminder",
            )
        per_host: dict[str, int] = {}
        for o in r.old:
            per_host[o.host] = per_host.get(o.host, 0) + 1
        status = tuple((h, t.status) for h, t in self.drainer.tracks.items())
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
    def act(self, action: str, chosen: Sequence[d.OldWorker], rung: int) -> None:
        """One guarded command per host (drain_signal.py), all hosts in parallel; one event per process."""
        ctx = self.ctx
        hosts = sorted({o.host for o in chosen})

        def one(h: Host):
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

        for mine, outcomes, tail in parallel([self.by_name[h] for h in hosts], one).values():
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

    def escalate(self, host: str, esc: d.Escalate) -> None:
        p = self.policies[host]
        when = format_duration(p.ladder[esc.rung].after)
        if esc.untouched:
            self.notice(
                f"{host}: rung {esc.rung + 1} ({esc.action} at {when}) leaves {len(esc.untouched)} old "
                f"process(es) alone: they do not belong to the app user "
                f"({self.ctx.app.worker_user or self.ctx.stage.ssh.user}): "
                + ", ".join(f"pid {o.worker.pid} uid {o.worker.uid}" for o in esc.untouched),
                host,
                "untouched",
            )
        if esc.action == "supervisor-restart" and esc.targets:
            self.notice(
                f"{host}: rung {esc.rung + 1}: supervisorctl restart of {len(esc.targets)} old worker(s): "
                "supervisord sends the program's stopsignal, waits up to its stopwaitsecs, then SIGKILLs "
                "(supervisord's own escalation) and starts it again on the new release",
                host,
                "supervisor-restart",
            )
        stopped = [o for o in esc.targets if o.worker.state in ("stopped", "traced")]
        if esc.action == "term" and stopped:
            self.notice(
                f"{host}: {len(stopped)} old worker(s) are stopped (SIGSTOP): SIGTERM stays pending until "
                "SIGCONT (a `cont` rung) or SIGKILL (a `kill` rung): "
                + ", ".join(f"pid {o.worker.pid}" for o in stopped),
                host,
                "stopped",
            )
        if esc.targets:
            self.act(esc.action, esc.targets, esc.rung)

    def start_batch(self, b: d.Batch) -> None:
        if b.clamped_from:
            self.notice(
                f"rolling: batch {b.clamped_from} would restart every host with old workers at once; "
                f"using {len(self.drainer.batches[0])} host(s) per batch so capacity never drops to zero",
                "",
                "batch",
            )
        for h in b.hosts:
            mine = [o for o in b.targets if o.host == h]
            self.notice(
                f"rolling batch {b.index}/{b.total}: {h}: SIGTERM to {len(mine)} old worker(s) "
                f"({', '.join(str(o.worker.pid) for o in mine) or 'none it may touch'}); the next batch "
                "starts when they are gone and the new ones are up",
                h,
                "batch",
            )
        if b.untouched:
            self.notice(
                f"rolling: {len(b.untouched)} old process(es) do not belong to the app user and are left "
                "alone: " + ", ".join(f"{o.host} pid {o.worker.pid}" for o in b.untouched),
                "",
                "untouched",
            )
        if b.targets:
            self.act("signal", b.targets, -1)

    # -- did queue:restart reach each host? -------------------------------------------------------
    def check_reach(self, r: d.Round) -> None:
        """For hosts whose old workers have not reacted: read the restart key as their release sees
        it and as the release that sent the restart sees it, in one command per host."""
        ctx = self.ctx
        every = restart_scope(ctx) == "every"
        ref_of = {h: (h if every else ctx.stage.migration_host.name) for h in r.check}
        old_dirs = {
            h: sorted(
                {
                    ctx.path("releases", o.worker.release)
                    for o in r.old
                    if o.host == h and o.worker.release != "?"
                }
            )
            for h in r.check
        }
        wanted: dict[str, list[str]] = {h: list(v) for h, v in old_dirs.items()}
        for h, ref in ref_of.items():
            wanted.setdefault(ref, [])
            if ctx.path("current") not in wanted[ref]:
                wanted[ref].append(ctx.path("current"))

        def one(h: Host) -> dict[str, RestartView]:
            try:
                res = ctx.run(
                    h,
                    reach_command(ctx.app.php, wanted[h.name], ctx.app.env),
                    "drain",
                    check=False,
                    timeout=60.0,
                )
                return parse_reach(res.stdout)
            except DeployError:
                return {}

        views = parallel([self.by_name[h] for h in wanted if h not in ctx.state.lost_hosts], one)
        for h in r.check:
            ref = views.get(ref_of[h], {}).get(ctx.path("current"))
            old = [o for o in r.old if o.host == h]
            verdicts = [(dr, views.get(h, {}).get(dr)) for dr in old_dirs[h]]
            if (
                ref is not None
                and verdicts
                and all(v is not None and reached(v, ref) is False for _, v in verdicts)
            ):
                self.unreached.append(h)
                dr, v = verdicts[0]
                self.notice(
                    f"{h}: queue:restart did not reach the old workers (release {dr.rsplit('/', 1)[-1]}): they read "
                    f"cache store '{v.store}' prefix '{v.prefix}', where illuminate:queue:restart is "
                    f"{'not set' if v.value is None else repr(v.value)}; the restart wrote {ref.value!r} through store "
                    f"'{ref.store}' prefix '{ref.prefix}' on {ref_of[h]}. The cache is per host or per release: give "
                    f"every host and release the same CACHE_DRIVER and CACHE_PREFIX. {self.next_step(h)}",
                    h,
                    "unreached",
                )
            elif (
                ref is not None
                and verdicts
                and all(v is not None and reached(v, ref) for _, v in verdicts)
            ):
                self.notice(
                    f"{h}: queue:restart reached the old workers (they see the new restart time); "
                    f"{len(old)} still busy with a job: "
                    + ", ".join(
                        f"pid {o.worker.pid} ({format_duration(o.worker.age)} old)" for o in old
                    ),
                    h,
                    "busy",
                )
            else:
                why = "; ".join(
                    f"{dr}: {v.error}" for dr, v in verdicts if v is not None and v.error
                ) or (
                    ref.error
                    if ref is not None and ref.error
                    else "the app could not be booted to check"
                )
                self.unreached.append(h)
                self.notice(
                    f"{h}: no old worker has exited {format_duration(r.elapsed)} after the restart: the restart "
                    "signal may not have reached this host (per-host cache store or a different cache prefix?) "
                    f"[{why}]. {self.next_step(h)}",
                    h,
                    "unreached",
                )

    def next_step(self, host: str) -> str:
        p = self.policies[host]
        if p.on_timeout == "escalate":
            r = p.ladder[0]
            return f"Escalating per the ladder: {r.action} at {format_duration(r.after)}."
        return (
            f"No rung will touch them (on_timeout: {p.on_timeout}): the drain waits up to "
            f"{format_duration(p.deadline)}."
        )

    # -- the end ------------------------------------------------------------------------------------
    def give_up(self, result: d.GiveUp, elapsed: float) -> DrainTimeout:
        tracks = self.drainer.tracks
        gave = [h for h, t in tracks.items() if t.status == "gave-up"]
        waiting = [h for h, t in tracks.items() if t.status == "waiting"]
        lines = []
        for h in gave:
            left = [o for o in result.left if o.host == h]
            p = self.policies[h]
            if left:
                lines.append(
                    f"{h}: {len(left)} old worker(s) still running after its {format_duration(p.deadline)} "
                    f"deadline:\n    " + describe(left)
                )
            else:
                t = tracks[h]
                up = d.live_new_roots(
                    self.drainer.last[h], self.ctx.state.release, self.ctx.state.switch_time
                )
                lines.append(
                    f"{h}: its old workers are gone but only {up} of {t.expected} new worker(s) came up "
                    f"within {format_duration(p.deadline)}: the new release's workers may fail to start "
                    "(supervisorctl status, the worker log)"
                )
        others = [o for o in result.left if o.host not in gave]
        if others:
            lines.append("still draining elsewhere:\n    " + describe(others))
        if waiting:
            lines.append(
                f"rolling stopped: {', '.join(waiting)} were not signalled and still run the old release"
            )
        did = ", ".join(f"{a} x{n}" for a, n in sorted(self.done.items()))
        killed = self.done.get("kill", 0)
        tail = (
            f"escalations: {did}" + ("" if killed else "; nothing was killed")
            if did
            else "nothing was killed"
        )
        hint = (
            "wait for these jobs to finish, then run `deploytool drain-status` to confirm; or set an escalation "
            "ladder in the inventory (drain.on_timeout: escalate)"
        )
        if any(self.policies[h].on_timeout == "escalate" for h in gave):
            hint = (
                "the ladder ran out before these workers exited: see `deploytool drain-status`; a `kill` rung "
                "ends them (their jobs are retried after retry_after)"
            )
        if waiting:
            hint = f"fix what stopped the roll, then ship again; {', '.join(waiting)} still serve the old release"
        return DrainTimeout(
            f"drain: gave up on {', '.join(gave)} after {format_duration(elapsed)} ({tail}):\n  "
            + "\n  ".join(lines),
            hint,
        )


def run(ctx, options: Mapping[str, object]) -> str:
    dr = Drain(ctx)
    t0 = ctx.clock.monotonic()
    dr.open_watchers()
    try:
        result = d.watch(dr.drainer, dr.poll, dr.handle, ctx.clock.monotonic, dr.sleep)
    finally:
        dr.close_watchers()
    elapsed = ctx.clock.monotonic() - t0
    ctx.state.drain = {
        "ok": isinstance(result, d.Done),
        "seconds": round(elapsed, 2),
        "unreached": sorted(dr.unreached),
        "escalations": dict(dr.done),
        "mode": dr.stage_policy.restart_mode,
        "census_rounds": dict(dr.census_rounds),
    }
    if isinstance(result, d.GiveUp):
        ctx.state.drain["left"] = len(result.left)
        ctx.bus.emit(
            DrainFinished(
                False,
                round(elapsed, 2),
                tuple(view(o) for o in result.left),
                tuple(dr.census_rounds.items()),
            )
        )
        raise dr.give_up(result, elapsed)
    ctx.bus.emit(DrainFinished(True, round(elapsed, 2), census=tuple(dr.census_rounds.items())))
    if ctx.state.lost_hosts:
        raise UnreachableError(
            ",".join(sorted(ctx.state.lost_hosts)),
            "drain",
            "host(s) lost after the switch; the others drained",
        )
    how = f", {', '.join(f'{a} x{n}' for a, n in sorted(dr.done.items()))}" if dr.done else ""
    return f"no worker runs old code ({format_duration(elapsed)}{how})"


def restart_scope(ctx) -> str:
    """Where queue:restart ran: `every` host (each host its own reference) or once."""
    for spec in tuple(getattr(ctx.playbook, "steps", ())) + tuple(
        getattr(ctx.playbook, "rollback", ())
    ):
        if spec.name == "restart-queue":
            return str(spec.options.get("scope") or "once")
    return "once"


def owner_uids(ctx) -> dict[str, int] | None:
    """The app user's uid per host: workers.user, else the SSH login user. Escalation touches only
    processes of that uid. One round trip per host, once per drain."""
    user = ctx.app.worker_user
    command = cmd("id", "-u", user) if user else cmd("id", "-u")

    def uid(h):
        try:
            r = ctx.transport.run(
                h, command, timeout=max(10.0, ctx.stage.ssh.connect_timeout), step="drain"
            )
        except UnreachableError:
            return -1
        return int(r.stdout.strip()) if r.ok and r.stdout.strip().isdigit() else -1

    return parallel(ctx.live_hosts, uid)
