"""select-rollback: choose the release a rollback switches every host back to.

With --to, that release must exist on every host. Without it, each host's release just before
`current`; if the hosts disagree (a host missed a ship, or cleanup differed) we refuse rather
than guess, and say which host thinks what.
"""

from __future__ import annotations

from collections.abc import Mapping

from ..errors import DeployError
from ..events import ReleaseResolved
from ..events import Warning as WarningEvent
from ..probes.releases import parse_releases, releases_command


def previous(ids: tuple[str, ...], current: str) -> str:
    older = [r for r in ids if r < current]
    return older[-1] if older else ""


def run(ctx, options: Mapping[str, object]) -> str:
    found = ctx.each(
        "select-rollback",
        lambda h: parse_releases(
            ctx.run(h, releases_command(ctx.app.deploy_path), "select-rollback").stdout,
            ctx.app.deploy_path,
        ),
    )
    wanted = ctx.target or ctx.state.back_to  # --to, or where an unhealthy rollout came from
    if wanted:
        missing = sorted(h for h, rel in found.items() if wanted not in rel.ids)
        if missing:
            raise DeployError(
                f"select-rollback: release {wanted} does not exist on {', '.join(missing)}",
                "`deploytool releases " + ctx.stage.name + "` lists what each host has",
            )
        target = wanted
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
