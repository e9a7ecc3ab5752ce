"""What every command needs: the inventory, the stage, the playbook, an event bus with a UI."""

from __future__ import annotations

import getpass
import os
import socket
from pathlib import Path

from .. import ui
from ..config import load_inventory
from ..config.loader import find_playbook, load_playbook
from ..config.model import Inventory, Playbook, Stage
from ..config.schema import _did_you_mean
from ..errors import UsageError
from ..events import Bus

DEFAULT_INVENTORY = ("inventory.yml", "deploy.yml", "deploytool.yml")


def add_inventory(p) -> None:
    p.add_argument("-i", "--inventory", help="inventory file (default: ./inventory.yml)")


def inventory_path(arg: str | None) -> Path:
    if arg:
        return Path(arg)
    for name in DEFAULT_INVENTORY:
        if Path(name).is_file():
            return Path(name)
    raise UsageError(
        "no inventory file: none of " + ", ".join(DEFAULT_INVENTORY) + " here",
        "pass one with -i PATH (see inventory.example.yml)",
    )


def load(arg: str | None) -> Inventory:
    return load_inventory(inventory_path(arg))


def stage_of(inv: Inventory, name: str) -> Stage:
    if name not in inv.stages:
        raise UsageError(
            f"{inv.path}: no stage named {name!r}{_did_you_mean(name, tuple(inv.stages))}",
            "stages: " + ", ".join(inv.stages),
        )
    return inv.stages[name]


def playbook_of(inv: Inventory) -> Playbook:
    from ..steps import REGISTRY

    return load_playbook(find_playbook(inv.application.playbook, inv.path), tuple(REGISTRY))


def deployer() -> str:
    """Who is deploying: user@machine, plus the CI job URL when the CI environment gives one."""
    try:
        who = f"{getpass.getuser()}@{socket.gethostname()}"
    except Exception:  # no passwd entry in some CI containers
        who = f"uid{os.getuid()}@{socket.gethostname()}"
    url = os.environ.get("CI_JOB_URL")
    if not url and os.environ.get("GITHUB_RUN_ID"):
        url = "{}/{}/actions/runs/{}".format(
            os.environ.get("GITHUB_SERVER_URL", ""),
            os.environ.get("GITHUB_REPOSITORY", ""),
            os.environ["GITHUB_RUN_ID"],
        )
    return who + (f" ({url})" if url else "")


def bus_with_ui(json_mode: bool):
    bus = Bus()
    view = ui.choose(json_mode)
    bus.subscribe(view)
    return bus, view
