"""`--limit h1,role:worker`: the hosts of a stage a command may touch, and the stage it sees.

Pure: a selector list in, a Stage out whose `hosts` are the selected ones (in the stage's order)
and whose `outside` are the rest. Only commands/common.py:open_stage calls it, so every command
that reaches a fleet limits it the same way. Two things change with a limit, because a shared
resource would otherwise reach past it:
- the deploy lock stays on the migration host (Stage.migration_host looks in `outside` too);
- `queue:restart` writes one key that every worker sharing the cache obeys, on every host, so a
  limited run restarts by signal instead (drain.restart_mode: signal), on the selected hosts only.
"""

from __future__ import annotations

import dataclasses

from .config.model import Inventory, Stage
from .errors import UsageError


def parse(text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(host names, roles) named by `h1,role:worker`."""
    names, roles = [], []
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        if part.startswith("role:"):
            roles.append(part[len("role:") :])
        else:
            names.append(part)
    if not names and not roles:
        raise UsageError("--limit: name at least one host or role:ROLE")
    return tuple(names), tuple(roles)


def limit(inv: Inventory, stage: Stage, text: str | None, restart_scope: str = "once") -> Stage:
    """`stage` with only the hosts `text` selects (the whole stage without a limit)."""
    if not text:
        return stage
    names, roles = parse(text)
    known = {h.name for h in stage.hosts}
    all_roles = sorted({r for h in stage.hosts for r in h.roles})
    unknown = [n for n in names if n not in known]
    if unknown:
        raise UsageError(
            f"--limit: stage {stage.name} has no host named {', '.join(map(repr, unknown))}",
            "its hosts: " + ", ".join(h.name for h in stage.hosts),
        )
    missing = [r for r in roles if r not in all_roles]
    if missing:
        raise UsageError(
            f"--limit: no host of stage {stage.name} has the role "
            + ", ".join(repr(r) for r in missing),
            "its roles: " + (", ".join(all_roles) or "none"),
        )
    chosen = tuple(h for h in stage.hosts if h.name in names or set(h.roles) & set(roles))
    outside = tuple(h for h in stage.hosts if h not in chosen)
    if not outside:
        return stage
    limited = dataclasses.replace(stage, hosts=chosen, outside=outside)
    if restart_scope == "once" and inv.drain_policy(stage).restart_mode == "cache":
        limited = dataclasses.replace(
            limited,
            drain=dataclasses.replace(inv.drain_policy(stage), restart_mode="signal"),
            host_drain={
                name: dataclasses.replace(p, restart_mode="signal")
                for name, p in stage.host_drain.items()
            },
            kind_drain={
                kind: {n: dataclasses.replace(p, restart_mode="signal") for n, p in per.items()}
                for kind, per in stage.kind_drain.items()
            },
        )
    return limited
