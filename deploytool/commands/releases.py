"""`deploytool releases <stage>`: per host, the releases, which is current, the commit, who
deployed it and when, and which live processes still run from it (read-only)."""

from __future__ import annotations

from ..probes.releases import parse_releases, releases_command
from ..ui.document import Document
from . import common


def add(sub) -> None:
    p = sub.add_parser(
        "releases", help="list each host's releases, the current one, and which are in use"
    )
    common.add_inventory(p)
    p.add_argument("stage")
    p.add_argument("--json", action="store_true")


def collect(ctx) -> dict:
    found = ctx.each(
        "releases",
        lambda h: parse_releases(
            ctx.run(h, releases_command(ctx.app.deploy_path), "releases").stdout,
            ctx.app.deploy_path,
        ),
    )
    out = {}
    for host in sorted(found):
        rel = found[host]
        out[host] = [
            {
                "release": r.id,
                "current": r.id == rel.current,
                "commit": r.meta.get("commit", ""),
                "ref": r.meta.get("ref", ""),
                "deployed_by": r.meta.get("deployed_by", ""),
                "deployed_at": r.meta.get("deployed_at", ""),
                "in_use_by": list(r.in_use_by),
            }
            for r in rel.releases
        ]
    return out


def run(args, env) -> Document:
    inv = common.load(args.inventory)
    with common.open_stage(inv, args.stage) as ctx:
        ctx.each("connect", ctx.transport.connect)
        return Document("releases", {"stage": ctx.stage.name, "hosts": collect(ctx)})
