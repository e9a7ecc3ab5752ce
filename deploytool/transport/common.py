"""What both SSH transports say and parse the same way: the jump host, host-key, connect and upload
errors, and the upload's block size.

One wording for a changed key, an unknown key, a connect timeout and a failed connect, whichever
SSH library met it, so the user (and a test) reads the same message from both transports.
"""

from __future__ import annotations

from ..config.model import Host, SSHSettings
from ..errors import HostError, HostKeyError, UnreachableError


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
        host.name,
        "connect",
        f"SSH to {where(host)} timed out after {ssh.connect_timeout:g}s",
        timed_out=True,
    )


def connect_failed(host: Host, detail: object) -> UnreachableError:
    return UnreachableError(host.name, "connect", f"SSH to {where(host)} failed: {detail}")


# SFTP: small blocks and few in flight keep an upload to many hosts at once to a bounded buffer
# per host (8 x 64 KiB), where asyncssh's defaults (128 x 256 KiB) could hold 32 MiB per host.
UPLOAD_BLOCK = 64 * 1024
UPLOAD_IN_FLIGHT = 8


def upload_refused(host: Host, step: str, remote: str, detail: object) -> HostError:
    return HostError(
        host.name,
        step or "upload",
        f"the host refused the upload to {remote}: {detail}",
        "check that the deploy user may write there and that the disk has room",
    )


def upload_timeout(host: Host, step: str, timeout: float) -> UnreachableError:
    return UnreachableError(host.name, step or "upload", f"upload timed out after {timeout:g}s")
