"""The transport seam: what every transport offers and what a command run returns."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from ..config.model import Host
from ..shell import Command


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

    def tail(self, lines: int = 8) -> str:
        """The last lines of stderr (or stdout), for error messages."""
        text = self.stderr.strip() or self.stdout.strip()
        return "\n".join(text.splitlines()[-lines:])


class Transport(Protocol):
    def connect(self, host: Host) -> None:
        """Open (or reuse) the connection; raise UnreachableError / HostKeyError."""

    marker: str

    def run(
        self, host: Host, command: Command, *, timeout: float, step: str = "", marked: bool = True
    ) -> Result:
        """Run one command; never raises for a non-zero exit, raises UnreachableError on
        a lost connection or a timeout. `marked` tags it with `marker` (see stopper.py)."""

    def close(self) -> None:
        """Close every connection (and anything opened for them, such as jump tunnels)."""
