"""cleanup: keep the newest N releases; never delete `current`, the release just shipped, or a
release any live process still runs from (a worker still draining, a long artisan command)."""

from __future__ import annotations

from collections.abc import Mapping

from ..probes.releases import parse_releases, releases_command, select_for_deletion
from ..shell import cmd


def run(ctx, options: Mapping[str, object]) -> str:
    keep = int(options.get("keep") or ctx.app.keep_releases)

    def one(h):
        rel = parse_releases(
            ctx.run(h, releases_command(ctx.app.deploy_path), "cleanup").stdout, ctx.app.deploy_path
        )
        doomed = select_for_deletion(rel, keep, frozenset({ctx.state.release}))
        if doomed:
            ctx.run(
                h,
                cmd("rm", "-rf", "--", *(ctx.path("releases", r) for r in doomed)),
                "cleanup",
                what="removing old releases",
            )
        return len(doomed)

    removed = ctx.each("cleanup", one)
    return f"removed {sum(removed.values())} release(s), kept {keep} per host"
