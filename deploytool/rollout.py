"""The switch, health-gated: through the stage's hosts in batches, back again when a host fails.

A playbook's steps from `switch` through `health` are one *segment* when the stage has health
checks or a `web.rollout` (`units()`); the runner hands a segment to `run_segment()`,
which runs its steps once per batch with the Context scoped to the batch's hosts: the canary web
hosts first (`rollout.canary`), then the rest in batches (`rollout.batch`: a count or a
percentage of them), each batch switched (all or nothing within it), reloaded and checked
before the next one starts. Queue restart and drain come after the last batch, as before.

When a check fails (Unhealthy), or a later batch's switch fails, the touched hosts are:
- `on_unhealthy: rollback` (default): put back by the playbook's own `rollback:` steps scoped to
  them, with the release each ran before (switch back, reload-web, restart the queue, drain onto
  the old release); exit 11 saying what was rolled back and why. Migrations are not reverted.
- `on_unhealthy: stop`: left as they are; exit 12 saying which hosts run what.
A switch failure always rolls back (the switch promises all or nothing); a rollback that itself
fails exits 12 with both errors.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from .config.model import StepSpec
from .config.web_model import Rollout
from .errors import DeployError, ExitCode, Interrupted, Unhealthy
from .events import RolledBack, RolloutBatch


@dataclass(frozen=True)
class Segment:
    specs: tuple[StepSpec, ...]


def units(ctx, specs: Sequence[StepSpec]) -> list[StepSpec | Segment]:
    """The steps as the runner takes them: where the stage gates its switch, the steps from
    `switch` through `health` (user steps hooked between them too) are one segment."""
    gated = ctx.stage.rollout.staged or any(w.health for w in ctx.stage.web.values())
    names = [s.name for s in specs]
    if gated and "switch" in names and "health" in names[names.index("switch") :]:
        i = names.index("switch")
        j = names.index("health", i) + 1
        return [*specs[:i], Segment(tuple(specs[i:j])), *specs[j:]]
    return list(specs)


def plan(hosts: Sequence[str], web: set[str], r: Rollout) -> list[tuple[tuple[str, ...], bool]]:
    """[(hosts, is_canary)] in inventory order: the first `canary` web hosts, then the rest."""
    canary = [h for h in hosts if h in web][: r.canary]
    rest = [h for h in hosts if h not in canary]
    out = [(tuple(canary), True)] if canary else []
    if rest:
        pct = r.batch.endswith("%")
        asked = math.ceil(len(rest) * int(r.batch[:-1]) / 100) if pct else int(r.batch)
        size = max(1, min(asked, len(rest)))
        out += [(tuple(rest[i : i + size]), False) for i in range(0, len(rest), size)]
    return out


RunOne = Callable[[object, StepSpec, Mapping], None]


def run_segment(ctx, seg: Segment, registry: Mapping, run_one: RunOne) -> None:
    live = [h.name for h in ctx.live_hosts]
    batches = plan(live, set(ctx.stage.web), ctx.stage.rollout)
    new, touched, previous = ctx.state.release, [], {}
    ctx.state.web["batches"] = len(batches)
    try:
        for i, (names, canary) in enumerate(batches, 1):
            ctx.state.scope = frozenset(names)
            if len(batches) > 1:
                ctx.bus.emit(RolloutBatch(i, len(batches), names, canary))
            for spec in seg.specs:
                run_one(ctx, spec, registry)
                if spec.name == "switch":  # a switch that fails has put its batch back itself
                    touched += names
                    previous.update(ctx.state.previous)
            if ctx.cancel.tripped:
                break  # the batch in progress is complete; the runner says where it stopped
    except Interrupted:
        raise
    except Unhealthy as e:
        how = ctx.stage.rollout.on_unhealthy
        gone_back(ctx, e, touched, previous, new, registry, run_one, how)
    except DeployError as e:
        if not touched:
            raise  # nothing is switched: the ship failed before any change, as without batches
        gone_back(ctx, e, touched, previous, new, registry, run_one, "rollback")
    finally:
        ctx.state.scope = None
        ctx.state.switched.update(touched)


def gone_back(ctx, cause, touched, previous, new, registry, run_one, how: str) -> None:
    """Roll the touched hosts back (or say why not) and raise the ship's final error."""
    touched = sorted(set(touched), key=[h.name for h in ctx.hosts].index)
    others = [h.name for h in ctx.hosts if h.name not in touched]
    back = sorted({previous.get(h, "") for h in touched})
    reason = cause.message
    if how == "stop" or len(back) != 1 or not back[0]:
        why = (
            "on_unhealthy: stop"
            if how == "stop"
            else "the touched hosts did not all run one release before: "
            + ", ".join(f"{h}: {previous.get(h) or '(none)'}" for h in touched)
        )
        ctx.bus.emit(RolledBack(tuple(touched), new, "", reason, ok=False))
        raise Unhealthy(
            f"{reason}\nleft as it is ({why}): {', '.join(touched)} switched to {new}"
            + (f"; {', '.join(others)} not switched" if others else "")
            + "; the queue was not restarted (every worker still runs the previous release)",
            f"roll back with `deploytool rollback {ctx.stage.name} --to "
            f"{back[0] or 'RELEASE'}`, or ship a fix",
            host=getattr(cause, "host", ""),
        ) from None
    target = back[0]
    ctx.state.scope, ctx.state.back_to = frozenset(touched), target  # select-rollback's --to
    try:
        for spec in ctx.playbook.rollback:
            run_one(ctx, spec, registry)
    except DeployError as e:
        ctx.bus.emit(RolledBack(tuple(touched), new, target, reason, ok=False))
        raise Unhealthy(
            f"{reason}\nthe automatic rollback of {', '.join(touched)} to {target} then failed: "
            f"{e.message}",
            e.hint or f"finish it with `deploytool rollback {ctx.stage.name} --to {target}`",
        ) from None
    finally:
        ctx.state.scope, ctx.state.back_to = None, ""
    ctx.bus.emit(RolledBack(tuple(touched), new, target, reason))
    raise Unhealthy(
        f"{reason}\nrolled back {', '.join(touched)} from {new} to {target} (switched back, "
        "reload-web, queue restarted, drained)"
        + (f"; {', '.join(others)} were never switched" if others else "")
        + "; migrations were NOT reverted",
        "look at the failing check's answer above; fix the release and ship again",
        exit_code=ExitCode.UNHEALTHY_ROLLED_BACK,
    )
