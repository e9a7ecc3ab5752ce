"""discard: after a failure before the switch, remove the half-built release from every host.

The default `on_failure` step of a playbook. Only a release this run built is removed (never the
target of a rollback, never after the switch). Best effort: a host that cannot be reached keeps
the directory (cleanup removes it later); `current` is never touched here.
"""

from __future__ import annotations

from collections.abc import Mapping

from ..errors import DeployError
from ..events import Warning as WarningEvent
from ..shell import cmd


def run(ctx, options: Mapping[str, object] | None = None) -> str:
    if not ctx.state.built or not ctx.state.release or ctx.state.switched:
        return "nothing to discard"
    if ctx.cancel.stopping.is_set():
        # let the stopper finish first: a process still writing into the release (composer
        # between SIGTERM and exit) would make rm -rf fail with "Directory not empty"
        ctx.cancel.stopped.wait(6)
    for h in ctx.live_hosts:
        try:
            ctx.run(h, cmd("rm", "-rf", "--", ctx.release_dir), "discard", timeout=60, marked=False)
        except DeployError as e:
            ctx.bus.emit(WarningEvent(f"could not remove {ctx.release_dir}: {e.message}", h.name))
    return f"removed {ctx.release_dir}"
