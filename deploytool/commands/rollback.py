"""`deploytool rollback <stage> [--to RELEASE]`: switch every host back, restart the queue and
drain exactly as ship does (the playbook's `rollback:` list), under the same lock and audit.
Migrations are not reverted: the output says so."""

from __future__ import annotations

from . import common
from .ship import add_session_args, launch


def add(sub) -> None:
    p = sub.add_parser("rollback", help="switch every host back to the previous release and drain")
    common.add_inventory(p)
    p.add_argument("stage")
    p.add_argument("--to", metavar="RELEASE", default="", help="the release id to go back to")
    add_session_args(p)


def run(args, env) -> int:
    inv = common.load(args.inventory)
    ref = f"rollback{' to ' + args.to if args.to else ''}"
    return launch(args, env, inv, "rollback", ref, target=args.to)
