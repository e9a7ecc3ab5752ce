"""`deploytool check-config [stage]`: validate the inventory and playbook without connecting."""

from __future__ import annotations

from ..ui.document import Document
from . import common


def add(sub) -> None:
    p = sub.add_parser("check-config", help="validate the inventory and the playbook; no SSH")
    common.add_inventory(p)
    p.add_argument("stage", nargs="?")


def run(args, env) -> Document:
    return Document("check-config", report(common.load(args.inventory), args.stage))


def report(inv, stage: str | None = None) -> dict:
    """What check-config says about a loaded inventory (and its playbook, loaded here)."""
    stages = [common.stage_of(inv, stage)] if stage else list(inv.stages.values())
    pb = common.playbook_of(inv)
    return {
        "inventory": str(inv.path),
        "playbook": pb.name,
        "steps": [s.name for s in pb.steps],
        "stages": [
            {"name": s.name, "hosts": len(s.hosts), "migration_host": s.migration_host.name}
            for s in stages
        ],
    }
