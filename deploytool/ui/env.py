"""Where output goes: the injected streams every command and view writes to (httpie's Environment).

Commands never reach for sys.stdout: cli.main() builds one Env and hands it down, and tests hand
in StringIO. `plain` is the one rule for plain lines instead of rich rendering: in CI (CI set)
or when stdout is not a terminal.
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


@dataclass
class Env:
    stdout: TextIO = field(default_factory=lambda: sys.stdout)
    stderr: TextIO = field(default_factory=lambda: sys.stderr)
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
        try:
            self.stdout.write(
                json.dumps(document, indent=indent, sort_keys=True, default=str) + "\n"
            )
            self.stdout.flush()
        except BrokenPipeError:  # `... --json | head`: the reader has seen enough
            self.stdout = open(os.devnull, "w")  # noqa: SIM115 - replaces the closed stream for good

    def error(self, message: str, hint: str = "") -> None:
        self.stderr.write(f"deploytool: {message}\n" + (f"hint: {hint}\n" if hint else ""))
        self.stderr.flush()
