"""deploytool's inventory for the lab fleet (stage `lab`), written to <root>/inventory.yml."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import yaml

from .host import DEPLOY_PATH, DEPLOY_USER, HostSpec


def inventory(root: Path, hosts: Sequence[HostSpec]) -> dict:
    return {
        "application": {
            "name": "lab",
            "repository": str(root / "origin.git"),
            "branch": "main",
            "deploy_path": DEPLOY_PATH,
            "shared_files": [".env"],
            "shared_dirs": ["storage"],
            "keep_releases": 3,
            "workers": {"pattern": "artisan queue:work", "user": DEPLOY_USER},
            "drain": {"deadline": "2m", "poll": "0.5s"},
        },
        "stages": {
            "lab": {
                "ssh": {
                    "user": DEPLOY_USER,
                    "identity_file": str(root / "id_ed25519"),
                    "known_hosts": str(root / "known_hosts"),
                    "connect_timeout": "5s",
                },
                "hosts": [
                    {
                        "address": h.address,
                        "port": h.port,
                        "name": h.name,
                        "roles": ["web", "worker"],
                        **({"migrate": True} if h.index == 1 else {}),
                    }
                    for h in hosts
                ],
            },
        },
    }


def inventory_text(root: Path, hosts: Sequence[HostSpec]) -> str:
    head = "# Written by tests/lab (python -m tests.lab up): the lab fleet as a deploytool stage.\n"
    return head + yaml.safe_dump(
        inventory(root, hosts), sort_keys=False, default_flow_style=None, width=120
    )
