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
    if plain_wanted(stream):
        from .plain import Plain
        return Plain(stream)
    from .terminal import Terminal
    return Terminal()


def plain_wanted(stream: TextIO | None = None) -> bool:
    """Plain lines rather than the live view: in CI (CI set) or when the output is not a terminal."""
    stream = stream or sys.stdout
    return bool(os.environ.get("CI")) or not (hasattr(stream, "isatty") and stream.isatty())
