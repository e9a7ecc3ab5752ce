"""How bytes reach a host. Steps call Transport.run(host, command); nothing else talks SSH."""
from __future__ import annotations

from ..config.model import SSHSettings
from .base import Result, Transport

__all__ = ["Result", "Transport", "open_transport"]


def open_transport(ssh: SSHSettings) -> Transport:
    """The stage's SSH transport, chosen by `ssh.transport` (docs/performance.md has the numbers)."""
    if ssh.transport == "asyncssh":
        from .asyncssh import AsyncSSHTransport
        return AsyncSSHTransport(ssh)
    from .ssh import SSHTransport
    return SSHTransport(ssh)
