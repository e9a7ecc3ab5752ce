"""The asyncssh sessions a command runs in: one that collects a command's output and exit status
(handing lines over as they come, for --verbose), one that streams a long-lived command's stdout
line by line (the census watchers), and the Stream handle a caller writes to and closes. All
called on the transport's loop thread; the transport (asyncssh.py) owns the connections.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from .asyncssh_lib import asyncssh


class Collect(asyncssh.SSHClientSession):
    """Collects one command's output and its exit status; resolves `done` when the channel closes.
    With on_output (--verbose), whole lines are also handed over as they arrive."""

    def __init__(self, done: asyncio.Future, on_output: Callable[[str, str], None] | None = None):
        self.out: list[bytes] = []
        self.err: list[bytes] = []
        self.done = done
        self.on_output = on_output
        self.partial = {"stdout": b"", "stderr": b""}

    def data_received(self, data: bytes, datatype: asyncssh.DataType) -> None:
        stream = "stderr" if datatype == asyncssh.EXTENDED_DATA_STDERR else "stdout"
        (self.err if stream == "stderr" else self.out).append(data)
        if self.on_output is not None:
            *lines, self.partial[stream] = (self.partial[stream] + data).split(b"\n")
            for line in lines:
                self.on_output(stream, line.decode("utf-8", "replace").rstrip("\r"))

    def connection_lost(self, exc: Exception | None) -> None:
        if self.on_output is not None:
            for stream, rest in self.partial.items():
                if rest:
                    self.on_output(stream, rest.decode("utf-8", "replace"))
        if not self.done.done():
            if exc is None:
                self.done.set_result(None)
            else:
                self.done.set_exception(exc)


class Lines(asyncssh.SSHClientSession):
    """A long-lived command's stdout, handed over line by line (on the transport's loop thread)."""

    def __init__(
        self, on_line: Callable[[str], None], on_close: Callable[[Exception | None], None]
    ):
        self.buf = b""
        self.on_line, self.on_close = on_line, on_close

    def data_received(self, data: bytes, datatype: asyncssh.DataType) -> None:
        if datatype == asyncssh.EXTENDED_DATA_STDERR:
            return
        *lines, self.buf = (self.buf + data).split(b"\n")
        for line in lines:
            self.on_line(line.decode("utf-8", "replace"))

    def connection_lost(self, exc: Exception | None) -> None:
        self.on_close(exc)


class Stream:
    """The channel of a long-lived remote command: send() writes to its stdin, close() ends it
    (the remote side sees EOF and, if it still writes, SIGPIPE)."""

    def __init__(self, loop: asyncio.AbstractEventLoop, chan: asyncssh.SSHClientChannel):
        self._loop, self._chan = loop, chan

    def _do(self, fn: Callable[[], None]) -> None:
        def safe() -> None:
            try:
                fn()
            except (asyncssh.Error, OSError, BrokenPipeError):
                pass  # the channel is gone; on_close already said so

        if not self._loop.is_closed():
            self._loop.call_soon_threadsafe(safe)

    def send(self, text: str) -> None:
        self._do(lambda: self._chan.write(text.encode()))

    def close(self) -> None:
        self._do(self._chan.close)


async def run_channel(
    conn: asyncssh.SSHClientConnection,
    text: str,
    stdin: bytes,
    timeout: float,
    on_output: Callable[[str, str], None] | None,
) -> tuple[int | None, Collect]:
    """One command on a session channel of its own: (its exit status, or None when a signal
    ended it; its output). TimeoutError at the deadline, EOFError when the connection went while
    it ran (neither an exit status nor a signal came back)."""
    loop = asyncio.get_running_loop()
    start, done = loop.time(), loop.create_future()
    chan, session = await asyncio.wait_for(
        conn.create_session(lambda: Collect(done, on_output), text, encoding=None),
        min(timeout, 30),
    )
    if stdin:
        chan.write(stdin)  # the command's secrets (envelope.py), never its argv
    chan.write_eof()  # then EOF: a command waiting for input gets it at once
    await asyncio.wait_for(done, max(0.0, timeout - (loop.time() - start)))
    status = chan.get_exit_status()
    if status is None and chan.get_exit_signal() is None and conn.is_closed():
        # the connection went (a keepalive gave up on a blackholed host) while the command ran;
        # what became of it there is unknown
        raise EOFError("connection lost while the command ran")
    return status, session
