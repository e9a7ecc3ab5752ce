"""Production safety: a stage with `confirm: true` asks, on a terminal, to type its name.

`--yes` skips the question. Without a terminal (CI, cron, a pipe) nobody can answer, so nothing is
asked and the ship goes ahead: CI has its own gates (protected environments, manual jobs). Typing
the name, not "y", is the point: it is hard to do on autopilot for the wrong stage.
"""

from __future__ import annotations

import sys
from typing import TextIO

from ..errors import UsageError


def interactive(stdin: TextIO, stderr: TextIO) -> bool:
    return all(hasattr(s, "isatty") and s.isatty() for s in (stdin, stderr))


def confirm_stage(
    stage, yes: bool, what: str = "ship", stdin: TextIO | None = None, stderr: TextIO | None = None
) -> None:
    stdin, stderr = stdin or sys.stdin, stderr or sys.stderr
    if not stage.confirm or yes or not interactive(stdin, stderr):
        return
    stderr.write(
        f"Stage {stage.name!r} asks for confirmation ({len(stage.hosts)} host(s)).\n"
        f"Type the stage name to {what} it: "
    )
    stderr.flush()
    answer = stdin.readline().strip()
    if answer != stage.name:
        raise UsageError(
            f"not confirmed (typed {answer!r}, expected {stage.name!r}); nothing was done",
            "type the stage name exactly, or pass --yes where nobody can answer",
        )
