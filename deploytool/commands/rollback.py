"""`deploytool rollback <stage> [--to RELEASE]`: switch every host back, restart the queue and
drain exactly as ship does (the playbook's `rollback:` list), under the same lock and audit.
Migrations are not reverted: the output says so."""
from __future__ import annotations

from ..errors import ConfigError
from ..pipeline import Context
from ..session import run_session
from ..steps import REGISTRY
from ..transport import open_transport
from . import common
from .ship import add_session_args, lock_wait


def add(sub) -> None:
    p = sub.add_parser("rollback", help="switch every host back to the previous release and drain")
    common.add_inventory(p)
    p.add_argument("stage")
    p.add_argument("--to", metavar="RELEASE", default="", help="the release id to go back to")
    add_session_args(p)


def run(args) -> int:
    inv = common.load(args.inventory)
    stage = common.stage_of(inv, args.stage)
    playbook = common.playbook_of(inv)
    if not playbook.rollback:
        raise ConfigError([f"{playbook.path}: rollback: the playbook has no `rollback:` step list"])
    wait = lock_wait(args)
    bus, view = common.bus_with_ui(args.json)
    ctx = Context(inventory=inv, stage=stage, playbook=playbook, transport=open_transport(stage.ssh), bus=bus,
                  ref=f"rollback{' to ' + args.to if args.to else ''}", deployer=common.deployer(),
                  verbose=args.verbose, target=args.to)
    try:
        return run_session(ctx, "rollback", playbook.rollback, REGISTRY, lambda c, s: None, wait)
    finally:
        view.close()
