"""Where output goes: the injected streams every command and view writes to (httpie's Environment).

Commands never reach for sys.stdout: cli.main() builds one Env and hands it down, and tests hand
in StringIO. `plain` is the one rule for plain lines instead of rich rendering: in CI (CI set)
or when stdout is not a terminal. The real streams are wrapped in `Outlives`: a reader that goes
away (`| head`, a CI log collector that dies) must never stop a deploy half way, least of all in
the switch, so from then on the output goes nowhere and the run goes on.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:  # rich is imported when a console is made: --json and CI lines never need it
    from rich.console import Console

# Wide enough that release ids and host names never fold in CI logs and pipes.
PLAIN_WIDTH = 160


class Outlives:
    """A stream that outlives its reader: after a BrokenPipeError it writes to os.devnull."""

    def __init__(self, stream: TextIO):
        self._stream = stream
        self.reader_gone = False

    def write(self, text: str) -> int:
        try:
            return self._stream.write(text)
        except BrokenPipeError:
            self._gone()
            return len(text)

    def flush(self) -> None:
        try:
            self._stream.flush()
        except BrokenPipeError:
            self._gone()

    def _gone(self) -> None:
        self.reader_gone = True
        self._stream = open(os.devnull, "w")  # noqa: SIM115 - replaces the closed stream for good

    def __getattr__(self, name: str):  # isatty, encoding, fileno: the real stream's
        return getattr(self._stream, name)


@dataclass
class Env:
    stdout: TextIO = field(default_factory=lambda: Outlives(sys.stdout))
    stderr: TextIO = field(default_factory=lambda: Outlives(sys.stderr))
    stdin: TextIO = field(default_factory=lambda: sys.stdin)

    @property
    def tty(self) -> bool:
        return hasattr(self.stdout, "isatty") and self.stdout.isatty()

    @property
    def plain(self) -> bool:
        return bool(os.environ.get("CI")) or not self.tty

    def console(self) -> Console:
        from rich.console import Console

        if self.tty:
            return Console(file=self.stdout)
        return Console(file=self.stdout, width=PLAIN_WIDTH, force_terminal=False, color_system=None)

    def lines(self, lines: list[str]) -> None:
        self.stdout.write("".join(line + "\n" for line in lines))
        self.stdout.flush()

    def json(self, document: object, indent: int | None = 2) -> None:
        self.stdout.write(json.dumps(document, indent=indent, sort_keys=True, default=str) + "\n")
        self.stdout.flush()

    def error(self, message: str, hint: str = "") -> None:
        self.stderr.write(f"deploytool: {message}\n" + (f"hint: {hint}\n" if hint else ""))
        self.stderr.flush()
