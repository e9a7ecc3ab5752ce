"""The transport seam: what every transport offers, what a streaming one adds, what a run returns.

`Transport` is all a step needs: connect, run one command with a deadline, copy a file to a host
(`upload`, SFTP over the same connection), close. A
`StreamingTransport` (asyncssh) also hands over a command's output line by line while it runs
(`--verbose`) and keeps long-lived commands open (`open_stream`, the census watchers); callers
ask `isinstance(t, StreamingTransport)`, never probe attributes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from ..config.model import Host
from ..errors import HostError
from ..redaction import redact
from ..shell import Command

OnOutput = Callable[[str, str], None]  # (stdout | stderr, line)
OnProgress = Callable[[int, int], None]  # (bytes sent, total): may raise to abort (a cancel)


@dataclass(frozen=True)
class Result:
    host: str
    exit_code: int
    stdout: str
    stderr: str
    duration: float

    @property
    def ok(self) -> bool:
        return self.exit_code == 0

    def failure(self, step: str, what: str, secrets=(), why: tuple[str, str] | None = None):
        """The error a command that exited non-zero is: what failed, its exit code and its last
        lines, redacted (ctx.run's and the local build's); `why`, when known (a full disk:
        diskfull.py), adds a reason to the message and a hint."""
        tail = redact(self.tail(), secrets)
        return HostError(
            self.host,
            step,
            f"{what or 'command'} failed with exit code {self.exit_code}"
            + (f": {why[0]}" if why else "")
            + (":\n    " + tail.replace("\n", "\n    ") if tail else ""),
            why[1] if why else "",
        )

    def tail(self, lines: int = 8) -> str:
        """The last lines of stderr (or stdout), for error messages."""
        text = self.stderr.strip() or self.stdout.strip()
        return "\n".join(text.splitlines()[-lines:])


@runtime_checkable
class Transport(Protocol):
    marker: str  # the session's token: marked commands carry it (see stopper.py)

    def connect(self, host: Host) -> None:
        """Open (or reuse) the connection; raise UnreachableError / HostKeyError."""

    def run(
        self,
        host: Host,
        command: Command,
        *,
        timeout: float,
        step: str = "",
        marked: bool = True,
        on_output: OnOutput | None = None,
    ) -> Result:
        """Run one command; never raises for a non-zero exit, raises UnreachableError on a lost
        connection or a timeout. `on_output`, where the transport streams, gets each line."""

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
        """Copy the local file `local` to the path `remote` on the host over the open connection
        (SFTP), reading it in blocks with a bounded number in flight, so an upload to many hosts
        at once never holds the file in memory once per host. Raises UnreachableError on a lost
        connection or at the deadline, HostError when the host refuses the write (a missing
        directory, permissions, a full disk)."""

    def close(self) -> None:
        """Close every connection (and anything opened for them, such as jump tunnels)."""


class Stream(Protocol):
    """The channel of a long-lived remote command."""

    def send(self, text: str) -> None: ...

    def close(self) -> None: ...


@runtime_checkable
class StreamingTransport(Transport, Protocol):
    def open_stream(
        self,
        host: Host,
        command: Command,
        on_line: Callable[[str], None],
        on_close: Callable[[Exception | None], None],
        *,
        step: str = "",
    ) -> Stream:
        """Start a long-lived command; stdout lines go to on_line, the channel's end to on_close
        (both on the transport's own thread)."""
