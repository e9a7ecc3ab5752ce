"""`deploytool check-migrations <stage>`: prepare the new release on the migration host only
(pull + install), ask Laravel what the pending migrations would run, check it, report, and
remove what was created. Nothing is migrated or switched; workers are not touched."""

from __future__ import annotations

import dataclasses
import json
import sys

from rich.console import Console

from ..errors import ExitCode
from ..events import Bus
from ..pipeline import Context
from ..steps import REGISTRY, discard
from ..steps.check_migrations import gather
from ..transport import open_transport
from . import common


def run_stage(args) -> int:
    from ..migrations.check import check
    from ..migrations.policy import MigrationPolicy
    from ..migrations.render import report_table

    inv = common.load(args.inventory)
    stage = common.stage_of(inv, args.stage)
    host = stage.migration_host
    only = dataclasses.replace(stage, hosts=(host,))
    transport = open_transport(stage.ssh)
    ctx = Context(
        inventory=inv,
        stage=only,
        playbook=None,
        transport=transport,
        bus=Bus(),
        ref=args.ref or inv.application.branch,
        deployer=common.deployer(),
    )
    settings = inv.application.migrations
    try:
        transport.connect(host)
        REGISTRY["pull"](ctx, {})
        REGISTRY["install"](ctx, {})
        dialect, pending, schema = gather(ctx, host, ctx.release_dir)
    finally:
        discard.run(ctx)
        transport.close()
    policy = MigrationPolicy(
        "block" if settings.policy == "off" else settings.policy, dict(settings.rules)
    )
    report = check(pending, dialect, policy, schema)
    if args.json:
        json.dump(report.to_dict(), sys.stdout, indent=2, sort_keys=True)
        sys.stdout.write("\n")
    else:
        console = Console()
        console.print(
            f"{len(pending)} pending migration(s) on {host.name} for {ctx.ref} ({dialect})"
        )
        console.print(report_table(report))
    return int(ExitCode.MIGRATION_BLOCKED if report.blocked else ExitCode.OK)
