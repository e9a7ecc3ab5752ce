"""What a running lab is made of, persisted in <root>/state.json so that `down` and
`status` work from another process than the one that ran `up`."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from .procs import ProcRef

STATE_FILE = "state.json"
MARKER = ".deploytool-lab"  # a dir with this file may be wiped by `up`


@dataclass
class HostState:
    name: str
    address: str
    port: int
    unshare: ProcRef
    init: ProcRef
    pidns: str


@dataclass
class LabState:
    hosts: int
    workers: int
    address_prefix: str
    ssh_port: int
    redis_port: int
    mariadb_port: int
    redis: ProcRef | None = None
    mariadb: ProcRef | None = None
    nodes: list[HostState] = field(default_factory=list)
    owner: ProcRef | None = None  # the process meant to take it down (a pytest session)
    web_root: str = "realpath"  # what every host's nginx was started with (web_conf.py)

    def procs(self) -> list[ProcRef]:
        """Every process the lab started, namespace inits first."""
        found = [p for n in self.nodes for p in (n.init, n.unshare)]
        return found + [p for p in (self.redis, self.mariadb) if p]

    def to_json(self) -> dict:
        return {
            "hosts": self.hosts,
            "workers": self.workers,
            "address_prefix": self.address_prefix,
            "ssh_port": self.ssh_port,
            "redis_port": self.redis_port,
            "mariadb_port": self.mariadb_port,
            "redis": self.redis.to_json() if self.redis else None,
            "mariadb": self.mariadb.to_json() if self.mariadb else None,
            "owner": self.owner.to_json() if self.owner else None,
            "web_root": self.web_root,
            "nodes": [
                {
                    "name": n.name,
                    "address": n.address,
                    "port": n.port,
                    "unshare": n.unshare.to_json(),
                    "init": n.init.to_json(),
                    "pidns": n.pidns,
                }
                for n in self.nodes
            ],
        }

    @classmethod
    def from_json(cls, d: dict) -> LabState:
        ref = lambda v: ProcRef.from_json(v) if v else None  # noqa: E731
        return cls(
            hosts=d["hosts"],
            workers=d["workers"],
            address_prefix=d["address_prefix"],
            ssh_port=d["ssh_port"],
            redis_port=d["redis_port"],
            mariadb_port=d["mariadb_port"],
            redis=ref(d.get("redis")),
            mariadb=ref(d.get("mariadb")),
            owner=ref(d.get("owner")),
            web_root=d.get("web_root", "realpath"),
            nodes=[
                HostState(
                    n["name"],
                    n["address"],
                    n["port"],
                    ProcRef.from_json(n["unshare"]),
                    ProcRef.from_json(n["init"]),
                    n["pidns"],
                )
                for n in d.get("nodes", [])
            ],
        )


def load(root: Path) -> LabState | None:
    try:
        return LabState.from_json(json.loads((root / STATE_FILE).read_text()))
    except FileNotFoundError:
        return None


def save(root: Path, state: LabState) -> None:
    tmp = root / (STATE_FILE + ".tmp")
    tmp.write_text(json.dumps(state.to_json(), indent=2) + "\n")
    os.replace(tmp, root / STATE_FILE)


def forget(root: Path) -> None:
    (root / STATE_FILE).unlink(missing_ok=True)
