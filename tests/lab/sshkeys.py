"""SSH material for the fleet: the client key, one host key per host, known_hosts, ssh_config.

Host keys are pinned in known_hosts so every client (OpenSSH, paramiko/fabric, testinfra)
connects with strict host key checking: nothing is ever auto-accepted.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterable
from pathlib import Path
from typing import Protocol


class HostLike(Protocol):
    name: str
    address: str
    port: int


def keygen(path: Path, comment: str) -> Path:
    """An ed25519 key pair at `path` (+ .pub), created once."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", str(path)],
            check=True,
            capture_output=True,
        )
    path.chmod(0o600)
    return path


def public_key(path: Path) -> str:
    """'ssh-ed25519 AAAA...' without the comment."""
    kind, blob, *_ = Path(f"{path}.pub").read_text().split()
    return f"{kind} {blob}"


def known_hosts_text(entries: Iterable[tuple[HostLike, Path]]) -> str:
    """`[address]:port key` for each (host, host key path)."""
    return "".join(f"[{h.address}]:{h.port} {public_key(key)}\n" for h, key in entries)


def ssh_config_text(hosts: Iterable[HostLike], identity: Path, known_hosts: Path) -> str:
    """One `Host hN` block per host, for `ssh -F` and testinfra's ssh_config=."""
    blocks = []
    for h in hosts:
        blocks.append(
            f"Host {h.name}\n"
            f"    HostName {h.address}\n"
            f"    Port {h.port}\n"
            f"    User deploy\n"
            f"    IdentityFile {identity}\n"
            f"    IdentitiesOnly yes\n"
            f"    UserKnownHostsFile {known_hosts}\n"
            f"    GlobalKnownHostsFile /dev/null\n"
            f"    StrictHostKeyChecking yes\n"
            f"    BatchMode yes\n"
            f"    ConnectTimeout 5\n"
            f"    LogLevel ERROR\n"
        )
    return "\n".join(blocks)
