"""`deploytool build [--ref REF] -o FILE`: the artifact of a ref, built here, touching no host.

What `ship` builds under `strategy: artifact`, made on its own (a CI job), so the same bytes can be
shipped to staging and then promoted to production with `ship STAGE --artifact FILE`.
"""

from __future__ import annotations

from pathlib import Path

from ..artifact.build import build, build_steps, local_runner
from ..config.strategy import install_command
from ..transport.local import LocalTransport
from ..ui.document import Document
from . import common


def add(sub) -> None:
    p = sub.add_parser("build", help="build a release artifact here (no host is touched)")
    common.add_inventory(p)
    p.add_argument("--ref", help="branch, tag or commit (default: application.branch)")
    p.add_argument(
        "-o", "--output", metavar="FILE", help="where to write it (default: the cache directory)"
    )
    p.add_argument("--json", action="store_true", help="one JSON document on stdout")


def run(args, env) -> Document:
    inv = common.load(args.inventory)
    app = inv.application
    pb = common.playbook_of(inv)
    install = install_command(pb, app)
    ref = args.ref or app.branch
    local = LocalTransport()
    try:
        built = build(
            app,
            ref,
            Path(args.output) if args.output else None,
            who=common.deployer(),
            install=install,
            run=local_runner(app, local, inv.secrets() + pb.secrets()),
            steps=build_steps(pb, app),
        )
    finally:
        local.close()
    art = built.artifact
    return Document(
        "build",
        {
            "artifact": str(art.path),
            "bytes": art.size,
            "seconds": round(built.seconds, 2),
            "phases": {name: round(t, 2) for name, t in built.phases},
            **art.manifest.summary(),
        },
    )
