"""drain: poll every host until no worker runs old code, escalating or giving up per policy.

The census runs over the already-open connections, one round trip per host per poll. At the
deadline the ship fails with DRAIN_TIMEOUT and lists each old worker left, killing nothing
unless a ladder rung says so (and then the event says it happened).
"""
from __future__ import annotations

import signal
from typing import Mapping

from .. import drain as d
from ..config.durations import format_duration
from ..errors import DeployError, DrainTimeout, UnreachableError
from ..events import DrainFinished, DrainNotice, DrainProgress, Escalated, WorkerView
from ..events import Warning as WarningEvent
from ..probes.census import Census, census_command, parse_census
from ..shell import cmd


def view(o: d.OldWorker | tuple[str, object], old: bool = True) -> WorkerView:
    host, w = (o.host, o.worker) if isinstance(o, d.OldWorker) else o
    return WorkerView(host, w.pid, w.release, old, w.state, round(w.age, 1), w.ignores_term, w.term_pending)


def describe(left) -> str:
    lines = []
    for o in left:
        w = o.worker
        flags = (", ignores SIGTERM" if w.ignores_term else "") + (", SIGTERM pending" if w.term_pending else "")
        lines.append(f"{o.host}: pid {w.pid} release {w.release} age {format_duration(w.age)} state {w.state}{flags}")
    return "\n    ".join(lines)


def census_all(ctx, step: str = "drain") -> dict[str, Census]:
    """One census per live host. A host lost mid-drain is reported and dropped, not fatal here:
    the ship still drains the others and exits non-zero at the end."""
    command = census_command(ctx.app.worker_pattern, ctx.app.deploy_path)
    out: dict[str, Census] = {}

    def one(h):
        try:
            r = ctx.transport.run(h, command, timeout=max(10.0, ctx.stage.ssh.connect_timeout), step=step)
        except UnreachableError as e:
            ctx.state.lost_hosts.add(h.name)
            ctx.bus.emit(WarningEvent(f"host lost during {step}: {e.message}", h.name))
            return
        out[h.name] = parse_census(r.stdout, ctx.app.deploy_path)

    hosts = ctx.live_hosts
    if len(hosts) == 1:
        one(hosts[0])
    else:
        from concurrent.futures import ThreadPoolExecutor
        with ThreadPoolExecutor(max_workers=min(64, len(hosts))) as pool:
            list(pool.map(one, hosts))
    return out


SIGNALS = {"term": signal.SIGTERM, "kill": signal.SIGKILL}


def act(ctx, esc: d.Escalate) -> None:
    by_name = {h.name: h for h in ctx.hosts}
    for o in esc.targets:
        w = o.worker
        ok, detail = True, ""
        try:
            if esc.action in SIGNALS:
                r = ctx.run(by_name[o.host], cmd("kill", f"-{SIGNALS[esc.action].name.removeprefix('SIG')}",
                                                 str(w.pid)), "drain", check=False)
            else:  # supervisor-restart: ask supervisord to stop and start that one process
                r = ctx.run(by_name[o.host], cmd("sh", "-c", SUPERVISOR_RESTART, "deploytool", str(w.pid)),
                            "drain", check=False)
            ok, detail = r.ok, r.tail(2)
        except DeployError as e:
            ok, detail = False, e.message
        ctx.bus.emit(Escalated(esc.action, o.host, w.pid, w.release, w.state, round(w.age, 1), ok, detail))


# $1 pid: find the supervisord process name owning that pid, then restart just that process.
SUPERVISOR_RESTART = r"""
name=$(supervisorctl status 2>/dev/null | awk -v p="$1" '$3 == "pid" && $4 == p"," {print $1}')
[ -n "$name" ] || { echo "pid $1 is not a supervisord process" >&2; exit 3; }
supervisorctl restart "$name"
"""


def run(ctx, options: Mapping[str, object]) -> str:
    policy = ctx.inventory.drain_policy(ctx.stage)
    release, switch_time = ctx.state.release, ctx.state.switch_time
    seen: dict[str, set[int]] = {}        # old pids ever seen per host
    exited: dict[str, int] = {}           # how many of them have gone
    notified: set[str] = set()

    def poll():
        ctx.cancel.check("drain")
        c = census_all(ctx)
        for host, census in c.items():
            pids = {w.pid for w in census.workers if d.is_old(w, release, switch_time)}
            exited[host] = exited.get(host, 0) + len(seen.get(host, set()) - pids)
            seen[host] = pids
        return c

    def report(elapsed, old, new, decision):
        per_host: dict[str, int] = {}
        for o in old:
            per_host[o.host] = per_host.get(o.host, 0) + 1
        ctx.bus.emit(DrainProgress(round(elapsed, 2), policy.deadline, tuple(view(o) for o in old), new,
                                   tuple(sorted(per_host.items()))))
        if isinstance(decision, d.Wait) and decision.remind:
            ctx.bus.emit(DrainNotice(f"still waiting for {len(old)} old worker(s) after {format_duration(elapsed)}"))
        # A host none of whose old workers has exited long after the restart most likely never saw
        # it (per-host file cache, another cache prefix): say so before any escalation.
        for host in per_host:
            if elapsed >= policy.unreached_after and not exited.get(host) and host not in notified:
                notified.add(host)
                ctx.bus.emit(DrainNotice(
                    f"no old worker on {host} has exited {format_duration(elapsed)} after the restart: the restart "
                    "signal may not have reached this host (per-host cache store or a different cache prefix?)", host))

    owner_uid = _owner_uids(ctx)
    t0 = ctx.clock.monotonic()
    result = d.watch(policy, poll, lambda c: d.classify(c, release, switch_time), lambda e: act(ctx, e), report,
                     ctx.clock.monotonic, lambda s: ctx.clock.sleep(s, ctx.cancel), owner_uid)
    elapsed = ctx.clock.monotonic() - t0
    ctx.state.drain = {"ok": isinstance(result, d.Done), "seconds": round(elapsed, 2),
                       "unreached": sorted(notified)}
    if isinstance(result, d.GiveUp):
        ctx.state.drain["left"] = len(result.left)
        ctx.bus.emit(DrainFinished(False, round(elapsed, 2), tuple(view(o) for o in result.left)))
        raise DrainTimeout(
            f"drain: {len(result.left)} old worker(s) still running after the {format_duration(policy.deadline)} "
            f"deadline (nothing was killed):\n    {describe(result.left)}",
            "wait for these jobs to finish, then run `deploytool drain-status` to confirm; or set an escalation "
            "ladder in the inventory (drain.on_timeout: escalate)")
    ctx.bus.emit(DrainFinished(True, round(elapsed, 2)))
    if ctx.state.lost_hosts:
        raise UnreachableError(",".join(sorted(ctx.state.lost_hosts)), "drain",
                               "host(s) lost after the switch; the others drained")
    return f"no worker runs old code ({format_duration(elapsed)})"


def _owner_uids(ctx) -> dict[str, int] | None:
    user = ctx.app.worker_user
    if not user:
        return None

    def uid(h):
        r = ctx.run(h, cmd("id", "-u", user), "drain", check=False)
        return int(r.stdout.strip()) if r.ok and r.stdout.strip().isdigit() else -1
    return ctx.each("drain", uid)
