"""Uploads on the asyncssh transport: one SFTP session on the host's open connection per file.

`upload` is AsyncSSHTransport.upload (bound there as a method: the transport owns the connections
and the loop; this module owns the copy). It reads the local file in UPLOAD_BLOCK pieces with at
most UPLOAD_IN_FLIGHT of them unacknowledged, so 100 hosts uploading the same file hold 100 small
buffers, never 100 copies of it.
"""

from __future__ import annotations

import asyncio
import time

from ..config.model import Host
from ..errors import UnreachableError
from . import common
from .asyncssh_lib import asyncssh
from .base import OnProgress


def upload(
    self,
    host: Host,
    local: str,
    remote: str,
    *,
    timeout: float,
    step: str = "",
    on_progress: OnProgress | None = None,
) -> None:
    """Copy `local` to `remote` (Transport.upload); `self` is the AsyncSSHTransport."""

    async def go() -> None:
        conn = await self.connection(host)
        try:
            await _put(conn, host, local, remote, timeout, step, on_progress)
        except UnreachableError:
            self._drop(host)  # a wedged connection: a later command reconnects
            raise
        except (asyncssh.Error, OSError, EOFError) as e:
            self._drop(host)
            raise UnreachableError(
                host.name, step or "upload", f"connection lost: {e or type(e).__name__}"
            ) from None

    self.call(go())


async def _put(conn, host: Host, local: str, remote: str, timeout, step, on_progress) -> None:
    """SFTP status errors become the host's HostError; the deadline is UnreachableError."""
    deadline = time.monotonic() + timeout

    def progress(_src: bytes, _dst: bytes, done: int, total: int) -> None:
        if on_progress is not None:
            on_progress(done, total)

    try:
        async with conn.start_sftp_client() as sftp:
            left = max(0.0, deadline - time.monotonic())
            await asyncio.wait_for(
                sftp.put(
                    local,
                    remote,
                    block_size=common.UPLOAD_BLOCK,
                    max_requests=common.UPLOAD_IN_FLIGHT,
                    progress_handler=progress,
                ),
                left,
            )
    except asyncssh.SFTPError as e:
        raise common.upload_refused(host, step, remote, e.reason or type(e).__name__) from None
    except TimeoutError:
        raise common.upload_timeout(host, step, timeout) from None
