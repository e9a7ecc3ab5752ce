"""`deploytool check-config [stage]`: validate the inventory and playbook without connecting."""

from __future__ import annotations

from . import common


def add(sub) -> None:
    p = sub.add_parser("check-config", help="validate the inventory and the playbook; no SSH")
    common.add_inventory(p)
    p.add_argument("stage", nargs="?")


def run(args) -> int:
    inv = common.load(args.inventory)
    stages = [common.stage_of(inv, args.stage)] if args.stage else list(inv.stages.values())
    pb = common.playbook_of(inv)
    for s in stages:
        print(
            f"{inv.path}: stage {s.name}: {len(s.hosts)} host(s), migrations on {s.migration_host.name}, "
            f"playbook {pb.name} ({' -> '.join(x.name for x in pb.steps)})"
        )
    print("configuration OK")
    return 0
