"""discard: after a failure before the switch, remove the half-built release from every host.

Best effort: a host that cannot be reached keeps the directory (cleanup removes it later);
`current` is never touched here.
"""

from __future__ import annotations

from ..errors import DeployError
from ..events import Warning as WarningEvent
from ..shell import cmd


def run(ctx) -> None:
    if not ctx.state.release or ctx.state.switched:
        return
    if ctx.cancel.stopping.is_set():
        # let the stopper finish first: a process still writing into the release (composer
        # between SIGTERM and exit) would make rm -rf fail with "Directory not empty"
        ctx.cancel.stopped.wait(6)
    for h in ctx.live_hosts:
        try:
            ctx.run(h, cmd("rm", "-rf", "--", ctx.release_dir), "discard", timeout=60, marked=False)
        except DeployError as e:
            ctx.bus.emit(WarningEvent(f"could not remove {ctx.release_dir}: {e.message}", h.name))
