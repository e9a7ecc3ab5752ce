"""`deploytool rollback <stage> [--to RELEASE]`: switch every host back, restart the queue and
drain exactly as ship does (the playbook's `rollback:` list), under the same lock and audit.
Migrations are not reverted: the output says so."""

from __future__ import annotations

from ..errors import ConfigError
from . import common
from .ship import add_session_args, launch


def add(sub) -> None:
    p = sub.add_parser("rollback", help="switch every host back to the previous release and drain")
    common.add_inventory(p)
    p.add_argument("stage")
    p.add_argument("--to", metavar="RELEASE", default="", help="the release id to go back to")
    add_session_args(p)


def run(args) -> int:
    inv = common.load(args.inventory)
    playbook = common.playbook_of(inv)
    if not playbook.rollback:
        raise ConfigError([f"{playbook.path}: rollback: the playbook has no `rollback:` step list"])
    ref = f"rollback{' to ' + args.to if args.to else ''}"
    return launch(
        args, inv, playbook, "rollback", playbook.rollback, lambda c, s: None, ref, target=args.to
    )
