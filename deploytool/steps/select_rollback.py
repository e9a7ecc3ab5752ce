"""select-rollback: choose the release a rollback switches every host back to.

With --to, that release must exist on every host. Without it, each host's release just before
`current`; if the hosts disagree (a host missed a ship, or cleanup differed) we refuse rather
than guess, and say which host thinks what.

A split fleet (hosts point at different releases: a ship killed in its switch, or a --limit
ship; split.py) is repaired explicitly: without --to, when exactly two releases are in use, every
host goes to the older one, where the whole fleet was before, and the output says which hosts
move; with more than two we refuse and name them all. With --to, every host goes there as usual,
and the split is named.
"""

from __future__ import annotations

from collections.abc import Mapping

from .. import split
from ..errors import DeployError
from ..events import ReleaseResolved
from ..events import Warning as WarningEvent
from ..probes.releases import parse_releases, releases_command


def previous(ids: tuple[str, ...], current: str) -> str:
    older = [r for r in ids if r < current]
    return older[-1] if older else ""


def repair_target(ctx, found, currents: dict[str, str]) -> str:
    """The older of exactly two releases in use, present on every host; else refuse."""
    in_use = split.releases_in_use(currents)
    where = split.describe(currents)
    if len(in_use) != 2:
        raise DeployError(
            f"select-rollback: the hosts run {len(in_use)} different releases ({where}); "
            "nothing was switched",
            "choose the release for every host with --to RELEASE (see `deploytool releases "
            + ctx.stage.name
            + "`)",
        )
    target = in_use[0]
    missing = sorted(h for h, rel in found.items() if target not in rel.ids)
    if missing:
        raise DeployError(
            f"select-rollback: the hosts run different releases ({where}) and {target}, the "
            f"older, is gone from {', '.join(missing)}; nothing was switched",
            "choose the release for every host with --to RELEASE",
        )
    moving = sorted(h for h, c in currents.items() if c != target)
    ctx.bus.emit(
        WarningEvent(
            f"the hosts run different releases ({where}), after a switch that was interrupted "
            f"or a --limit ship: this rollback repairs that by moving {', '.join(moving)} back to "
            f"{target}, where every host was before"
        )
    )
    return target


def run(ctx, options: Mapping[str, object]) -> str:
    found = ctx.each(
        "select-rollback",
        lambda h: parse_releases(
            ctx.run(h, releases_command(ctx.app.deploy_path), "select-rollback").stdout,
            ctx.app.deploy_path,
        ),
    )
    currents = {h: rel.current for h, rel in found.items()}
    wanted = ctx.target or ctx.state.back_to  # --to, or where an unhealthy rollout came from
    if wanted:
        # a rollout's own rollback expects a split (its batches); --to names one it finds
        if ctx.target and split.is_split(currents):
            ctx.bus.emit(
                WarningEvent(f"the hosts run different releases ({split.describe(currents)})")
            )
        missing = sorted(h for h, rel in found.items() if wanted not in rel.ids)
        if missing:
            raise DeployError(
                f"select-rollback: release {wanted} does not exist on {', '.join(missing)}",
                "`deploytool releases " + ctx.stage.name + "` lists what each host has",
            )
        target = wanted
    elif split.is_split(currents):
        target = repair_target(ctx, found, currents)
    else:
        wanted = {h: previous(rel.ids, rel.current) for h, rel in found.items()}
        distinct = set(wanted.values())
        if len(distinct) != 1 or "" in distinct:
            seen = ", ".join(f"{h} -> {t or '(none)'}" for h, t in sorted(wanted.items()))
            raise DeployError(
                f"select-rollback: the hosts disagree about the previous release ({seen})",
                "choose one with --to RELEASE (see `deploytool releases " + ctx.stage.name + "`)",
            )
        target = distinct.pop()
    meta = next((r.meta for rel in found.values() for r in rel.releases if r.id == target), {})
    ctx.state.release, ctx.state.commit = target, str(meta.get("commit", ""))
    ctx.bus.emit(ReleaseResolved(target, ctx.state.commit))
    ctx.bus.emit(
        WarningEvent(
            "rollback switches code only: migrations are NOT reverted; the schema stays as the "
            "newer release left it"
        )
    )
    return f"rolling back to {target}"
