"""What both SSH transports say and parse the same way: the jump host, host-key and connect errors.

One wording for a changed key, an unknown key, a connect timeout and a failed connect, whichever
SSH library met it, so the user (and a test) reads the same message from both transports.
"""

from __future__ import annotations

from ..config.model import Host, SSHSettings
from ..errors import HostKeyError, UnreachableError


def parse_jump(spec: str, default_user: str) -> tuple[str, str, int]:
    """`user@host:port` (user and port optional) -> (user, host, port)."""
    user, _, rest = spec.rpartition("@")
    host, _, port = rest.partition(":")
    return (user or default_user), host, int(port or 22)


def where(host: Host) -> str:
    return f"{host.address}:{host.port}"


def changed_key(host: Host, ssh: SSHSettings) -> HostKeyError:
    return HostKeyError(
        host.name,
        "connect",
        f"the host key of {where(host)} has CHANGED since it was recorded in {ssh.known_hosts}",
        "if the host was rebuilt on purpose, replace its line in known_hosts; "
        "otherwise treat this as an attack",
    )


def unknown_key(host: Host, ssh: SSHSettings) -> HostKeyError:
    return HostKeyError(
        host.name,
        "connect",
        f"the host key of {where(host)} is not in {ssh.known_hosts}",
        f"verify the key and add it: ssh-keyscan -p {host.port} {host.address} "
        f">> {ssh.known_hosts}",
    )


def connect_timeout(host: Host, ssh: SSHSettings) -> UnreachableError:
    return UnreachableError(
        host.name, "connect", f"SSH to {where(host)} timed out after {ssh.connect_timeout:g}s"
    )


def connect_failed(host: Host, detail: object) -> UnreachableError:
    return UnreachableError(host.name, "connect", f"SSH to {where(host)} failed: {detail}")
