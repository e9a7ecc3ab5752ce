"""Subscribers that show events to people and scripts: terminal (rich), plain (CI), jsonl."""
from __future__ import annotations

import os
import sys
from typing import TextIO


def choose(json_mode: bool, stream: TextIO | None = None):
    """JSON lines with --json; plain lines in CI or without a TTY; the rich live view otherwise."""
    stream = stream or sys.stdout
    if json_mode:
        from .jsonl import JsonLines
        return JsonLines(stream)
    if os.environ.get("CI") or not stream.isatty():
        from .plain import Plain
        return Plain(stream)
    from .terminal import Terminal
    return Terminal()
