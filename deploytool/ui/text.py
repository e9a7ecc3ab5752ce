"""A rich renderable as plain lines, for CI logs and pipes (no colour, a fixed wide width)."""

from __future__ import annotations

import io

from rich.console import Console

from .env import PLAIN_WIDTH


def as_lines(renderable) -> list[str]:
    buf = io.StringIO()
    Console(file=buf, width=PLAIN_WIDTH, force_terminal=False, color_system=None).print(renderable)
    return buf.getvalue().rstrip("\n").split("\n")
