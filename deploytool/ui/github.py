"""GitHub Actions' job summary: the ship's Markdown summary appended to $GITHUB_STEP_SUMMARY when
the ship finishes (success or failure). Appended, never truncated: other steps write there too.
A summary that cannot be written is reported on stderr and never fails the ship."""

from __future__ import annotations

import sys

from .. import events as ev
from .summary import Summary


class StepSummary:
    def __init__(self, path: str):
        self.path = path
        self.summary = Summary()

    def __call__(self, e: ev.Event) -> None:
        self.summary(e)
        if isinstance(e, ev.ShipFinished):
            try:
                with open(self.path, "a", encoding="utf-8") as f:
                    f.write(self.summary.markdown())
            except OSError as err:
                sys.stderr.write(
                    f"deploytool: warning: cannot write the GitHub step summary: {err.strerror}\n"
                )

    def close(self) -> None:
        pass
