"""`deploytool releases <stage>`: per host, the releases, which is current, the commit, who
deployed it and when, and which live processes still run from it (read-only)."""

from __future__ import annotations

import json
import sys

from rich.console import Console
from rich.table import Table

from ..events import Bus
from ..pipeline import Context
from ..probes.releases import parse_releases, releases_command
from ..transport import open_transport
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


def run(args) -> int:
    inv = common.load(args.inventory)
    stage = common.stage_of(inv, args.stage)
    transport = open_transport(stage.ssh)
    ctx = Context(inventory=inv, stage=stage, playbook=None, transport=transport, bus=Bus(), ref="")
    try:
        ctx.each("connect", transport.connect)
        data = collect(ctx)
    finally:
        transport.close()
    if args.json:
        json.dump({"stage": stage.name, "hosts": data}, sys.stdout, indent=2, sort_keys=True)
        sys.stdout.write("\n")
        return 0
    t = Table(title=f"releases of {stage.name}", title_justify="left")
    for col in ("host", "release", "", "commit", "ref", "deployed by", "at", "in use by"):
        t.add_column(col)
    for host, rels in data.items():
        for r in reversed(rels):
            t.add_row(
                host,
                r["release"],
                "current" if r["current"] else "",
                r["commit"][:12],
                r["ref"],
                r["deployed_by"],
                r["deployed_at"],
                " ".join(map(str, r["in_use_by"][:6]))
                + (" ..." if len(r["in_use_by"]) > 6 else ""),
            )
    Console().print(t)
    return 0
