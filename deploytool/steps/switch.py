"""switch: point `current` at the new release on every host, atomically, all or nothing.

Per host: a temp symlink renamed over `current` (rename(2) is atomic, so there is never a moment
without `current`). If any host fails, every host already switched is put back, so the fleet is
never half switched. Cancellation is not checked inside: once started, the switch completes or
is undone everywhere.
"""

from __future__ import annotations

from collections.abc import Mapping

from ..errors import DeployError
from ..events import Warning as WarningEvent
from ..shell import cmd, script

# $1 deploy path, $2 release id (relative target keeps the tree relocatable). Prints host time.
SWITCH = r"""
set -e
ln -sfn "releases/$2" "$1/.current.tmp"
mv -T "$1/.current.tmp" "$1/current"
date +%s.%N
"""
UNSWITCH = 'rm -f "$1/current"'


def point(ctx, host, release: str, step: str = "switch") -> float:
    r = ctx.run(
        host,
        script(SWITCH, ctx.app.deploy_path, release),
        step,
        what=f"switching to {release}",
        marked=False,
    )
    try:
        return float(r.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return 0.0


def previous_targets(ctx, step: str = "switch") -> dict[str, str]:
    def read(h):
        out = ctx.run(h, cmd("readlink", ctx.path("current")), step, check=False).stdout.strip()
        return out.rstrip("/").rsplit("/", 1)[-1] if out else ""

    return ctx.each(step, read, rolling=False)


def switch_all(ctx, release: str, step: str = "switch") -> None:
    ctx.state.previous = previous_targets(ctx, step)
    ctx.state.switched.clear()

    def one(h):
        ctx.state.switched.add(h.name)  # before: a timeout may still have switched it
        return point(ctx, h, release, step)

    ctx.state.in_switch = True
    try:
        # never in rolling batches (--batch): every host flips as close together as it can
        times = ctx.each(step, one, rolling=False)
    except DeployError:
        undo(ctx, step)
        raise
    finally:
        ctx.state.in_switch = False
    ctx.state.switch_time = max(times.values() or [ctx.clock.time()])


def undo(ctx, step: str = "switch") -> None:
    """Put every switched host back where it was; report any host that could not be restored.
    Commands here are unmarked: a cancel's stopper must never kill the undo."""
    by_name = {h.name: h for h in ctx.hosts}
    for name in sorted(ctx.state.switched):
        h = by_name[name]
        before = ctx.state.previous.get(name, "")
        try:
            if before:
                point(ctx, h, before, step)
            else:
                ctx.run(h, script(UNSWITCH, ctx.app.deploy_path), step, marked=False)
        except DeployError as e:
            ctx.bus.emit(
                WarningEvent(
                    f"could not restore `current` to {before or '(none)'}: {e.message}", name
                )
            )
            continue
        ctx.state.switched.discard(name)


def run(ctx, options: Mapping[str, object]) -> str:
    switch_all(ctx, ctx.state.release)
    return f"current -> releases/{ctx.state.release}"
