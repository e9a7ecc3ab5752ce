"""Did `queue:restart` reach a host whose old workers have not reacted? (cache restart mode)

For each such host, read the restart key as each old release's config sees it (its cache store
and prefix) and as the release that sent the restart sees it (the migration host's `current`, or
each host's own with `scope: every`), in one command per host (probes/restart_reach.py). The
answer is a notice per host: not reached (with both stores and prefixes), reached but busy, or
unknown (why); hosts that were not reached, or may not have been, are named in `unreached`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import DeployError
from ..probes.restart_reach import RestartView, parse_reach, reach_command, reached
from . import messages
from .decide import OldWorker


@dataclass
class ReachReport:
    notices: list[tuple[str, str, str]] = field(default_factory=list)  # host, topic, message
    unreached: list[str] = field(default_factory=list)


def check(
    ctx, hosts: tuple[str, ...], old: tuple[OldWorker, ...], elapsed: float, policies
) -> ReachReport:
    every = ctx.playbook is not None and ctx.playbook.restart_scope == "every"
    current = ctx.path("current")
    ref_of = {h: (h if every else ctx.stage.migration_host.name) for h in hosts}
    old_dirs = {
        h: sorted(
            {
                ctx.path("releases", o.worker.release)
                for o in old
                if o.host == h and o.worker.release != "?"
            }
        )
        for h in hosts
    }
    wanted: dict[str, list[str]] = {h: list(v) for h, v in old_dirs.items()}
    for ref in ref_of.values():
        wanted.setdefault(ref, [])
        if current not in wanted[ref]:
            wanted[ref].append(current)

    def one(h) -> dict[str, RestartView]:
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

    targets = [h for h in ctx.hosts if h.name in wanted and h.name not in ctx.state.lost_hosts]
    views = dict(zip((h.name for h in targets), ctx.fanout.map(one, targets)))
    out = ReachReport()
    for h in hosts:
        ref = views.get(ref_of[h], {}).get(current)
        mine = [o for o in old if o.host == h]
        verdicts = [(dr, views.get(h, {}).get(dr)) for dr in old_dirs[h]]
        then = messages.next_step(policies[h])
        known = ref is not None and verdicts and all(v is not None for _, v in verdicts)
        if known and all(reached(v, ref) is False for _, v in verdicts):
            dr, v = verdicts[0]
            out.unreached.append(h)
            out.notices.append(
                (h, "unreached", messages.not_reached(h, dr, v, ref, ref_of[h], then))
            )
        elif known and all(reached(v, ref) for _, v in verdicts):
            out.notices.append((h, "busy", messages.busy(h, mine)))
        else:
            why = "; ".join(
                f"{dr}: {v.error}" for dr, v in verdicts if v is not None and v.error
            ) or (
                ref.error
                if ref is not None and ref.error
                else "the app could not be booted to check"
            )
            out.unreached.append(h)
            out.notices.append((h, "unreached", messages.maybe_not_reached(h, elapsed, why, then)))
    return out
