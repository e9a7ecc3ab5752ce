"""What every command needs: the inventory, the stage, the playbook, and `open_stage`, the one way
a command reaches a fleet (a Context with the stage's transport, as `ssh.transport` chooses)."""

from __future__ import annotations

import getpass
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .. import hostlimit
from ..config import load_inventory
from ..config.model import Inventory, Playbook, Stage
from ..config.playbook import find_playbook, load_playbook
from ..config.strategy import for_application
from ..config.validate import _did_you_mean
from ..errors import ConfigError, UsageError
from ..events import Bus

DEFAULT_INVENTORY = ("inventory.yml", "deploy.yml", "deploytool.yml")


def add_inventory(p) -> None:
    p.add_argument("-i", "--inventory", help="inventory file (default: ./inventory.yml)")


def add_limit(p) -> None:
    p.add_argument(
        "--limit",
        metavar="HOSTS",
        help="only these hosts: names and role:ROLE, comma separated (e.g. h1,role:worker)",
    )


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
    """The inventory's playbook, adapted to its strategy and maintenance mode
    (config/strategy.py)."""
    from ..steps import REGISTRY

    roles = frozenset(r for st in inv.stages.values() for h in st.hosts for r in h.roles)
    pb = load_playbook(find_playbook(inv.application.playbook, inv.path), tuple(REGISTRY), roles)
    if pb.worker_pattern and inv.application.workers_listed:
        raise ConfigError(
            [
                f"{pb.worker_pattern_at or pb.path}: drain.pattern: {inv.path} lists worker kinds "
                "(application.workers): each kind has its own pattern there, so the playbook's "
                "would be ignored"
            ],
            "drop the drain step's `pattern:` (use `playbook: laravel`) and give the kind "
            '`{name: horizon, pattern: "artisan horizon", restart: horizon:terminate}`',
        )
    return for_application(pb, inv.application)


@contextmanager
def open_stage(
    inv: Inventory,
    stage_name: str,
    *,
    bus: Bus | None = None,
    ref: str = "",
    limit: str | None = None,
    **context,
) -> Iterator:
    """A Context for one stage of `inv`: its playbook, its transport, an event bus, and only the
    hosts `limit` (--limit) selects (hostlimit.py). The connections (and the run's thread pool)
    are closed when the block ends."""
    from ..fanout import Fanout, pool_size
    from ..pipeline import Context
    from ..transport import open_transport
    from ..transport.limits import preflight
    from ..transport.local import LocalTransport

    playbook = playbook_of(inv)
    stage = hostlimit.limit(inv, stage_of(inv, stage_name), limit, playbook.restart_scope)
    # room for every connection: the selected hosts, and the lock's host outside a --limit
    connections = len(stage.hosts) + (0 if stage.migration_host_selected else 1)
    preflight(stage.name, connections, stage.ssh.transport)
    ctx = Context(
        inventory=inv,
        stage=stage,
        playbook=playbook,
        transport=open_transport(stage.ssh),
        bus=bus or Bus(),
        ref=ref,
        local=LocalTransport(inv.path.parent),
        fanout=Fanout(pool_size(len(stage.hosts), stage.ssh.transport)),
        **context,
    )
    try:
        yield ctx
    finally:
        ctx.close()


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


def bus_with_ui(json_mode: bool, env=None):
    from .. import ui

    bus = Bus()
    view = ui.choose(json_mode, env.stdout if env is not None else None)
    bus.subscribe(view)
    return bus, view
