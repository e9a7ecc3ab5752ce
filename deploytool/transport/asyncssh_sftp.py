"""Uploads on the asyncssh transport: one SFTP session on the host's open connection per file.

Called on the transport's loop thread (asyncssh.py owns the connections and the loop). Reads the
local file in UPLOAD_BLOCK pieces with at most UPLOAD_IN_FLIGHT of them unacknowledged, so 100
hosts uploading the same file hold 100 small buffers, never 100 copies of it.
"""

from __future__ import annotations

import asyncio
import time

import asyncssh

from ..config.model import Host
from . import common
from .base import OnProgress


async def upload(
    conn: asyncssh.SSHClientConnection,
    host: Host,
    local: str,
    remote: str,
    *,
    timeout: float,
    step: str,
    on_progress: OnProgress | None,
) -> None:
    """Copy `local` to `remote`; SFTP status errors become the host's HostError, everything else
    (a lost connection, the deadline) propagates for the transport to turn into Unreachable."""
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
