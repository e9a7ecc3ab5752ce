"""The output layer. Event views for ship and rollback (terminal: rich, plain: CI, jsonl: --json,
chosen by `choose()`); documents for every other command (document.py, one renderer module per
kind: *_view.py); env.py holds the injected streams and the one plain-or-rich rule.

`choose()` picks the view; under GitHub Actions it also writes the job's step summary
($GITHUB_STEP_SUMMARY), whatever the view, so a `--json` ship still gets one.
"""

from __future__ import annotations

import os
import sys
from typing import TextIO

from .env import Env


def choose(json_mode: bool, stream: TextIO | None = None, verbose: bool = False):
    """JSON lines with --json; plain lines in CI or without a TTY; the rich live view otherwise."""
    stream = stream or sys.stdout
    if json_mode:
        from .jsonl import JsonLines

        view = JsonLines(stream)
    elif Env(stdout=stream).plain:
        from .plain import Plain

        view = Plain(stream, verbose=verbose)
    else:
        from rich.console import Console

        from .terminal import Terminal

        # the given stream (env.stdout: an Outlives), so a terminal that goes away mid-ship does
        # not stop the ship with a BrokenPipeError from the live view either
        view = Terminal(Console(file=stream), verbose=verbose)
    summary_path = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary_path and os.environ.get("GITHUB_ACTIONS") == "true":
        from .github import StepSummary

        return Views(view, StepSummary(summary_path))
    return view


class Views:
    """Several subscribers as one view (the shown one first); `verbose` reaches the shown one."""

    def __init__(self, *views):
        self.views = views

    def __call__(self, event) -> None:
        for v in self.views:
            v(event)

    @property
    def verbose(self) -> bool:
        return bool(getattr(self.views[0], "verbose", False))

    @verbose.setter
    def verbose(self, value: bool) -> None:
        for v in self.views:
            if hasattr(v, "verbose"):
                v.verbose = value

    def close(self) -> None:
        for v in self.views:
            v.close()
