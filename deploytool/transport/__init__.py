"""How bytes reach a host. Steps call Transport.run(host, command); nothing else talks SSH."""

from __future__ import annotations

from ..config.model import SSHSettings
from .base import Result, Transport

__all__ = ["Result", "Transport", "open_transport"]


def open_transport(ssh: SSHSettings) -> Transport:
    """The stage's SSH transport, chosen by `ssh.transport`. asyncssh is the default because it
    meets issue 8's targets where Fabric does not (cold connect to 100 hosts 1.9 s vs 3.0 s, a K=3
    ship's overhead 2.3-2.7 s vs 3.8-4.7 s, and census watchers: docs/performance.md); Fabric, the
    design card's SSH layer, stays selectable (`ssh.transport: fabric`) with the same guarantees."""
    if ssh.transport == "fabric":
        from .fabric import FabricTransport

        return FabricTransport(ssh)
    from .asyncssh import AsyncSSHTransport

    return AsyncSSHTransport(ssh)
